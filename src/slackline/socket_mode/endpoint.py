"""The Socket Mode endpoint: ``GET /link/?ticket=…&app_id=…`` upgraded to a connection.

A ticket from ``apps.connections.open`` (single use, 30 seconds, the same ticket store as
RTM's) gets ``101`` and ``hello``; an unknown, used or expired one, or a ticket whose app
token no longer admits it, gets the upgrade and then a close 1008 with no frame, and an app
at Slack's limit of connections a close 1008 ``too_many_websockets`` (docs/socket-mode.md).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Coroutine
from typing import Any
from urllib.parse import parse_qs

from slackline.http.forwarding import valid_host
from slackline.http.request import Request
from slackline.http.response import plain_response
from slackline.http.server import encode_response
from slackline.lifecycle import Lifecycle
from slackline.socket_mode.hub import ConnectedApp, SocketModeHub
from slackline.socket_mode.session import SocketModeSession
from slackline.websocket.protocol import (
    CloseCode,
    encode_close,
    handshake_problem,
    switching_protocols,
)

logger = logging.getLogger("slackline.socket_mode")

LINK_PATH = "/link/"
LINK_PATHS = (LINK_PATH, LINK_PATH.rstrip("/"))

# A ticket's text and the caller's address: the app it connects, or None.
RedeemLink = Callable[[str, str], Awaitable[ConnectedApp | None]]


class LinkEndpoint:
    """Turns ``/link/`` upgrade requests into Socket Mode connections."""

    def __init__(self, hub: SocketModeHub, redeem: RedeemLink, lifecycle: Lifecycle) -> None:
        self._hub = hub
        self._redeem = redeem
        self._lifecycle = lifecycle

    def upgrade(
        self, request: Request, transport: asyncio.Transport, rest: bytes
    ) -> Coroutine[Any, Any, None] | None:
        """Answer an upgrade request; a valid handshake returns the coroutine that opens it."""
        status = None if valid_host(request.header("host")) else 400
        status = status or handshake_problem(request.method, request.header)
        if status is None and self._lifecycle.draining:
            status = 503
        if status is not None:
            body = encode_response(plain_response(status, {"ok": False}, request.request_id),
                                   keep_alive=False)  # fmt: skip
            transport.write(body)
            transport.close()
            return None
        query = parse_qs(request.query.decode("latin-1"))
        ticket = (query.get("ticket") or [""])[0]
        return self._open(request, transport, ticket, rest)

    async def _open(
        self, request: Request, transport: asyncio.Transport, ticket: str, rest: bytes
    ) -> None:
        try:
            app = await self._redeem(ticket, request.peer) if ticket else None
        except Exception:
            logger.exception("req=%s socket mode upgrade failed", request.request_id)
            transport.abort()
            return
        if transport.is_closing():
            return
        transport.write(switching_protocols(request.header("sec-websocket-key") or ""))
        if app is None or self._hub.full(app.app_id):
            reason = "too_many_websockets" if app is not None else "invalid ticket"
            transport.write(encode_close(CloseCode.POLICY_VIOLATION, reason))
            transport.close()
            logger.info("req=%s GET /link/ 101 refused: %s", request.request_id, reason)
            return
        session = SocketModeSession(self._hub, transport, app)
        transport.set_protocol(session)
        self._hub.attach(session)
        logger.info("req=%s GET /link/ 101 connection=%s app=%s", request.request_id,
                    session.connection_id, app.app_id)  # fmt: skip
        if rest:
            session.data_received(rest)
