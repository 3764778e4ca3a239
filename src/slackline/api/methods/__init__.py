"""One module per method family; :func:`all_methods` is the whole table."""

from __future__ import annotations

from slackline.api.methods import (
    auth,
    bots,
    channels_admin,
    chat,
    conversations,
    legacy,
    message_edits,
    reactions,
    rtm,
    team,
    threads,
    users,
)
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
        *channels_admin.METHODS,
        *threads.METHODS,
        *message_edits.METHODS,
        *reactions.METHODS,
        *bots.METHODS,
    ]
