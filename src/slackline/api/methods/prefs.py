"""``users.prefs.get``, ``users.prefs.set`` (undocumented by Slack) and ``dnd.*``."""

from __future__ import annotations

from slackline.api.registry import MethodSpec

METHODS: list[MethodSpec] = []
