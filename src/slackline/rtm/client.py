"""What the server does with each client frame (decisions E.5, E.6).

``message`` frames go through the same service as ``chat.postMessage`` and are handled one
at a time per session, in arrival order; every other type is answered at once. A frame
without an ``id`` is processed and never acknowledged; an unknown ``type`` with an ``id``
gets code 6, without one it is ignored.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections import deque
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any

from slackline.errors import RtmError, RtmErrorCode, SlackError, StorageError
from slackline.rtm.replies import error_frame, error_reply, message_ack, pong

if TYPE_CHECKING:
    from slackline.app import App
    from slackline.rtm.session import RtmSession

logger = logging.getLogger("slackline.rtm")

WRITE_RATE_PER_SEC = 1.0
WRITE_BURST = 20
MAX_INBOX_FRAMES = 64
_WRITE_TYPES = frozenset({"message", "typing"})

FrameHandler = Callable[["RtmSession", dict[str, Any], int | None], Awaitable[bytes | None]]


def reply_id(document: dict[str, Any]) -> int | None:
    """The frame's ``id`` if it is a whole number (booleans are not ids)."""
    value = document.get("id")
    return value if isinstance(value, int) and not isinstance(value, bool) else None


class ClientFrames:
    """Dispatches client frames to handlers; one ordered inbox per session."""

    def __init__(self, app: App) -> None:
        self._app = app
        self._inboxes: dict[RtmSession, deque[tuple[dict[str, Any], int | None]]] = {}
        self._handlers: dict[str, FrameHandler] = {}

    def register(self, frame_type: str, handler: FrameHandler) -> None:
        """Route frames of a ``type`` to a handler returning the reply frame (or None)."""
        self._handlers[frame_type] = handler

    def handle(self, session: RtmSession, payload: bytes) -> None:
        """Decode one text frame and queue it for its handler."""
        try:
            document = json.loads(payload)
        except ValueError:
            document = None
        if not isinstance(document, dict):
            self._app.hub.queue(session, error_frame(RtmErrorCode.INVALID_FRAME))
            return
        reply_to = reply_id(document)
        frame_type = document.get("type")
        if not isinstance(frame_type, str) or (
            frame_type not in self._handlers and frame_type != "ping"
        ):
            if reply_to is not None:
                self._app.hub.queue(session, error_reply(reply_to, RtmErrorCode.UNSUPPORTED_TYPE))
            return
        if frame_type == "ping":
            # Answered at once, never behind a message being stored: keepalives time out.
            if not self.answers_pings(session):
                return
            reply = ping_reply(document, reply_to)
            if reply is not None:
                self._app.hub.queue(session, reply)
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

    def answers_pings(self, session: RtmSession) -> bool:
        """False while an injected fault silences the session's pings (a half-open link)."""
        faults = self._app.faults
        return not (faults.pings_silenced and faults.silences(session))

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
                    self._app.hub.queue(session, reply)
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
        """1 per second with a burst of 20 (decisions E.5).

        A frame over the bucket takes nothing and gets code -1; after ``WRITE_BURST``
        rejections in a row (twice the burst sent at once) the session gets ``goodbye``.
        """
        if not self._app.settings.rate_limits:
            return True
        now = self._app.clock.monotonic()
        if session.write_updated == 0.0:
            session.write_tokens = float(WRITE_BURST)
        else:
            refill = (now - session.write_updated) * WRITE_RATE_PER_SEC
            session.write_tokens = min(float(WRITE_BURST), session.write_tokens + refill)
        session.write_updated = now
        if session.write_tokens >= 1.0:
            session.write_tokens -= 1.0
            session.write_rejections = 0
            return True
        session.write_rejections += 1
        if session.write_rejections >= WRITE_BURST:
            session.goodbye()
        elif reply_to is not None:
            self._app.hub.queue(session, error_reply(reply_to, RtmErrorCode.RATE_LIMITED))
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
