"""Giving a connect storm's freed heap back to the system once the storm is over.

While thousands of clients connect at once, each one's HTTP request, parser and answer live
side by side with the sessions already open; when the storm is over they are freed, but
glibc's ``malloc`` keeps the freed pages (inside its heap, where only ``malloc_trim``
returns them). Bench W3 measured 8-47 MB kept that way after 10,000 sessions, as much as
the sessions themselves. :class:`HeapTrim` calls ``malloc_trim(0)`` once sessions have
stopped opening and closing for :data:`QUIET_SECS`, after at least :data:`MIN_CHURN` of
them did: one call after a storm, none while sessions come and go one at a time. Where
the C library has no ``malloc_trim`` (not glibc), nothing is done.
"""

from __future__ import annotations

import asyncio
import ctypes
import ctypes.util
import logging
import time
from collections.abc import Callable

logger = logging.getLogger("slackline.rtm")

QUIET_SECS = 1.0
MIN_CHURN = 256


def _find_malloc_trim() -> Callable[[int], int] | None:
    name = ctypes.util.find_library("c")
    if name is None:
        return None
    try:
        function = ctypes.CDLL(name).malloc_trim
    except (OSError, AttributeError):
        return None
    function.argtypes = [ctypes.c_size_t]
    function.restype = ctypes.c_int
    trim: Callable[[int], int] = function
    return trim


_MALLOC_TRIM = _find_malloc_trim()


def trim_heap() -> bool:
    """Return the C heap's free pages to the system now; False where that is not possible."""
    if _MALLOC_TRIM is None:
        return False
    started = time.perf_counter()
    _MALLOC_TRIM(0)
    logger.debug("heap trimmed in %.1f ms", (time.perf_counter() - started) * 1000)
    return True


class HeapTrim:
    """Trims the heap once a burst of sessions opening or closing has been quiet a while."""

    def __init__(self, quiet_secs: float = QUIET_SECS, min_churn: int = MIN_CHURN) -> None:
        self._quiet_secs = quiet_secs
        self._min_churn = min_churn
        self._churn = 0  # sessions opened or closed since the last trim
        self._churn_at_timer = 0
        self._timer: asyncio.TimerHandle | None = None
        self.trims = 0

    def churned(self) -> None:
        """A session opened or closed (one addition and, once a second, a timer)."""
        self._churn += 1
        if self._timer is None and self._churn >= self._min_churn:
            self._arm()

    def close(self) -> None:
        """Stop waiting (the server stops)."""
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None

    def _arm(self) -> None:
        self._churn_at_timer = self._churn
        loop = asyncio.get_running_loop()
        self._timer = loop.call_later(self._quiet_secs, self._quiet_or_not)

    def _quiet_or_not(self) -> None:
        self._timer = None
        if self._churn != self._churn_at_timer:
            self._arm()  # still churning: look again later
            return
        self._churn = 0
        if trim_heap():
            self.trims += 1
