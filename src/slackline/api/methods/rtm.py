"""``rtm.connect`` and the deprecated ``rtm.start``."""

from __future__ import annotations

from typing import Any

from slackline.api.call import Call
from slackline.api.methods.common import team_brief
from slackline.api.methods.read_state import team_conversations
from slackline.api.registry import MethodSpec
from slackline.domain.ratelimit import Tier
from slackline.domain.shapes import bot_object, user_object
from slackline.errors import SlackError, SlackErrorCode
from slackline.http.forwarding import socket_url
from slackline.shared.base import TicketGrant
from slackline.storage.base import ALL_ROWS

RTM_START_MEMBER_CAP = 500


async def rtm_connect(call: Call) -> dict[str, Any]:
    """Reserve a socket ticket valid for 30 seconds and return its URL (decisions D.1).

    From now on the user's events are kept for the ticket, to follow ``hello`` (E.2),
    wherever the shared state keeps them (C.4); no ticket while the broker is down (E.8).
    """
    identity = call.identity
    grant = TicketGrant(
        team_id=identity.team.id,
        user_id=identity.user.id,
        bot_id=identity.user.bot_id if identity.token.is_bot else None,
        token_hash=identity.token.hash,
        batch_presence_aware=call.args.flag("batch_presence_aware", False),
        presence_sub=call.args.flag("presence_sub", True),
    )
    ticket = await call.services.tickets.issue(grant)
    return {
        "url": socket_url(call.base_url(), ticket),
        "team": team_brief(identity.team),
        "self": {"id": identity.user.id, "name": identity.user.name},
    }


async def rtm_start(call: Call) -> dict[str, Any]:
    """The historic team-state response (with legacy methods off the table serves
    :func:`rtm_connect` in its place, B.5)."""
    if call.identity.token.created_after_2021_11_30:
        raise SlackError(SlackErrorCode.METHOD_DEPRECATED)
    connected = await rtm_connect(call)
    return {**connected, **await _team_state(call)}


async def _team_state(call: Call) -> dict[str, Any]:
    reads, identity = call.services.reads, call.identity
    team, me = identity.team, identity.user
    users = await reads.list_users(team.id, "", ALL_ROWS)
    # ``no_latest`` implies ``no_unreads``, as Slack documents.
    with_unreads = not (call.args.flag("no_unreads") or call.args.flag("no_latest"))
    conversations = await team_conversations(
        call,
        member_cap=RTM_START_MEMBER_CAP,
        with_unreads=with_unreads,
        mpim_aware=call.args.flag("mpim_aware"),
    )
    return {
        "self": {
            "id": me.id,
            "name": me.name,
            "prefs": {},
            "created": team.created,
            "manual_presence": "away" if me.manual_away else "active",
        },
        "team": {
            **team_brief(team),
            "email_domain": team.email_domain,
            "icon": {"image_default": True},
            "msg_edit_window_mins": -1,
            "over_storage_limit": False,
            "prefs": {},
            "plan": "",
        },
        "users": [user_object(u) for u in users],
        **conversations,
        "bots": [bot_object(b) for b in await reads.list_bots(team.id)],
    }


_RTM_BOOLS = ("batch_presence_aware", "presence_sub")
METHODS = [
    MethodSpec(
        "rtm.connect",
        rtm_connect,
        Tier.TIER_1,
        ("rtm:stream",),
        bool_args=_RTM_BOOLS,
        rtm=True,
        publishes=False,
    ),
    MethodSpec(
        "rtm.start",
        rtm_start,
        Tier.TIER_1,
        ("rtm:stream", "client"),
        bool_args=(*_RTM_BOOLS, "no_unreads", "no_latest", "simple_latest", "mpim_aware"),
        rtm=True,
        modern=rtm_connect,
        publishes=False,
    ),
]
