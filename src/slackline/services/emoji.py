"""A team's custom emoji (``emoji_changed``)."""

from __future__ import annotations

from slackline.services.deps import ServiceDeps


class EmojiService:
    """See the module docstring."""

    def __init__(self, deps: ServiceDeps) -> None:
        self._deps = deps
