"""Web API methods of this family (filled in by the companion-methods work)."""

from __future__ import annotations

from slackline.api.registry import MethodSpec

METHODS: list[MethodSpec] = []
