"""One module per method family; :func:`all_methods` is the whole table."""

from __future__ import annotations

from slackline.api.methods import auth, chat, conversations, legacy, rtm, team, users
from slackline.api.registry import MethodSpec


def all_methods() -> list[MethodSpec]:
    """Every Web API method Slackline serves."""
    return [
        *auth.METHODS,
        *rtm.METHODS,
        *team.METHODS,
        *users.METHODS,
        *conversations.METHODS,
        *chat.METHODS,
        *legacy.METHODS,
    ]
