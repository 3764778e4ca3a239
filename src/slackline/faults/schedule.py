"""Fault actions at offsets on the injected clock: what runs a YAML scenario.

Steps are due at ``clock.monotonic() + offset``. A loop timer wakes the schedule when the next
step is due in real time, but the injected clock decides whether it is: when a clock did not
move at all while the timer ran (a manual clock), the step waits for :meth:`clock_moved`,
which whoever advances the clock calls. So a deterministic test moves a scenario forward by
advancing the clock, and a real server just runs it.
"""

from __future__ import annotations

import asyncio
import heapq
import itertools
import logging
from collections import deque
from collections.abc import Awaitable, Callable

from slackline.clock import Clock

logger = logging.getLogger("slackline.faults")

Action = Callable[[], Awaitable[object]]


class FaultSchedule:
    """Timed fault actions, run one at a time in due order (same offset: added order)."""

    def __init__(self, clock: Clock) -> None:
        self._clock = clock
        self._steps: list[tuple[float, int, str, Action]] = []
        self._order = itertools.count()
        self._ready: deque[tuple[str, Action]] = deque()
        self._timer: asyncio.TimerHandle | None = None
        self._worker: asyncio.Task[None] | None = None

    def __len__(self) -> int:
        """Steps not yet started."""
        return len(self._steps) + len(self._ready)

    def at(self, offset_secs: float, name: str, action: Action) -> None:
        """Run ``action`` (named ``name`` in logs) ``offset_secs`` from now on the clock."""
        due = self._clock.monotonic() + max(0.0, offset_secs)
        heapq.heappush(self._steps, (due, next(self._order), name, action))
        self._run_due()

    def clock_moved(self) -> None:
        """The injected clock was advanced: start every step now due."""
        self._run_due()

    async def idle(self) -> None:
        """Return once every step due now has been applied (so a control answer that
        started or advanced a scenario reports its effects as done)."""
        while (worker := self._worker) is not None and worker is not asyncio.current_task():
            await asyncio.wait({worker})  # never raises, even if the worker is cancelled

    def clear(self) -> None:
        """Forget every step not yet started and stop the one running."""
        self._steps.clear()
        self._ready.clear()
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        if self._worker is not None:
            self._worker.cancel()
            self._worker = None

    def _run_due(self) -> None:
        now = self._clock.monotonic()
        while self._steps and self._steps[0][0] <= now:
            _, _, name, action = heapq.heappop(self._steps)
            self._ready.append((name, action))
        if self._ready and self._worker is None:
            self._worker = asyncio.get_running_loop().create_task(self._work())
        self._arm_timer(now)

    def _arm_timer(self, now: float) -> None:
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        if self._steps:
            delay = self._steps[0][0] - now
            self._timer = asyncio.get_running_loop().call_later(delay, self._woke, now)

    def _woke(self, armed_at: float) -> None:
        self._timer = None
        if self._clock.monotonic() == armed_at:
            return  # a clock moved by hand: clock_moved() runs the step
        self._run_due()

    async def _work(self) -> None:
        try:
            while self._ready:
                name, action = self._ready.popleft()
                try:
                    await action()
                except Exception:
                    logger.exception("scheduled fault %s failed", name)
                else:
                    logger.info("scheduled fault %s applied", name)
        finally:
            self._worker = None
