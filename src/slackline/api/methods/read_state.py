"""``conversations.mark`` and the read state other methods report."""

from __future__ import annotations

from slackline.api.registry import MethodSpec

METHODS: list[MethodSpec] = []
