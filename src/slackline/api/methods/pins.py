"""``pins.add``, ``pins.remove``, ``pins.list``."""

from __future__ import annotations

from slackline.api.registry import MethodSpec

METHODS: list[MethodSpec] = []
