"""``search.messages``: what the caller may see, matched by the store's full-text index."""

from __future__ import annotations

from slackline.services.deps import ServiceDeps


class SearchService:
    """See the module docstring."""

    def __init__(self, deps: ServiceDeps) -> None:
        self._deps = deps
