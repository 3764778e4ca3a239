"""``files.*``: upload (multipart, ``content``, the external two-step), info, list, delete."""

from __future__ import annotations

from slackline.api.registry import MethodSpec

METHODS: list[MethodSpec] = []
