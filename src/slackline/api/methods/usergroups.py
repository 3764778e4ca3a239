"""``usergroups.*`` and ``usergroups.users.*``.

A group is named by ``usergroup``; one of another team, or none, is ``no_such_subteam``
(teams never see each other). ``usergroups.list`` leaves out disabled groups unless
``include_disabled``; ``include_users`` adds every group's ``users`` (an empty list for a
group without members, since clients such as wee-slack read it unguarded) and
``include_count`` its ``user_count``. The writing methods answer the group with
``user_count`` when ``include_count`` is given, and ``usergroups.users.update`` always with
its ``users``. Lists (``channels``, ``users``) are comma-separated ids. Events:
:mod:`slackline.services.usergroups`.
"""

from __future__ import annotations

from typing import Any

from slackline.api.call import Call
from slackline.api.registry import MethodSpec
from slackline.domain.ratelimit import Tier
from slackline.domain.usergroups import (
    Usergroup,
    check_description,
    check_handle,
    check_name,
    handle_from_name,
    usergroup_object,
)
from slackline.services.usergroups import GroupChange


def id_list(raw: str) -> list[str]:
    """A comma-separated list of ids, blanks and repeats dropped, in the order given."""
    return list(dict.fromkeys(part.strip() for part in raw.split(",") if part.strip()))


async def team_group(call: Call, *, include_disabled: bool = True) -> Usergroup:
    """The caller's team's group ``usergroup`` names (``no_such_subteam`` otherwise, and
    for a disabled one unless ``include_disabled``)."""
    return await call.services.access.team_usergroup(
        call.identity.team.id,
        call.args.text("usergroup").strip(),
        include_disabled=include_disabled,
    )


async def _answer(call: Call, group: Usergroup, *, with_users: bool = False) -> dict[str, Any]:
    """The group as the writing methods answer it."""
    users: list[str] | None = None
    count: int | None = None
    if with_users or call.args.flag("include_count"):
        members = await call.services.reads.usergroups.list_usergroup_users(group.id)
        users = members if with_users else None
        count = len(members) if call.args.flag("include_count") else None
    return {"usergroup": usergroup_object(group, users, user_count=count)}


async def usergroups_list(call: Call) -> dict[str, Any]:
    """The team's groups by name; disabled ones only with ``include_disabled``."""
    reads = call.services.reads.usergroups
    team_id = call.identity.team.id
    groups = await reads.list_usergroups(
        team_id, include_disabled=call.args.flag("include_disabled")
    )
    include_users, include_count = call.args.flag("include_users"), call.args.flag("include_count")
    members = await reads.team_usergroup_users(team_id) if include_users or include_count else {}
    shown = []
    for group in groups:
        users = members.get(group.id, [])
        shown.append(
            usergroup_object(
                group,
                users if include_users else None,
                user_count=len(users) if include_count else None,
            )
        )
    return {"usergroups": shown}


async def usergroups_create(call: Call) -> dict[str, Any]:
    """A new group without members; its handle is made from its name when none is given."""
    name = check_name(call.args.text("name"))
    raw_handle = call.args.text("handle")
    handle = check_handle(raw_handle) if raw_handle.strip() else handle_from_name(name)
    group = await call.services.usergroups.create(
        call.identity.user,
        name=name,
        handle=handle,
        description=check_description(call.args.text("description")),
        channels=id_list(call.args.text("channels")),
    )
    return await _answer(call, group)


async def usergroups_update(call: Call) -> dict[str, Any]:
    """Change the given fields of a group (``name``, ``handle``, ``description``,
    ``channels``); an argument left out is kept, an empty ``description`` or ``channels``
    clears it."""
    group = await team_group(call)
    raw = call.args.raw
    change = GroupChange(
        name=check_name(raw["name"]) if "name" in raw else None,
        handle=check_handle(raw["handle"]) if "handle" in raw else None,
        description=check_description(raw["description"]) if "description" in raw else None,
        channels=tuple(id_list(raw["channels"])) if "channels" in raw else None,
    )
    updated = await call.services.usergroups.update(group, call.identity.user, change)
    return await _answer(call, updated)


async def usergroups_disable(call: Call) -> dict[str, Any]:
    """Disable a group (its members are kept)."""
    group = await team_group(call)
    changed = await call.services.usergroups.set_enabled(group, call.identity.user, enabled=False)
    return await _answer(call, changed)


async def usergroups_enable(call: Call) -> dict[str, Any]:
    """Enable a disabled group again, with its members."""
    group = await team_group(call)
    changed = await call.services.usergroups.set_enabled(group, call.identity.user, enabled=True)
    return await _answer(call, changed)


async def usergroups_users_list(call: Call) -> dict[str, Any]:
    """A group's members by id; a disabled group only with ``include_disabled``."""
    group = await team_group(call, include_disabled=call.args.flag("include_disabled"))
    return {"users": await call.services.reads.usergroups.list_usergroup_users(group.id)}


async def usergroups_users_update(call: Call) -> dict[str, Any]:
    """Make exactly the users given (``users``) the group's members."""
    group = await team_group(call)
    changed, _ = await call.services.usergroups.set_users(
        group, call.identity.user, id_list(call.args.text("users"))
    )
    return await _answer(call, changed, with_users=True)


_READ = ("usergroups:read",)
_WRITE = ("usergroups:write",)
_COUNT = ("include_count",)
METHODS = [
    MethodSpec(
        "usergroups.list",
        usergroups_list,
        Tier.TIER_2,
        _READ,
        bool_args=("include_count", "include_disabled", "include_users"),
        publishes=False,
    ),
    MethodSpec("usergroups.create", usergroups_create, Tier.TIER_2, _WRITE, bool_args=_COUNT),
    MethodSpec("usergroups.update", usergroups_update, Tier.TIER_2, _WRITE, bool_args=_COUNT),
    MethodSpec("usergroups.disable", usergroups_disable, Tier.TIER_2, _WRITE, bool_args=_COUNT),
    MethodSpec("usergroups.enable", usergroups_enable, Tier.TIER_2, _WRITE, bool_args=_COUNT),
    MethodSpec(
        "usergroups.users.list",
        usergroups_users_list,
        Tier.TIER_2,
        _READ,
        bool_args=("include_disabled",),
        publishes=False,
    ),
    MethodSpec(
        "usergroups.users.update",
        usergroups_users_update,
        Tier.TIER_2,
        _WRITE,
        bool_args=_COUNT,
    ),
]
