"""Injected faults: make the next calls of a method fail with a chosen Slack error.

A server always has a :class:`FaultPlan`; it is empty unless a test arms it through the
admin API (``faults.fail_next``) or the toolkit, so the dispatcher's check is one lookup.
"""

from __future__ import annotations

from dataclasses import dataclass

from slackline.errors import SlackError, SlackErrorCode


@dataclass(slots=True)
class _CallFault:
    error: SlackErrorCode
    remaining: int
    retry_after_secs: int | None


class FaultPlan:
    """Which methods fail next, with what, and how many more times."""

    def __init__(self) -> None:
        self._calls: dict[str, _CallFault] = {}

    def fail_next(
        self,
        method: str,
        error: SlackErrorCode,
        count: int = 1,
        retry_after_secs: int | None = None,
    ) -> None:
        """Make the next ``count`` calls of ``method`` answer ``error``.

        ``ratelimited`` answers carry ``Retry-After`` (``retry_after_secs``, 1 by default).
        """
        if count < 1:
            raise ValueError("count must be at least 1")
        if error is SlackErrorCode.RATELIMITED and retry_after_secs is None:
            retry_after_secs = 1
        self._calls[method] = _CallFault(error, count, retry_after_secs)

    def take(self, method: str) -> SlackError | None:
        """The error this call of ``method`` must answer, if a fault is armed for it."""
        fault = self._calls.get(method)
        if fault is None:
            return None
        fault.remaining -= 1
        if fault.remaining <= 0:
            del self._calls[method]
        return SlackError(fault.error, retry_after_secs=fault.retry_after_secs)

    def clear(self) -> None:
        """Disarm every fault."""
        self._calls.clear()
