"""A journal of Web API calls, for tests that wait on what a bot did instead of sleeping.

Injected through :class:`slackline.app.Components`: a server keeps :class:`NullJournal` (it
records nothing and costs one call per request) unless a test toolkit gives it a
:class:`MemoryJournal`.
"""

from __future__ import annotations

import threading
from collections import deque
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Protocol

DEFAULT_MAX_CALLS = 10_000


@dataclass(frozen=True, slots=True)
class CallRecord:
    """One answered Web API call: who called what with which arguments, and the answer.

    ``args`` never holds the token; ``user_id`` is None when the call did not authenticate.
    """

    method: str
    user_id: str | None
    args: Mapping[str, str]
    response: Mapping[str, Any]


class Journal(Protocol):
    """Where the dispatcher reports every answered call."""

    def record_call(self, record: CallRecord) -> None:
        """Note one call."""
        ...


class NullJournal:
    """Records nothing: the default outside tests."""

    def record_call(self, record: CallRecord) -> None:
        """Forget the call."""


class MemoryJournal:
    """The last ``max_calls`` calls in memory, waitable from any thread."""

    def __init__(self, max_calls: int = DEFAULT_MAX_CALLS) -> None:
        self._calls: deque[CallRecord] = deque(maxlen=max_calls)
        self._changed = threading.Condition()

    def record_call(self, record: CallRecord) -> None:
        """Keep the call and wake every waiter."""
        with self._changed:
            self._calls.append(record)
            self._changed.notify_all()

    def calls(self) -> list[CallRecord]:
        """Every kept call, oldest first."""
        with self._changed:
            return list(self._calls)

    def clear(self) -> None:
        """Forget every call (a new test starts)."""
        with self._changed:
            self._calls.clear()

    def wait_for(self, match: Callable[[CallRecord], bool], timeout: float) -> CallRecord:
        """The first kept call, past or future, that matches; TimeoutError after ``timeout``."""
        with self._changed:
            found = self._changed.wait_for(
                lambda: next((c for c in self._calls if match(c)), None), timeout
            )
        if found is None:
            raise TimeoutError("no matching call arrived in time")
        return found
