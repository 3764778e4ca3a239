"""The socket endpoint: ``GET /websocket/<ticket>`` upgraded to an RTM session.

A valid ticket gets ``101`` and ``hello``; an expired, reused or unknown one still gets the
upgrade, then the ``error`` frame with code 1 and a close 1008 (decisions E.1). While the
server drains, upgrades get HTTP 503. A redemption may answer :class:`Refusal` (an injected
fault, installed at composition around the redemption): HTTP with that status, no upgrade.
permessage-deflate is declined (never negotiated).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Coroutine
from dataclasses import dataclass
from typing import Any

from slackline.errors import RtmErrorCode
from slackline.http.forwarding import PublicUrls, valid_host
from slackline.http.request import Request, Response
from slackline.http.response import plain_response
from slackline.http.server import encode_response
from slackline.lifecycle import Lifecycle
from slackline.logbuffer import LineLogger
from slackline.rtm.hub import SessionHub
from slackline.rtm.reconnect import ReconnectUrls
from slackline.rtm.replies import error_frame
from slackline.rtm.session import RtmSession
from slackline.shared.base import Admission
from slackline.websocket.protocol import (
    CloseCode,
    encode_close,
    handshake_problem,
    switching_protocols,
)

logger = logging.getLogger("slackline.rtm")
_lines = LineLogger(logger)

SOCKET_PREFIX = "/websocket/"


@dataclass(frozen=True, slots=True)
class Refusal:
    """A ticket whose upgrade is refused with an HTTP ``status`` (the ticket is used up)."""

    status: int


# A ticket's text and the peer address opening its socket.
Redeem = Callable[[str, str], Awaitable["Admission | Refusal | None"]]


def upgrade_problem(request: Request) -> int | None:
    """The HTTP status refusing an upgrade request, or None if it opens a socket."""
    if not request.path.startswith(SOCKET_PREFIX):
        return 404
    if not valid_host(request.header("host")):
        return 400
    return handshake_problem(request.method, request.header)


class SocketEndpoint:
    """Turns upgrade requests into sessions."""

    def __init__(
        self,
        hub: SessionHub,
        redeem: Redeem,
        lifecycle: Lifecycle,
        urls: PublicUrls,
        reconnects: ReconnectUrls,
    ) -> None:
        self._hub = hub
        self._redeem = redeem
        self._lifecycle = lifecycle
        self._urls = urls
        self._reconnects = reconnects

    def upgrade(
        self, request: Request, transport: asyncio.Transport, rest: bytes
    ) -> Coroutine[Any, Any, None] | None:
        """Answer an upgrade request on a connection the HTTP driver hands over.

        A valid handshake returns the coroutine that redeems the ticket and opens the
        session; the driver runs it at once, and it finishes without waiting when the
        tickets are in this process.
        """
        status = upgrade_problem(request)
        if status is None and self._lifecycle.draining:
            status = 503
        if status is not None:
            self._refuse(transport, plain_response(status, {"ok": False}, request.request_id))
            logger.info("req=%s GET /websocket/… %d", request.request_id, status)
            return None
        return self._open(request, transport, request.path[len(SOCKET_PREFIX) :], rest)

    async def _open(
        self, request: Request, transport: asyncio.Transport, ticket_text: str, rest: bytes
    ) -> None:
        try:
            admitted = await self._redeem(ticket_text, request.peer)
        except Exception:
            logger.exception("req=%s upgrade failed", request.request_id)
            transport.abort()
            return
        if transport.is_closing():
            return
        if isinstance(admitted, Refusal):
            self._refuse(transport, plain_response(admitted.status, {"ok": False},
                                                   request.request_id))  # fmt: skip
            logger.info("req=%s GET /websocket/… %d fault", request.request_id, admitted.status)
            return
        accepted = switching_protocols(request.header("sec-websocket-key") or "")
        if admitted is None:
            expired = error_frame(RtmErrorCode.SOCKET_URL_EXPIRED)
            close = encode_close(CloseCode.POLICY_VIOLATION, "socket URL has expired")
            transport.write(accepted + expired + close)
            transport.close()
            logger.info("req=%s GET /websocket/… 101 error=expired", request.request_id)
            return
        session = RtmSession(self._hub, transport, admitted.ticket)
        transport.set_protocol(session)
        # In the same callback as the catch-up: no event can fall between the two. The 101
        # answer is written with hello, in one write.
        self._hub.attach(session, admitted.catch_up(), accepted)
        base = self._urls.base_url(request.scheme, request.header("host"), request.local)
        self._reconnects.track(session, base)
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
