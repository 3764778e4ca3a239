"""``emoji.list``: the standard set is the clients' own; custom emoji are the team's."""

from __future__ import annotations

from slackline.api.registry import MethodSpec

METHODS: list[MethodSpec] = []
