"""``chat.scheduleMessage``, ``chat.deleteScheduledMessage``, ``chat.scheduledMessages.list``."""

from __future__ import annotations

from slackline.api.registry import MethodSpec

METHODS: list[MethodSpec] = []
