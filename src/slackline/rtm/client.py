"""What the server does with each client frame (decisions E.5, E.6).

``message`` frames go through the same service as ``chat.postMessage`` and are handled one
at a time per session, in arrival order; every other type is answered at once. A frame
without an ``id`` is processed and never acknowledged. A frame without a ``type``, or of a
type Slackline does not serve, is answered with code 6 as Slack answers it: the reply to its
``id``, or an ``error`` event when it has none (so a client whose keepalive is such a frame
hears back, decisions E.5).

Pings (the JSON ``ping`` type and the protocol's ping frames) are answered by
:attr:`ClientFrames.answer_ping` and :attr:`ClientFrames.answer_ws_ping`, which composition
may replace (an injected fault silences them: :mod:`slackline.faults.install`).
"""

from __future__ import annotations

import asyncio
import logging
from collections import deque
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any, Protocol

from slackline.clock import Clock
from slackline.domain.ratelimit import Rate, refilled
from slackline.domain.text import UnusableJsonError, load_json
from slackline.errors import RtmError, RtmErrorCode, SlackError, StorageError
from slackline.rtm.replies import error_frame, error_reply, message_ack, pong
from slackline.websocket.protocol import encode_pong

if TYPE_CHECKING:
    from slackline.rtm.hub import SessionHub
    from slackline.rtm.session import RtmSession

logger = logging.getLogger("slackline.rtm")

# 1 per second with a burst of 20 (decisions E.5); ``WRITE_BURST`` rejections in a row
# (twice the burst sent at once) end the session.
WRITE_RATE = Rate(per_minute=60, burst=20)
WRITE_BURST = WRITE_RATE.burst
MAX_INBOX_FRAMES = 64
_WRITE_TYPES = frozenset({"message", "typing"})

FrameHandler = Callable[["RtmSession", dict[str, Any], int | None], Awaitable[bytes | None]]
PingAnswer = Callable[["RtmSession", dict[str, Any], int | None], None]
WsPingAnswer = Callable[["RtmSession", bytes], None]


class FrameHandling(Protocol):
    """What a session hands its client's frames to: :class:`ClientFrames`, or a journal's
    tap around it (installed at composition)."""

    def handle(self, session: RtmSession, text: str) -> None:
        """One text message from the client (valid UTF-8, already decoded)."""
        ...

    def answer_ws_ping(self, session: RtmSession, payload: bytes) -> None:
        """One ping frame from the client."""
        ...

    def busy(self) -> bool:
        """Whether any client frame waits for (or is in) its handler."""
        ...

    def session_ended(self, session: RtmSession) -> None:
        """Drop a closed session's unprocessed frames."""
        ...


def reply_id(document: dict[str, Any]) -> int | None:
    """The frame's ``id`` if it is a whole number (booleans are not ids)."""
    value = document.get("id")
    return value if isinstance(value, int) and not isinstance(value, bool) else None


class ClientFrames:
    """Dispatches client frames to handlers; one ordered inbox per session."""

    def __init__(self, hub: SessionHub, clock: Clock, *, rate_limits: bool) -> None:
        self._hub = hub
        self._clock = clock
        self._rate_limits = rate_limits
        self._inboxes: dict[RtmSession, deque[tuple[dict[str, Any], int | None]]] = {}
        self._handlers: dict[str, FrameHandler] = {}
        self.answer_ping: PingAnswer = self._pong
        self.write_refusals = 0  # frames over the write bucket (a metric)
        self.answer_ws_ping: WsPingAnswer = self._ws_pong

    def register(self, frame_type: str, handler: FrameHandler) -> None:
        """Route frames of a ``type`` to a handler returning the reply frame (or None)."""
        self._handlers[frame_type] = handler

    def handle(self, session: RtmSession, text: str) -> None:
        """Decode one text message and queue it for its handler."""
        try:
            document = load_json(text)
        except UnusableJsonError:
            document = None  # not JSON, too deep, or text no client could be sent (E.6)
        if not isinstance(document, dict):
            self._hub.queue(session, error_frame(RtmErrorCode.INVALID_FRAME))
            return
        reply_to = reply_id(document)
        frame_type = document.get("type")
        if frame_type == "ping":
            # Answered at once, never behind a message being stored: keepalives time out.
            self.answer_ping(session, document, reply_to)
            return
        if not isinstance(frame_type, str) or frame_type not in self._handlers:
            code = RtmErrorCode.UNSUPPORTED_TYPE
            answer = error_frame(code) if reply_to is None else error_reply(reply_to, code)
            self._hub.queue(session, answer)
            return
        if frame_type in _WRITE_TYPES and not self._within_write_bucket(session, reply_to):
            return
        inbox = self._inboxes.get(session)
        if inbox is None:
            inbox = self._inboxes[session] = deque()
            asyncio.get_running_loop().create_task(self._drain(session, inbox))
        if len(inbox) >= MAX_INBOX_FRAMES:
            session.goodbye()
            return
        inbox.append((document, reply_to))

    def _pong(self, session: RtmSession, document: dict[str, Any], reply_to: int | None) -> None:
        reply = ping_reply(document, reply_to)
        if reply is not None:
            self._hub.queue(session, reply)

    def _ws_pong(self, session: RtmSession, payload: bytes) -> None:
        self._hub.queue(session, encode_pong(payload))

    def busy(self) -> bool:
        """Whether any client frame is waiting for (or in) its handler."""
        return bool(self._inboxes)

    def session_ended(self, session: RtmSession) -> None:
        """Drop a closed session's unprocessed frames."""
        inbox = self._inboxes.get(session)
        if inbox is not None:
            inbox.clear()

    async def _drain(
        self, session: RtmSession, inbox: deque[tuple[dict[str, Any], int | None]]
    ) -> None:
        try:
            while inbox and not session.closed:
                document, reply_to = inbox.popleft()
                reply = await self._run(session, document, reply_to)
                if reply is not None:
                    self._hub.queue(session, reply)
        finally:
            self._inboxes.pop(session, None)

    async def _run(
        self, session: RtmSession, document: dict[str, Any], reply_to: int | None
    ) -> bytes | None:
        handler = self._handlers[document["type"]]
        try:
            return await handler(session, document, reply_to)
        except RtmError as error:
            code = error.code
        except (StorageError, SlackError):
            logger.exception("session=%s frame failed", session.session_id)
            code = RtmErrorCode.SERVER_ERROR
        except Exception:
            logger.exception("session=%s frame failed unexpectedly", session.session_id)
            code = RtmErrorCode.SERVER_ERROR
        return error_reply(reply_to, code) if reply_to is not None else None

    def _within_write_bucket(self, session: RtmSession, reply_to: int | None) -> bool:
        """The session's write bucket (decisions E.5), off with ``--rate-limits off``.

        A frame over the bucket takes nothing and gets code -1; after ``WRITE_BURST``
        rejections in a row the session gets ``goodbye``.
        """
        if not self._rate_limits:
            return True
        now = self._clock.monotonic()
        if session.write_updated == 0.0:
            session.write_tokens = float(WRITE_BURST)
        else:
            session.write_tokens = refilled(
                session.write_tokens, session.write_updated, now, WRITE_RATE
            )
        session.write_updated = now
        if session.write_tokens >= 1.0:
            session.write_tokens -= 1.0
            session.write_rejections = 0
            return True
        session.write_rejections += 1
        self.write_refusals += 1
        if session.write_rejections >= WRITE_BURST:
            session.goodbye()
        elif reply_to is not None:
            self._hub.queue(session, error_reply(reply_to, RtmErrorCode.RATE_LIMITED))
        return False


def ping_reply(document: dict[str, Any], reply_to: int | None) -> bytes | None:
    """A ``pong`` echoing the ping's flat (scalar) extra fields; none without an ``id``."""
    if reply_to is None:
        return None
    extras = {
        key: value
        for key, value in document.items()
        if key not in ("type", "id") and (value is None or isinstance(value, str | int | float))
    }
    return pong(reply_to, extras)


def message_reply(reply_to: int | None, ts: str, text: str) -> bytes | None:
    """The acknowledgement of a posted message, when the frame had an ``id``."""
    return message_ack(reply_to, ts, text) if reply_to is not None else None
