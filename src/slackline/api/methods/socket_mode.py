"""``apps.connections.open``: a Socket Mode URL for an app-level token (docs/socket-mode.md).

The URL carries a ticket from the same store as ``rtm.connect``'s: single use, valid 30
seconds, redeemable on any process sharing the store.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from slackline.api.call import Call
from slackline.api.registry import MethodSpec
from slackline.domain.ratelimit import Tier
from slackline.errors import SlackError, SlackErrorCode
from slackline.http.forwarding import websocket_base
from slackline.shared.base import TicketGrant
from slackline.socket_mode.endpoint import LINK_PATH


async def apps_connections_open(call: Call) -> dict[str, Any]:
    """Reserve a Socket Mode ticket for the token's app and return its URL."""
    identity = call.identity
    app_id = await call.services.apps.app_of_app_token(identity.token.hash)
    if app_id is None:
        raise SlackError(SlackErrorCode.INVALID_AUTH)
    grant = TicketGrant(
        team_id=identity.team.id, user_id=identity.user.id, bot_id=None,
        token_hash=identity.token.hash, batch_presence_aware=False, presence_sub=False,
    )  # fmt: skip
    ticket = await call.services.tickets.issue(grant)
    query = urlencode({"ticket": ticket, "app_id": app_id})
    return {"url": f"{websocket_base(call.base_url())}{LINK_PATH}?{query}"}


METHODS = [
    MethodSpec(
        "apps.connections.open",
        apps_connections_open,
        Tier.TIER_1,
        ("connections:write",),
        app_token=True,
        publishes=False,
    ),
]
