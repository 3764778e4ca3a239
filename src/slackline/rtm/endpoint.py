"""The socket endpoint: ``GET /websocket/<ticket>`` upgraded to an RTM session.

A valid ticket gets ``101`` and ``hello``; an expired, reused or unknown one still gets the
upgrade, then the ``error`` frame with code 1 and a close 1008 (decisions E.1). While the
server drains, upgrades get HTTP 503. Injected ticket faults (``app.faults``) refuse a valid
ticket's upgrade with an HTTP error or answer it as expired. permessage-deflate is declined
(never negotiated).
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import logging
from collections.abc import Coroutine
from typing import TYPE_CHECKING, Any

from slackline.broker import ControlAction
from slackline.errors import RtmErrorCode
from slackline.http.request import Request, Response
from slackline.http.response import plain_response
from slackline.http.server import encode_response
from slackline.logbuffer import LineLogger
from slackline.rtm.frames import CloseCode, accept_key, encode_close
from slackline.rtm.replies import error_frame
from slackline.rtm.session import RtmSession

if TYPE_CHECKING:
    from slackline.app import App
    from slackline.services.tickets import Ticket

logger = logging.getLogger("slackline.rtm")
_lines = LineLogger(logger)

SOCKET_PREFIX = "/websocket/"
WEBSOCKET_KEY_BYTES = 16


def handshake_problem(request: Request) -> int | None:
    """The HTTP status refusing a malformed upgrade, or None if it is a valid one."""
    if request.method != "GET" or not request.path.startswith(SOCKET_PREFIX):
        return 404
    if (request.header("upgrade") or "").lower() != "websocket":
        return 400
    if "upgrade" not in (request.header("connection") or "").lower():
        return 400
    if request.header("sec-websocket-version") != "13":
        return 426
    try:
        key = base64.b64decode(request.header("sec-websocket-key") or "", validate=True)
    except (binascii.Error, ValueError):
        return 400
    return None if len(key) == WEBSOCKET_KEY_BYTES else 400


def switching_protocols(key: str) -> bytes:
    """The 101 response (no extensions: permessage-deflate is declined)."""
    return (
        "HTTP/1.1 101 Switching Protocols\r\n"
        "Upgrade: websocket\r\n"
        "Connection: Upgrade\r\n"
        f"Sec-WebSocket-Accept: {accept_key(key)}\r\n\r\n"
    ).encode("ascii")


class SocketEndpoint:
    """Turns upgrade requests into sessions."""

    def __init__(self, app: App) -> None:
        self._app = app

    def upgrade(
        self, request: Request, transport: asyncio.Transport, rest: bytes
    ) -> Coroutine[Any, Any, None] | None:
        """Answer an upgrade request on a connection the HTTP driver hands over.

        With tickets in Redis the answer needs a round trip: the coroutine returned then
        finishes it, and the connection reads nothing more until it has.
        """
        status = handshake_problem(request)
        if status is None and self._app.draining:
            status = 503
        if status is not None:
            self._refuse(transport, plain_response(status, {"ok": False}, request.request_id))
            logger.info("req=%s GET /websocket/… %d", request.request_id, status)
            return None
        ticket_text = request.path[len(SOCKET_PREFIX) :]
        if self._app.cluster is not None:
            transport.pause_reading()
            return self._redeem_shared(request, transport, ticket_text, rest)
        self._answer(request, transport, ticket_text, self._app.tickets.redeem(ticket_text), rest)
        return None

    async def _redeem_shared(
        self, request: Request, transport: asyncio.Transport, ticket_text: str, rest: bytes
    ) -> None:
        """Take the ticket in Redis, then answer as :meth:`_answer` does."""
        assert self._app.cluster is not None
        try:
            ticket = await self._app.cluster.redeem(ticket_text)
            if not transport.is_closing():
                self._answer(request, transport, ticket_text, ticket, rest)
        except Exception:
            logger.exception("req=%s upgrade failed", request.request_id)
            transport.abort()
        if not transport.is_closing():
            transport.resume_reading()

    def _answer(
        self,
        request: Request,
        transport: asyncio.Transport,
        ticket_text: str,
        ticket: Ticket | None,
        rest: bytes,
    ) -> None:
        """Answer an upgrade whose ticket was redeemed (None: unknown, used or expired)."""
        if ticket is not None and self._app.faults.tickets_armed:
            answer = self._app.faults.take_ticket(ticket.team_id, ticket.user_id)
            if answer is not None and answer.action == "refuse":
                body = plain_response(answer.status, {"ok": False}, request.request_id)
                self._refuse(transport, body)
                logger.info("req=%s GET /websocket/… %d fault", request.request_id, answer.status)
                return
            if answer is not None:
                ticket = None  # the injected expiry: answered as any expired ticket
        transport.write(switching_protocols(request.header("sec-websocket-key") or ""))
        if ticket is None:
            transport.write(error_frame(RtmErrorCode.SOCKET_URL_EXPIRED))
            transport.write(encode_close(CloseCode.POLICY_VIOLATION, "socket URL has expired"))
            transport.close()
            logger.info("req=%s GET /websocket/… 101 error=expired", request.request_id)
            return
        session = RtmSession(self._app.hub, transport, ticket)
        transport.set_protocol(session)
        self._app.hub.attach(ticket_text, session)
        if self._app.cluster is not None:
            # In the same callback as attach: no event can fall between the two.
            caught_up = self._app.cluster.catch_up(ticket_text, ticket)
            for frame in caught_up.frames:
                self._app.hub.queue(session, frame)
            if caught_up.ending is ControlAction.MIGRATION:
                session.migration_started()
            elif caught_up.ending is not None:
                session.goodbye()
        _lines.info(
            f"req={request.request_id} GET /websocket/… 101 "
            f"session={session.session_id} user={session.user_id}"
        )
        if rest:
            session.data_received(rest)

    @staticmethod
    def _refuse(transport: asyncio.Transport, response: Response) -> None:
        transport.write(encode_response(response, keep_alive=False))
        transport.close()
