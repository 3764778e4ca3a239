"""Topics and purposes, read marks, and opening and closing DMs and group DMs."""

from __future__ import annotations

from slackline.services.deps import ServiceDeps


class ConversationService:
    """See the module docstring."""

    def __init__(self, deps: ServiceDeps) -> None:
        self._deps = deps
