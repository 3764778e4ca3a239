"""Per-user preferences and do-not-disturb (``dnd_updated``, ``dnd_updated_user``)."""

from __future__ import annotations

from slackline.services.deps import ServiceDeps


class PrefsService:
    """See the module docstring."""

    def __init__(self, deps: ServiceDeps) -> None:
        self._deps = deps
