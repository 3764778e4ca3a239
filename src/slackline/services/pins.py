"""Pinning messages (``pin_added``, ``pin_removed``)."""

from __future__ import annotations

from slackline.services.deps import ServiceDeps


class PinService:
    """See the module docstring."""

    def __init__(self, deps: ServiceDeps) -> None:
        self._deps = deps
