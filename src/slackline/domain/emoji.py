"""A team's custom emoji: names, image URLs and aliases, checked here (pure), and the shapes
``emoji.list`` and ``emoji_changed`` show.

A custom emoji's value is an image URL (``http://`` or ``https://``) or ``alias:<name>``, the
name of another emoji (custom or standard), as ``emoji.list`` reports it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

ALIAS_PREFIX = "alias:"
MAX_NAME_CHARS = 100
MAX_URL_CHARS = 2048
# Slack's emoji names: lower-case letters, digits and ``_ - + '``.
_NAME_PATTERN = re.compile(r"[a-z0-9_+'\-]+")
_URL_PATTERN = re.compile(r"https?://\S+")
# What ``include_categories`` adds: Slack's Unicode categories, each with a few of its emoji
# (Slackline ships no emoji table; clients carry their own).
CATEGORIES_VERSION = "5"
CATEGORIES: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("smileys_people", ("grinning", "smile", "joy", "wink", "thinking_face", "wave")),
    ("nature", ("dog", "cat", "evergreen_tree", "sunflower", "sunny")),
    ("food_and_drink", ("apple", "pizza", "coffee", "cake", "beer")),
    ("activity", ("soccer", "basketball", "trophy", "art", "video_game")),
    ("travel_and_places", ("car", "airplane", "rocket", "house", "world_map")),
    ("objects", ("computer", "phone", "bulb", "books", "lock")),
    ("symbols", ("heart", "white_check_mark", "x", "warning", "100")),
    ("flags", ("checkered_flag", "triangular_flag_on_post", "rainbow-flag")),
)


class EmojiError(ValueError):
    """A custom emoji's name or value that cannot be one; the message says why."""


@dataclass(frozen=True, slots=True)
class CustomEmoji:
    """One custom emoji of a team; ``user_id`` is who added it (empty for workspace files)."""

    team_id: str
    name: str
    value: str
    user_id: str = ""
    created: int = 0


def emoji_name(raw: str) -> str:
    """A custom emoji's name without surrounding colons, or :class:`EmojiError`."""
    name = raw.strip()
    if len(name) > 2 and name.startswith(":") and name.endswith(":"):
        name = name[1:-1]
    if not name or len(name) > MAX_NAME_CHARS or not _NAME_PATTERN.fullmatch(name):
        raise EmojiError(f"not an emoji name: {raw!r} (lower-case letters, digits, _ - + ')")
    return name


def emoji_value(raw: str) -> str:
    """An image URL or ``alias:<name>``, or :class:`EmojiError`."""
    value = raw.strip()
    if value.startswith(ALIAS_PREFIX):
        return ALIAS_PREFIX + emoji_name(value[len(ALIAS_PREFIX) :])
    if len(value) > MAX_URL_CHARS or not _URL_PATTERN.fullmatch(value):
        raise EmojiError(f"not an image URL (http:// or https://) or alias:<name>: {raw!r}")
    return value


def categories() -> list[dict[str, Any]]:
    """``emoji.list``'s ``categories``: each category's name and its emoji names."""
    return [{"name": name, "emoji_names": list(names)} for name, names in CATEGORIES]


def emoji_added(emoji: CustomEmoji, event_ts: str) -> dict[str, Any]:
    """``emoji_changed`` with ``subtype: add`` (also sent when an emoji's value changes)."""
    return {
        "type": "emoji_changed",
        "subtype": "add",
        "name": emoji.name,
        "value": emoji.value,
        "event_ts": event_ts,
    }


def emoji_removed(names: list[str], event_ts: str) -> dict[str, Any]:
    """``emoji_changed`` with ``subtype: remove`` and the removed ``names``."""
    return {"type": "emoji_changed", "subtype": "remove", "names": names, "event_ts": event_ts}
