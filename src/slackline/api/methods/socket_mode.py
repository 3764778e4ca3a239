"""``apps.connections.open``: a Socket Mode URL for an app-level token, and ``chat.command``:
a person's slash command (docs/socket-mode.md).

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


async def chat_command(call: Call) -> dict[str, Any]:
    """Run a slash command (``command``, ``text``) in ``channel`` as the caller, as
    Slack's own clients do: the app that declares it receives it (docs/socket-mode.md)."""
    identity = call.identity
    conversation = await call.services.access.postable(
        identity.team.id,
        identity.user.id,
        call.args.text("channel"),
        public_without_membership=False,
    )
    command, text = call.args.text("command"), call.args.text("text")
    if not command.startswith("/"):
        raise SlackError(SlackErrorCode.INVALID_COMMAND)
    line = f"{command} {text}".strip()
    await call.services.commands.run(
        identity.team.id, identity.user.id, conversation.id, line, call.base_url()
    )
    return {"response": ""}


METHODS = [
    MethodSpec(
        "apps.connections.open",
        apps_connections_open,
        Tier.TIER_1,
        ("connections:write",),
        app_token=True,
        publishes=False,
    ),
    MethodSpec("chat.command", chat_command, Tier.TIER_3, ("client", "commands")),
]
