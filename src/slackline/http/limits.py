"""How many connections the server holds at once, with room kept for healthy clients.

Every open HTTP connection, and every RTM session it became, counts against one bound
(``--max-connections``; by default the process's file-descriptor limit, raised to its hard
limit at start, less :data:`FD_RESERVE` for storage, Redis, logs and listeners). A
connection is *unproven* until its first request has arrived whole. When the bound is
reached, a new connection evicts the oldest unproven one (a client that opened a socket
and sent a byte or nothing is the likeliest attacker, slowloris), so clients that finish
their requests keep being served; only when every connection is proven or a session is a
new one refused.
"""

from __future__ import annotations

import logging
import resource
from collections.abc import Callable, Iterator
from typing import Protocol

logger = logging.getLogger("slackline.server")

FD_RESERVE = 64
MIN_CONNECTIONS = 16


class Evictable(Protocol):
    """A connection the budget can close to make room."""

    def evict(self) -> None:
        """Close at once (the peer gets no answer)."""
        ...

    def shutdown(self) -> None:
        """Close once the requests already read are answered (the server stops)."""
        ...


def raise_fd_limit() -> int:
    """Raise this process's open-file limit to the hard limit; returns the limit now in force."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if hard != resource.RLIM_INFINITY and soft < hard:
        try:
            resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
            soft = hard
        except (ValueError, OSError) as exc:
            logger.warning("cannot raise the open-file limit from %d: %s", soft, exc)
    return soft


def default_max_connections(fd_limit: int) -> int:
    """The bound a file-descriptor limit allows."""
    return max(MIN_CONNECTIONS, fd_limit - FD_RESERVE)


class ConnectionBudget:
    """Open connections, oldest first, and which of them have not completed a request yet."""

    def __init__(self, max_connections: int, sessions: Callable[[], int] = lambda: 0) -> None:
        self.max_connections = max_connections
        self._sessions = sessions
        self._open: dict[Evictable, None] = {}
        self._unproven: dict[Evictable, None] = {}
        self.evictions = 0
        self.refusals = 0

    def __len__(self) -> int:
        return len(self._open)

    def __iter__(self) -> Iterator[Evictable]:
        return iter(list(self._open))

    def admit(self, connection: Evictable) -> bool:
        """Count a new connection; False when there is no room (the caller closes it)."""
        if len(self._open) + self._sessions() >= self.max_connections:
            if not self._unproven:
                self.refusals += 1
                return False
            oldest = next(iter(self._unproven))
            self.discard(oldest)
            self.evictions += 1
            oldest.evict()
        self._open[connection] = None
        self._unproven[connection] = None
        return True

    def proven(self, connection: Evictable) -> None:
        """The connection completed a request: it is no longer evicted to make room."""
        self._unproven.pop(connection, None)

    def discard(self, connection: Evictable) -> None:
        """The connection closed, or became a session (counted by ``sessions`` then)."""
        self._open.pop(connection, None)
        self._unproven.pop(connection, None)
