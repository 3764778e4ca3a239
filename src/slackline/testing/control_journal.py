"""The control API's journal: a bounded :class:`~slackline.testing.journal.MemoryJournal`
that also keeps the broker's events, numbers the calls and wakes waiting requests on the
loop, so a long-poll holds no thread. Kept by a server started with ``--admin-token``.
"""

from __future__ import annotations

import asyncio
import itertools
import time
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from slackline.broker import BrokerMessage, DeliveryGap, Event
from slackline.http.response import encode_json
from slackline.testing.journal import (
    DEFAULT_MAX_BYTES,
    DEFAULT_MAX_CALLS,
    DEFAULT_MAX_FRAMES,
    BoundedLog,
    CallRecord,
    Delivery,
    Direction,
    FrameSource,
    MemoryJournal,
)
from slackline.websocket.protocol import text_payload

DEFAULT_MAX_EVENTS = 10_000
# Sessions whose counts are kept (the open ones are a few; closed ones are forgotten when
# sessions are listed, or the oldest past this bound).
MAX_SESSION_STATS = 10_000


@dataclass(slots=True)
class SessionStats:
    """What the journal saw of one RTM session: its first frame's wall-clock time (its
    ``hello``) and its text frames in and out, counted even after the records are dropped."""

    since: float
    frames_in: int = 0
    frames_out: int = 0


@dataclass(frozen=True, slots=True)
class EventRecord:
    """One event the broker delivered: its team and payload (``presence_of`` for presence)."""

    seq: int
    team_id: str
    payload: dict[str, Any]
    presence_of: str | None


class ControlJournal(MemoryJournal):
    """A MemoryJournal that also keeps events, numbers calls and wakes asyncio waiters."""

    def __init__(
        self,
        max_calls: int = DEFAULT_MAX_CALLS,
        max_frames: int = DEFAULT_MAX_FRAMES,
        max_events: int = DEFAULT_MAX_EVENTS,
        max_bytes: int = DEFAULT_MAX_BYTES,
    ) -> None:
        super().__init__(max_calls, max_frames, max_bytes)
        self._events: BoundedLog[EventRecord] = BoundedLog(max_events, max_bytes)
        self._event_seq = itertools.count(1)
        self._calls_total = 0
        self._waiters: list[asyncio.Future[None]] = []
        self._sessions: dict[int, SessionStats] = {}

    def record_call(self, record: CallRecord | None) -> None:
        """Keep the call (numbered) and wake the waiting requests."""
        super().record_call(record)
        if record is not None:
            self._calls_total += 1
            self._wake()

    def record_frame(self, direction: Direction, source: FrameSource, payload: bytes) -> None:
        """Keep the frame (as MemoryJournal does), count it for its session and wake the
        waiting requests."""
        super().record_frame(direction, source, payload)
        if direction == "out" and text_payload(payload) is None:
            return  # a control frame, which the journal does not keep either
        stats = self._sessions.get(source.session_id)
        if stats is None:
            if len(self._sessions) >= MAX_SESSION_STATS:
                del self._sessions[next(iter(self._sessions))]
            stats = self._sessions[source.session_id] = SessionStats(time.time())
        if direction == "in":
            stats.frames_in += 1
        else:
            stats.frames_out += 1
        self._wake()

    def record_delivery(self, delivery: Delivery) -> None:
        """Keep the delivery (as MemoryJournal does) and wake the waiting requests."""
        super().record_delivery(delivery)
        self._wake()

    def session_stats(self, open_sessions: Iterable[int]) -> dict[int, SessionStats]:
        """The counts of the given (open) sessions; every other session is forgotten."""
        wanted = set(open_sessions)
        for session_id in [s for s in self._sessions if s not in wanted]:
            del self._sessions[session_id]
        return dict(self._sessions)

    def record_event(self, message: BrokerMessage | DeliveryGap) -> None:
        """The broker subscriber: keep every event (session controls are not events)."""
        if isinstance(message, Event):
            record = EventRecord(
                next(self._event_seq), message.team_id, dict(message.payload), message.presence_of
            )
            self._events.append(record, len(encode_json(record.payload)))
            self._wake()

    def numbered_calls(self) -> list[tuple[int, CallRecord]]:
        """Every kept call with its number (1 for the first call ever recorded)."""
        calls = self.calls()
        first = self._calls_total - len(calls) + 1
        return list(enumerate(calls, start=first))

    def events(self) -> list[EventRecord]:
        """Every kept event, oldest first."""
        return list(self._events)

    def clear(self) -> None:
        """Forget calls, frames and events."""
        super().clear()
        self._events.clear()

    async def changed(self, timeout: float) -> None:
        """Return when anything is recorded, or after ``timeout`` seconds."""
        waiter = asyncio.get_running_loop().create_future()
        self._waiters.append(waiter)
        try:
            await asyncio.wait_for(waiter, timeout)
        except TimeoutError:
            pass
        finally:
            if waiter in self._waiters:
                self._waiters.remove(waiter)

    def _wake(self) -> None:
        if not self._waiters:
            return
        waiters, self._waiters = self._waiters, []
        for waiter in waiters:
            if not waiter.done():
                waiter.set_result(None)
