"""Starring items (``star_added``, ``star_removed``)."""

from __future__ import annotations

from slackline.services.deps import ServiceDeps


class StarService:
    """See the module docstring."""

    def __init__(self, deps: ServiceDeps) -> None:
        self._deps = deps
