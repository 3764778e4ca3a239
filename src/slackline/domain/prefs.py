"""Per-user preferences and do-not-disturb, as clients read them (pure).

Slack does not document ``users.prefs.*``; clients read a handful of fields (wee-slack:
``muted_channels``, ``highlight_words``, ``all_notifications_prefs``; others ``emoji_mode``,
``time24``, the ``dnd_*`` schedule …). :data:`DEFAULT_PREFS` are the values a user has until
they set one; a set value keeps its type (booleans, numbers, strings). ``muted_channels``
and ``highlight_words`` are kept in step with ``all_notifications_prefs`` (its channels'
``muted`` flags and ``global.global_keywords``), since newer clients read only the latter.

Do-not-disturb is the user's schedule (``dnd_enabled``, ``dnd_start_hour``,
``dnd_end_hour`` in their time zone) plus a snooze (``dnd.setSnooze``); ``dnd.endDnd`` ends
the scheduled window in progress (until its end) and the snooze.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import zoneinfo
from dataclasses import dataclass
from typing import Any

MAX_PREF_VALUE_CHARS = 65_536
_PREF_NAME = re.compile(r"[a-z0-9_]{1,64}")
_HOUR = re.compile(r"([01][0-9]|2[0-3]):([0-5][0-9])")
# Slack's answer for the next window of a user without a schedule (dnd.teamInfo's example).
NO_DND_TS = 1
MAX_SNOOZE_MINUTES = 7 * 24 * 60
_SECS_PER_MINUTE = 60

DEFAULT_NOTIFICATIONS: dict[str, Any] = {
    "global_desktop": "mentions_dms",
    "global_mobile": "mentions_dms",
    "global_mpdm_desktop": "everything",
    "global_mpdm_mobile": "everything",
    "global_keywords": "",
    "desktop_sound": "knock_brush.mp3",
    "mobile_sound": "b2.mp3",
    "push_idle_wait": 2,
    "push_show_preview": True,
    "no_text_in_notifications": False,
    "threads_everything": False,
}
DEFAULT_PREFS: dict[str, Any] = {
    "highlight_words": "",
    "muted_channels": "",
    "all_notifications_prefs": json.dumps(
        {"channels": {}, "global": DEFAULT_NOTIFICATIONS}, separators=(",", ":")
    ),
    "emoji_mode": "default",
    "emoji_use": "",
    "preferred_skin_tone": "",
    "jumbomoji": True,
    "convert_emoticons": True,
    "graphic_emoticons": False,
    "time24": False,
    "locale": "en-US",
    "color_names_in_list": True,
    "user_colors": "",
    "display_real_names_override": 0,
    "display_preferred_names": True,
    "messages_theme": "default",
    "sidebar_behavior": "",
    "channel_sort": "default",
    "show_typing": True,
    "mark_msgs_read_immediately": True,
    "expand_inline_imgs": True,
    "search_sort": "timestamp",
    "mute_sounds": False,
    "push_everything": False,
    "no_text_in_notifications": False,
    "threads_everything": False,
    "at_channel_suppressed_channels": "",
    "push_at_channel_suppressed_channels": "",
    "loud_channels": "",
    "never_channels": "",
    "email_alerts": "instant",
    "seen_welcome_2": True,
    "dnd_enabled": False,
    "dnd_start_hour": "22:00",
    "dnd_end_hour": "08:00",
}
DND_PREFS = frozenset({"dnd_enabled", "dnd_start_hour", "dnd_end_hour"})


class PrefValueError(ValueError):
    """A preference value of the wrong kind (``invalid_value``)."""


def valid_pref_name(name: str) -> bool:
    """Lower-case letters, digits and ``_``, at most 64 characters."""
    return _PREF_NAME.fullmatch(name) is not None


def effective_prefs(stored: dict[str, Any]) -> dict[str, Any]:
    """Every default, overridden by what the user set."""
    return {**DEFAULT_PREFS, **stored}


def coerce_pref(name: str, raw: str) -> Any:
    """A value given as text, in the type of the preference's default (text for unknown
    names); ``PrefValueError`` when it cannot be one."""
    if len(raw) > MAX_PREF_VALUE_CHARS:
        raise PrefValueError(f"{name}: longer than {MAX_PREF_VALUE_CHARS} characters")
    default = DEFAULT_PREFS.get(name, "")
    if isinstance(default, bool):
        lowered = raw.strip().lower()
        if lowered in ("1", "true"):
            return True
        if lowered in ("0", "false", ""):
            return False
        raise PrefValueError(f"{name}: expected true or false")
    if isinstance(default, int):
        try:
            return int(raw.strip())
        except ValueError as exc:
            raise PrefValueError(f"{name}: expected a whole number") from exc
    if name in ("dnd_start_hour", "dnd_end_hour") and not _HOUR.fullmatch(raw):
        raise PrefValueError(f"{name}: expected HH:MM")
    if name == "all_notifications_prefs":
        return _notifications_text(raw)
    return raw


def _notifications_text(raw: str) -> str:
    try:
        document = json.loads(raw)
    except ValueError as exc:
        raise PrefValueError("all_notifications_prefs: not JSON") from exc
    if not isinstance(document, dict):
        raise PrefValueError("all_notifications_prefs: not a JSON object")
    for key in ("channels", "global"):
        if not isinstance(document.get(key, {}), dict):
            raise PrefValueError(f"all_notifications_prefs: {key} is not an object")
    return json.dumps(document, separators=(",", ":"))


def changed_prefs(current: dict[str, Any], changes: dict[str, Any]) -> dict[str, Any]:
    """What setting ``changes`` over ``current`` (effective prefs) stores: the changes and
    the preferences kept in step with them, only those whose value differs."""
    result = dict(changes)
    notifications = json.loads(
        str(result.get("all_notifications_prefs", current["all_notifications_prefs"]))
    )
    if "muted_channels" in changes:
        muted = _channel_list(str(changes["muted_channels"]))
        result["muted_channels"] = ",".join(muted)
        notifications = _with_muted(notifications, muted)
        result["all_notifications_prefs"] = _dump(notifications)
    elif "all_notifications_prefs" in changes:
        channels = notifications.get("channels", {})
        muted = [c for c, p in channels.items() if isinstance(p, dict) and p.get("muted")]
        result["muted_channels"] = ",".join(muted)
        keywords = notifications.get("global", {}).get("global_keywords")
        if isinstance(keywords, str) and "highlight_words" not in changes:
            result["highlight_words"] = keywords
    if "highlight_words" in changes:
        notifications.setdefault("global", {})["global_keywords"] = str(changes["highlight_words"])
        result["all_notifications_prefs"] = _dump(notifications)
    return {name: value for name, value in result.items() if current.get(name) != value}


def _channel_list(raw: str) -> list[str]:
    return list(dict.fromkeys(part.strip() for part in raw.split(",") if part.strip()))


def _with_muted(notifications: dict[str, Any], muted: list[str]) -> dict[str, Any]:
    channels = dict(notifications.get("channels", {}))
    for channel_id, prefs in list(channels.items()):
        if isinstance(prefs, dict) and prefs.get("muted") and channel_id not in muted:
            channels[channel_id] = {**prefs, "muted": False}
    for channel_id in muted:
        prefs = channels.get(channel_id)
        base = prefs if isinstance(prefs, dict) else _channel_notifications()
        channels[channel_id] = {**base, "muted": True}
    return {**notifications, "channels": channels}


def _channel_notifications() -> dict[str, Any]:
    return {"desktop": "default", "mobile": "default", "muted": False, "suppress_at_channel": False}


def _dump(document: object) -> str:
    return json.dumps(document, separators=(",", ":"))


# Do not disturb


@dataclass(frozen=True, slots=True)
class DndState:
    """A user's snooze end (epoch seconds, 0: none) and the end of a scheduled window
    ``dnd.endDnd`` ended early (0: none)."""

    user_id: str
    team_id: str
    snooze_endtime: int = 0
    dnd_ended_until: int = 0


@dataclass(frozen=True, slots=True)
class DndSchedule:
    """The scheduled window in progress or next: its start and end (epoch seconds)."""

    enabled: bool
    start_ts: int = NO_DND_TS
    end_ts: int = NO_DND_TS


def _zone(tz: str) -> dt.tzinfo:
    try:
        return zoneinfo.ZoneInfo(tz)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return dt.UTC


def _hour(text: str) -> dt.time:
    match = _HOUR.fullmatch(text)
    if match is None:
        return dt.time(0, 0)
    return dt.time(int(match.group(1)), int(match.group(2)))


def schedule(prefs: dict[str, Any], tz: str, now: float, state: DndState | None) -> DndSchedule:
    """The user's scheduled window in progress or next (a window ``dnd.endDnd`` ended is
    skipped); not enabled when ``dnd_enabled`` is off or the hours are equal."""
    start, end = _hour(str(prefs["dnd_start_hour"])), _hour(str(prefs["dnd_end_hour"]))
    if not prefs["dnd_enabled"] or start == end:
        return DndSchedule(enabled=False)
    zone = _zone(tz)
    ended_until = state.dnd_ended_until if state is not None else 0
    local_day = dt.datetime.fromtimestamp(now, zone).date()
    for offset in range(-1, 3):
        day = local_day + dt.timedelta(days=offset)
        begins = dt.datetime.combine(day, start, zone)
        end_day = day + dt.timedelta(days=1) if end <= start else day
        ends = dt.datetime.combine(end_day, end, zone)
        start_ts, end_ts = int(begins.timestamp()), int(ends.timestamp())
        if end_ts > now and end_ts > ended_until:
            return DndSchedule(True, start_ts, end_ts)
    return DndSchedule(enabled=False)  # unreachable: a window comes within two days


def snoozing(state: DndState | None, now: float) -> bool:
    """Whether a snooze is active."""
    return state is not None and state.snooze_endtime > now


def in_dnd(window: DndSchedule, state: DndState | None, now: float) -> bool:
    """Whether the user is in do-not-disturb now: snoozed, or inside their window."""
    return snoozing(state, now) or (window.enabled and window.start_ts <= now < window.end_ts)


def dnd_status(
    window: DndSchedule, state: DndState | None, now: float, *, own: bool
) -> dict[str, Any]:
    """``dnd.info``'s fields: the schedule, and (for the user themself) the snooze."""
    status: dict[str, Any] = {
        "dnd_enabled": window.enabled,
        "next_dnd_start_ts": window.start_ts,
        "next_dnd_end_ts": window.end_ts,
    }
    if own:
        status.update(snooze_status(state, now))
    return status


def snooze_status(state: DndState | None, now: float) -> dict[str, Any]:
    """``snooze_enabled``, and ``snooze_endtime`` and ``snooze_remaining`` while it lasts."""
    if state is None or not snoozing(state, now):
        return {"snooze_enabled": False}
    return {
        "snooze_enabled": True,
        "snooze_endtime": state.snooze_endtime,
        "snooze_remaining": max(0, state.snooze_endtime - int(now)),
        "snooze_is_indefinite": False,
    }


def snooze_minutes(raw: str) -> int | None:
    """``num_minutes`` as a whole number of minutes, or None when it is not a positive one."""
    try:
        minutes = int(raw.strip())
    except ValueError:
        return None
    return minutes if minutes > 0 else None


def snooze_end(now: float, minutes: int) -> int:
    """When a snooze of ``minutes`` from now ends (epoch seconds)."""
    return int(now) + minutes * _SECS_PER_MINUTE


# The team's profile fields (team.profile.get), kept with the preferences.

PROFILE_FIELD_TYPES = ("text", "date", "link", "options_list", "user")


@dataclass(frozen=True, slots=True)
class ProfileField:
    """A custom profile field a team declares (``team.profile.get``'s ``fields``)."""

    team_id: str
    id: str
    label: str = ""
    hint: str = ""
    type: str = "text"
    ordering: int = 0
    possible_values: tuple[str, ...] | None = None
    options: dict[str, Any] | None = None
    is_hidden: bool = False


def profile_field_object(field: ProfileField) -> dict[str, Any]:
    """A profile field as ``team.profile.get`` shows it."""
    obj: dict[str, Any] = {
        "id": field.id,
        "ordering": field.ordering,
        "label": field.label,
        "hint": field.hint,
        "type": field.type,
        "possible_values": list(field.possible_values) if field.possible_values else None,
        "options": field.options,
        "is_hidden": field.is_hidden,
    }
    return obj
