"""The control API's journal: a bounded :class:`~slackline.testing.journal.MemoryJournal`
that also keeps the broker's events, numbers the calls and wakes waiting requests on the
loop, so a long-poll holds no thread. Kept by a server started with ``--admin-token``.
"""

from __future__ import annotations

import asyncio
import itertools
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
    MemoryJournal,
)

DEFAULT_MAX_EVENTS = 10_000


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

    def record_call(self, record: CallRecord | None) -> None:
        """Keep the call (numbered) and wake the waiting requests."""
        super().record_call(record)
        if record is not None:
            self._calls_total += 1
            self._wake()

    def record_frame(self, *args: Any, **kwargs: Any) -> None:
        """Keep the frame (as MemoryJournal does) and wake the waiting requests."""
        super().record_frame(*args, **kwargs)
        self._wake()

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
