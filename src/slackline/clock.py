"""Time and identifiers, injected so that tests and deterministic mode can replace them."""

from __future__ import annotations

import base64
import os
import random
import secrets
import time
from typing import Protocol

_ID_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"


class Clock(Protocol):
    """Wall-clock and monotonic time in seconds."""

    def now(self) -> float:
        """Seconds since the Unix epoch."""
        ...

    def monotonic(self) -> float:
        """Seconds on a clock that never goes backwards."""
        ...


class SystemClock:
    """The real clock."""

    def now(self) -> float:
        """Seconds since the Unix epoch."""
        return time.time()

    def monotonic(self) -> float:
        """Seconds on the process's monotonic clock."""
        return time.monotonic()


class ManualClock:
    """A clock that moves only when told: deterministic mode and tests."""

    def __init__(self, start: float = 1_700_000_000.0) -> None:
        self._start = start
        self._now = start
        self._monotonic = 0.0

    def now(self) -> float:
        """The current (manual) epoch time."""
        return self._now

    def monotonic(self) -> float:
        """The current (manual) monotonic time."""
        return self._monotonic

    def advance(self, secs: float) -> None:
        """Move both clocks forward."""
        if secs < 0:
            raise ValueError("a clock never goes backwards")
        self._now += secs
        self._monotonic += secs

    def restart(self) -> None:
        """Back to the start time (deterministic mode, between tests: nothing that measured
        the old time survives a reset)."""
        self._now = self._start
        self._monotonic = 0.0


class IdFactory(Protocol):
    """Makes Slack-style object ids, request ids and socket tickets."""

    def object_id(self, prefix: str) -> str:
        """A new id such as ``U0A1B2C3D4`` for the given one-letter prefix."""
        ...

    def request_id(self) -> str:
        """A new request id for ``x-slack-req-id`` and the log line."""
        ...

    def ticket(self) -> str:
        """A new unguessable socket ticket."""
        ...


# Seeded from the operating system's random source, and again in a forked child, so that
# worker processes never repeat each other's ids.
_REQUEST_IDS = random.Random()
os.register_at_fork(after_in_child=_REQUEST_IDS.seed)


class RandomIdFactory:
    """Ids from the operating system's random source."""

    def object_id(self, prefix: str) -> str:
        """A new id: the prefix and ten upper-case letters or digits."""
        return prefix + "".join(secrets.choice(_ID_ALPHABET) for _ in range(10))

    # Every Web API request takes a request id, every rtm.connect a ticket.
    def request_id(self) -> str:
        """Sixteen hex digits: they name a request in logs and answers and guard nothing,
        so they come from a generator seeded by the system, not a system call each."""
        return f"{_REQUEST_IDS.getrandbits(64):016x}"

    def ticket(self) -> str:
        """32 url-safe characters (192 bits), from the operating system's random source
        (what ``secrets.token_urlsafe`` does, without its two Python calls)."""
        return base64.urlsafe_b64encode(os.urandom(24)).decode()


class SeededIdFactory:
    """Ids, request ids and tickets from a seeded sequence: stable snapshots in tests.

    Never use it to serve real clients: its tickets are predictable by design.
    """

    def __init__(self, seed: int = 0) -> None:
        self._seed = seed
        self._random = random.Random(seed)  # not secrets: determinism is the point

    def restart(self) -> None:
        """Start the sequence again from the seed (deterministic mode, between tests)."""
        self._random.seed(self._seed)

    def object_id(self, prefix: str) -> str:
        """The next id for the prefix, e.g. ``C`` + ten letters or digits."""
        return prefix + "".join(self._random.choice(_ID_ALPHABET) for _ in range(10))

    def request_id(self) -> str:
        """The next request id (sixteen hex digits)."""
        return f"{self._random.getrandbits(64):016x}"

    def ticket(self) -> str:
        """The next ticket (32 url-safe characters)."""
        return base64.urlsafe_b64encode(self._random.randbytes(24)).decode()
