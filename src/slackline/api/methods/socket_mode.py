"""``apps.connections.open``: a Socket Mode URL for an app-level token, and ``chat.command``:
a person's slash command (docs/socket-mode.md).

The URL carries a ticket from the same store as ``rtm.connect``'s: single use, valid 30
seconds, redeemable on any process sharing the store.
"""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import urlencode

from slackline.api.call import Call
from slackline.api.methods.conversations import visible_conversation
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


async def blocks_actions(call: Call) -> dict[str, Any]:
    """A click on a button or a choice in a static select of a message the caller sees
    (``channel``, ``ts``, ``block_id``, ``action_id``, ``selected_option`` as JSON), as the
    web client sends it: the app that posted the message receives ``block_actions``."""
    identity = call.identity
    conversation, _ = await visible_conversation(call, call.args.text("channel"))
    message = await call.services.access.message(
        conversation, call.args.text("ts"), malformed=SlackErrorCode.MESSAGE_NOT_FOUND
    )
    action: dict[str, Any] = {
        "block_id": call.args.text("block_id"), "action_id": call.args.text("action_id"),
    }  # fmt: skip
    selected = call.args.text("selected_option")
    if selected:
        try:
            action["selected_option"] = json.loads(selected)
        except ValueError:
            raise SlackError(SlackErrorCode.INVALID_ACTION) from None
    await call.services.commands.act(
        identity.team.id, identity.user.id, channel_id=conversation.id, message=message,
        action=action, base_url=call.base_url(),
    )  # fmt: skip
    return {}


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
    MethodSpec("blocks.actions", blocks_actions, Tier.TIER_3, ("client",)),
]
