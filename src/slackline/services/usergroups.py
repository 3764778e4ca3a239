"""User groups and their members (``subteam_*`` events)."""

from __future__ import annotations

from slackline.services.deps import ServiceDeps


class UsergroupService:
    """See the module docstring."""

    def __init__(self, deps: ServiceDeps) -> None:
        self._deps = deps
