"""``search.messages``."""

from __future__ import annotations

from slackline.api.registry import MethodSpec

METHODS: list[MethodSpec] = []
