"""One module per method family; :func:`all_methods` is the whole table."""

from __future__ import annotations

from slackline.api.methods import (
    auth,
    bots,
    channels_admin,
    chat,
    conversations,
    emoji,
    files,
    history,
    legacy,
    message_edits,
    misc,
    oauth,
    pins,
    prefs,
    reactions,
    read_state,
    rtm,
    scheduled,
    search,
    socket_mode,
    stars,
    team,
    threads,
    usergroups,
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
        *history.METHODS,
        *scheduled.METHODS,
        *read_state.METHODS,
        *pins.METHODS,
        *stars.METHODS,
        *emoji.METHODS,
        *usergroups.METHODS,
        *prefs.METHODS,
        *files.METHODS,
        *search.METHODS,
        *misc.METHODS,
        *oauth.METHODS,
        *socket_mode.METHODS,
    ]
