"""``users.*``: the team's members, their presence and their profiles.

A user of another team is ``user_not_found`` everywhere: teams never see each other. A
missing ``user`` argument where one is required is ``user_not_found`` too, as Slack answers.
"""

from __future__ import annotations

from typing import Any

from slackline.api.call import Call
from slackline.api.methods.common import next_cursor_metadata
from slackline.api.registry import MethodSpec
from slackline.domain.models import User
from slackline.domain.pagination import MAX_PAGE_LIMIT
from slackline.domain.ratelimit import Tier
from slackline.domain.shapes import page_of, user_object
from slackline.domain.text import UnusableJsonError, load_json
from slackline.errors import SlackError, SlackErrorCode
from slackline.services.presence import profile_changes, require_profile_editor
from slackline.storage.base import ALL_ROWS

USERS_CURSOR = "users"
PRESENCE_VALUES = {"auto": False, "away": True}


async def team_user(call: Call, user_id: str) -> User:
    """A user of the caller's team by id; anything else is ``user_not_found``."""
    return await call.services.access.team_user(call.identity.team.id, user_id)


def _shown(call: Call, user: User) -> dict[str, Any]:
    return user_object(
        user,
        include_2fa=call.identity.user.is_admin,
        include_locale=call.args.flag("include_locale"),
    )


async def users_list(call: Call) -> dict[str, Any]:
    """The team's users by id; without ``limit`` as many as one page may hold (1,000)."""
    limit = call.args.limit(default=MAX_PAGE_LIMIT)
    after = call.args.cursor(USERS_CURSOR)
    rows = await call.services.reads.list_users(call.identity.team.id, after, limit + 1)
    page = page_of(rows, limit, USERS_CURSOR, lambda user: user.id)
    return {
        "members": [_shown(call, user) for user in page.items],
        "cache_ts": int(call.services.clock.now()),
        **next_cursor_metadata(page.next_cursor),
    }


async def users_info(call: Call) -> dict[str, Any]:
    """One user of the caller's team."""
    user = await team_user(call, call.args.text("user"))
    return {"user": _shown(call, user)}


async def users_get_presence(call: Call) -> dict[str, Any]:
    """A user's presence; the caller asking about themself also gets the connection details."""
    me = call.identity.user
    user_id = call.args.text("user") or me.id
    user = await team_user(call, user_id)
    status = await call.services.presence.status(user.team_id, user.id)
    if user.id != me.id:
        return {"presence": status.presence}
    result: dict[str, Any] = {
        "presence": status.presence,
        "online": status.online,
        "auto_away": False,
        "manual_away": status.manual_away,
        "connection_count": status.connection_count,
    }
    if status.last_activity is not None:
        result["last_activity"] = status.last_activity
    return result


async def users_set_presence(call: Call) -> dict[str, Any]:
    """``presence=away`` sets the caller away until ``presence=auto``; nothing forces active."""
    away = PRESENCE_VALUES.get(call.args.text("presence"))
    if away is None:
        raise SlackError(SlackErrorCode.INVALID_PRESENCE)
    identity = call.identity
    await call.services.presence.set_manual_away(identity.team.id, identity.user.id, away)
    return {}


async def users_profile_get(call: Call) -> dict[str, Any]:
    """A user's profile (the caller's without ``user``)."""
    user = await team_user(call, call.args.text("user") or call.identity.user.id)
    return {"profile": user_object(user)["profile"]}


async def users_lookup_by_email(call: Call) -> dict[str, Any]:
    """The team's member whose profile ``email`` is ``email`` (whatever the case);
    ``users_not_found`` for none, a deactivated one or one of another team."""
    email = call.args.text("email").strip().lower()
    if email:
        for user in await call.services.reads.list_users(call.identity.team.id, "", ALL_ROWS):
            if not user.deleted and str(user.profile.get("email", "")).lower() == email:
                return {"user": _shown(call, user)}
    raise SlackError(SlackErrorCode.USERS_NOT_FOUND)


def _requested_profile(call: Call) -> dict[str, Any]:
    """``profile`` as a JSON object, else the single ``name``/``value`` pair."""
    raw = call.args.text("profile")
    if raw:
        try:
            document = load_json(raw)
        except UnusableJsonError as exc:
            raise SlackError(SlackErrorCode.INVALID_PROFILE) from exc
        if not isinstance(document, dict):
            raise SlackError(SlackErrorCode.INVALID_PROFILE)
        return document
    name = call.args.text("name")
    if not name:
        raise SlackError(SlackErrorCode.INVALID_PROFILE)
    value: Any = call.args.text("value")
    if name in ("status_expiration", "fields"):
        # Form values are strings; these two keys carry a number and an object.
        try:
            value = load_json(value or "null")
        except UnusableJsonError as exc:
            raise SlackError(SlackErrorCode.INVALID_PROFILE) from exc
    return {name: value}


async def users_profile_set(call: Call) -> dict[str, Any]:
    """Change the caller's profile, or (admins) another member's; announces ``user_change``."""
    target = await team_user(call, call.args.text("user") or call.identity.user.id)
    require_profile_editor(call.identity.user, target)
    changes = profile_changes(_requested_profile(call))
    updated = await call.services.profiles.update_profile(target, changes)
    return {"profile": user_object(updated)["profile"]}


METHODS = [
    MethodSpec(
        "users.list",
        users_list,
        Tier.TIER_2,
        ("users:read",),
        bool_args=("include_locale",),
        publishes=False,
    ),
    MethodSpec(
        "users.info",
        users_info,
        Tier.TIER_4,
        ("users:read",),
        bool_args=("include_locale",),
        publishes=False,
    ),
    MethodSpec(
        "users.getPresence", users_get_presence, Tier.TIER_3, ("users:read",), publishes=False
    ),
    MethodSpec(
        "users.lookupByEmail",
        users_lookup_by_email,
        Tier.TIER_3,
        ("users:read.email",),
        publishes=False,
    ),
    MethodSpec("users.setPresence", users_set_presence, Tier.TIER_2, ("users:write",)),
    MethodSpec(
        "users.profile.get",
        users_profile_get,
        Tier.TIER_4,
        ("users.profile:read",),
        bool_args=("include_labels",),
        publishes=False,
    ),
    MethodSpec("users.profile.set", users_profile_set, Tier.TIER_3, ("users.profile:write",)),
]
