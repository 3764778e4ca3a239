"""User groups (Slack's "subteams"): the model, the rules for names and handles, and the
usergroup object every method and ``subteam_*`` event shows (pure).

A group is disabled when its ``date_delete`` is set; its members are kept, and enabling it
again brings them back.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from slackline.errors import SlackError, SlackErrorCode

MAX_NAME_CHARS = 255
MAX_DESCRIPTION_CHARS = 140
MAX_HANDLE_CHARS = 80
# The handles Slack mentions already mean something (``@channel``, ``@here`` …).
RESERVED_HANDLES = frozenset({"channel", "here", "everyone", "group", "all", "slackbot"})
_HANDLE_PATTERN = re.compile(r"[a-z0-9._\-]+")
_NOT_HANDLE = re.compile(r"[^a-z0-9._\-]+")


@dataclass(frozen=True, slots=True)
class Usergroup:
    """A user group of a team; ``channels`` are its default (public) channels."""

    id: str
    team_id: str
    name: str
    handle: str
    description: str = ""
    channels: tuple[str, ...] = ()
    created_by: str = ""
    updated_by: str = ""
    deleted_by: str | None = None
    date_create: int = 0
    date_update: int = 0
    date_delete: int = 0

    @property
    def disabled(self) -> bool:
        """Whether the group is disabled (``usergroups.disable``)."""
        return self.date_delete > 0


def check_name(raw: str) -> str:
    """A group's name: ``missing_subteam_name`` when empty, ``name_too_long`` above 255."""
    name = raw.strip()
    if not name:
        raise SlackError(SlackErrorCode.MISSING_SUBTEAM_NAME)
    if len(name) > MAX_NAME_CHARS:
        raise SlackError(SlackErrorCode.NAME_TOO_LONG)
    return name


def check_description(raw: str) -> str:
    """A group's description: ``description_too_long`` above 140 characters."""
    if len(raw) > MAX_DESCRIPTION_CHARS:
        raise SlackError(SlackErrorCode.DESCRIPTION_TOO_LONG)
    return raw


def check_handle(raw: str) -> str:
    """A mention handle, lower-cased and without a leading ``@``: letters, digits, ``. _ -``
    (``bad_handle``); never one of Slack's own mentions (``forbidden_handle``)."""
    handle = raw.strip().removeprefix("@").lower()
    if not handle or len(handle) > MAX_HANDLE_CHARS or not _HANDLE_PATTERN.fullmatch(handle):
        raise SlackError(SlackErrorCode.BAD_HANDLE)
    if handle in RESERVED_HANDLES:
        raise SlackError(SlackErrorCode.FORBIDDEN_HANDLE)
    return handle


def handle_from_name(name: str) -> str:
    """The handle a group created without one gets: its name, lower-cased, runs of other
    characters turned into ``-`` (``Design Team`` becomes ``design-team``)."""
    handle = _NOT_HANDLE.sub("-", name.lower()).strip("-")[:MAX_HANDLE_CHARS]
    return handle or "group"


def usergroup_object(
    group: Usergroup, users: list[str] | None, *, user_count: int | None
) -> dict[str, Any]:
    """The usergroup object; ``users`` and ``user_count`` only when given."""
    obj: dict[str, Any] = {
        "id": group.id,
        "team_id": group.team_id,
        "is_usergroup": True,
        "is_subteam": True,
        "name": group.name,
        "description": group.description,
        "handle": group.handle,
        "is_external": False,
        "date_create": group.date_create,
        "date_update": group.date_update,
        "date_delete": group.date_delete,
        "auto_type": None,
        "auto_provision": False,
        "enterprise_subteam_id": "",
        "created_by": group.created_by,
        "updated_by": group.updated_by,
        "deleted_by": group.deleted_by,
        "prefs": {"channels": list(group.channels), "groups": []},
        "channel_count": len(group.channels),
    }
    if users is not None:
        obj["users"] = users
    if user_count is not None:
        obj["user_count"] = user_count
    return obj


# What changing a group announces: payloads and their audiences (None: the whole team).
Announcement = tuple[dict[str, Any], frozenset[str] | None]
MAX_EVENT_USERS = 500


def subteam_payload(kind: str, group: Usergroup, users: list[str]) -> dict[str, Any]:
    """``subteam_created`` / ``subteam_updated``: the group with its members (at most 500
    listed, ``user_count`` the real number, as Slack truncates them)."""
    shown = usergroup_object(group, users[:MAX_EVENT_USERS], user_count=len(users))
    return {"type": kind, "subteam": shown}


def membership_announcements(
    group: Usergroup, before: list[str], after: list[str], date_previous_update: int
) -> list[Announcement]:
    """What a change of members announces: ``subteam_members_changed`` to the team, then
    ``subteam_self_added`` / ``subteam_self_removed`` to each user added or removed.
    Nothing when the members are the same."""
    added = [u for u in after if u not in set(before)]
    removed = [u for u in before if u not in set(after)]
    if not added and not removed:
        return []
    changed = {
        "type": "subteam_members_changed",
        "subteam_id": group.id,
        "team_id": group.team_id,
        "date_previous_update": date_previous_update,
        "date_update": group.date_update,
        "added_users": added,
        "added_users_count": str(len(added)),
        "removed_users": removed,
        "removed_users_count": str(len(removed)),
    }
    announcements: list[Announcement] = [(changed, None)]
    for user_id in added:
        self_added = {"type": "subteam_self_added", "subteam_id": group.id}
        announcements.append((self_added, frozenset({user_id})))
    for user_id in removed:
        self_removed = {"type": "subteam_self_removed", "subteam_id": group.id}
        announcements.append((self_removed, frozenset({user_id})))
    return announcements
