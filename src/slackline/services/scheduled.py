"""Messages scheduled for later (``chat.scheduleMessage``): stored, then posted by the
clock (the injected one, so deterministic mode advances to them)."""

from __future__ import annotations

from slackline.services.deps import ServiceDeps


class ScheduledMessages:
    """See the module docstring."""

    def __init__(self, deps: ServiceDeps) -> None:
        self._deps = deps

    async def start(self) -> None:
        """Begin posting due messages (called once at start)."""

    async def close(self) -> None:
        """Stop."""

    def clock_moved(self) -> None:
        """A manual clock was advanced: post what is now due."""
