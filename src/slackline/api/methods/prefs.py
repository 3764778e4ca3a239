"""``users.prefs.get``, ``users.prefs.set`` (undocumented by Slack) and ``dnd.*``.

``users.prefs.get`` answers every preference of the caller (``prefs``): the defaults of
:data:`slackline.domain.prefs.DEFAULT_PREFS` overridden by what they set, among them the
fields wee-slack reads at connection (``muted_channels``, ``highlight_words``).
``users.prefs.set`` takes ``name`` and ``value`` (as wee-slack sends them) or ``prefs``, a
JSON object of names to values, and answers the preferences after the change. A name must be
lower-case letters, digits and ``_`` (``invalid_name``); a value must suit the preference's
type (``invalid_value``).

``dnd.info`` answers the caller's (or ``user``'s) schedule, and the snooze only for the caller
themself; ``dnd.teamInfo`` the schedules of ``users`` (the whole team without it; users of
other teams are left out). Events: :mod:`slackline.services.prefs`,
:mod:`slackline.services.dnd`.
"""

from __future__ import annotations

import json
from typing import Any

from slackline.api.call import Call
from slackline.api.registry import MethodSpec
from slackline.domain.prefs import (
    MAX_SNOOZE_MINUTES,
    PrefValueError,
    coerce_pref,
    dnd_status,
    snooze_minutes,
    valid_pref_name,
)
from slackline.domain.ratelimit import Tier
from slackline.errors import SlackError, SlackErrorCode
from slackline.storage.base import ALL_ROWS


async def users_prefs_get(call: Call) -> dict[str, Any]:
    """Every preference of the caller."""
    return {"prefs": await call.services.prefs.effective(call.identity.user.id)}


def _requested_changes(call: Call) -> dict[str, str]:
    """The preferences to set, as text: ``prefs`` (a JSON object) or ``name`` and ``value``."""
    raw = call.args.raw
    if "prefs" in raw:
        try:
            document = json.loads(raw["prefs"])
        except ValueError as exc:
            raise SlackError(SlackErrorCode.INVALID_ARGUMENTS) from exc
        if not isinstance(document, dict) or not document:
            raise SlackError(SlackErrorCode.INVALID_ARGUMENTS)
        return {
            str(name): value if isinstance(value, str) else json.dumps(value)
            for name, value in document.items()
        }
    if "name" not in raw:
        raise SlackError(SlackErrorCode.INVALID_NAME)
    return {raw["name"]: raw.get("value", "")}


async def users_prefs_set(call: Call) -> dict[str, Any]:
    """Set preferences; every preference after the change (``pref_change`` per change)."""
    changes: dict[str, Any] = {}
    for name, text in _requested_changes(call).items():
        if not valid_pref_name(name):
            raise SlackError(SlackErrorCode.INVALID_NAME)
        try:
            changes[name] = coerce_pref(name, text)
        except PrefValueError as exc:
            raise SlackError(SlackErrorCode.INVALID_PREF_VALUE) from exc
    await call.services.prefs.set_prefs(call.identity.user, changes)
    return {"prefs": await call.services.prefs.effective(call.identity.user.id)}


async def dnd_info(call: Call) -> dict[str, Any]:
    """A user's do-not-disturb status (the caller's without ``user``)."""
    me = call.identity.user
    user_id = call.args.text("user").strip()
    user = me if not user_id or user_id == me.id else None
    if user is None:
        user = await call.services.access.team_user(call.identity.team.id, user_id)
    window, state = await call.services.dnd.dnd(user)
    now = call.services.clock.now()
    return dnd_status(window, state, now, own=user.id == me.id)


async def dnd_team_info(call: Call) -> dict[str, Any]:
    """The schedules of ``users`` (comma-separated ids; the team's active members without
    it)."""
    team_id = call.identity.team.id
    wanted = [part.strip() for part in call.args.text("users").split(",") if part.strip()]
    reads = call.services.reads
    if wanted:
        users = []
        for user_id in dict.fromkeys(wanted):
            try:
                users.append(await call.services.access.team_user(team_id, user_id))
            except SlackError:
                continue  # another team's or an unknown id: left out, never revealed
    else:
        listed = await reads.list_users(team_id, "", ALL_ROWS)
        users = [user for user in listed if not user.deleted]
    now = call.services.clock.now()
    statuses = {}
    for user in users:
        window, state = await call.services.dnd.dnd(user)
        statuses[user.id] = dnd_status(window, state, now, own=False)
    return {"users": statuses}


async def dnd_set_snooze(call: Call) -> dict[str, Any]:
    """Snooze notifications for ``num_minutes`` (``missing_duration`` without it,
    ``snooze_failed`` for a value that is no positive number, ``too_long`` past a week)."""
    raw = call.args.text("num_minutes")
    if not raw.strip():
        raise SlackError(SlackErrorCode.MISSING_DURATION)
    minutes = snooze_minutes(raw)
    if minutes is None:
        raise SlackError(SlackErrorCode.SNOOZE_FAILED)
    if minutes > MAX_SNOOZE_MINUTES:
        raise SlackError(SlackErrorCode.SNOOZE_TOO_LONG)
    return await call.services.dnd.set_snooze(call.identity.user, minutes)


async def dnd_end_snooze(call: Call) -> dict[str, Any]:
    """End the caller's snooze (``snooze_not_active`` without one)."""
    return await call.services.dnd.end_snooze(call.identity.user)


async def dnd_end_dnd(call: Call) -> dict[str, Any]:
    """End the caller's do-not-disturb now (``not_in_dnd`` when it is off)."""
    await call.services.dnd.end_dnd(call.identity.user)
    return {}


METHODS = [
    MethodSpec("users.prefs.get", users_prefs_get, Tier.TIER_3, ("users:read",), publishes=False),
    MethodSpec("users.prefs.set", users_prefs_set, Tier.TIER_3, ("users:write",)),
    MethodSpec("dnd.info", dnd_info, Tier.TIER_3, ("dnd:read",), publishes=False),
    MethodSpec("dnd.teamInfo", dnd_team_info, Tier.TIER_2, ("dnd:read",), publishes=False),
    MethodSpec("dnd.setSnooze", dnd_set_snooze, Tier.TIER_2, ("dnd:write",)),
    MethodSpec("dnd.endSnooze", dnd_end_snooze, Tier.TIER_2, ("dnd:write",)),
    MethodSpec("dnd.endDnd", dnd_end_dnd, Tier.TIER_2, ("dnd:write",)),
]
