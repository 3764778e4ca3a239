"""User groups and their members (``usergroups.*``).

A part of the store (see :mod:`slackline.storage.parts`): its tables, its migration, its SQL.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any, Protocol

from slackline.domain.usergroups import Usergroup
from slackline.storage.parts import SqlRunner, Statement

_COLUMNS = (
    "id", "team_id", "name", "handle", "description", "channels", "created_by", "updated_by",
    "deleted_by", "date_create", "date_update", "date_delete",
)  # fmt: skip
_SELECT = f"SELECT {', '.join(_COLUMNS)} FROM usergroups"  # noqa: S608
_ADD_USER = (
    "INSERT INTO usergroup_users (usergroup_id, user_id) VALUES (?, ?) ON CONFLICT DO NOTHING"
)


class UsergroupsReader(Protocol):
    """What handlers may read."""

    async def get_usergroup(self, usergroup_id: str) -> Usergroup | None:
        """A user group by id."""
        ...

    async def list_usergroups(self, team_id: str, *, include_disabled: bool) -> list[Usergroup]:
        """The team's user groups, by name then id."""
        ...

    async def list_usergroup_users(self, usergroup_id: str) -> list[str]:
        """A group's members, by id."""
        ...

    async def team_usergroup_users(self, team_id: str) -> dict[str, list[str]]:
        """Every group's members of a team (groups without members absent), by id."""
        ...


class UsergroupsStore(UsergroupsReader, Protocol):
    """Everything, writes included (services only)."""

    async def put_usergroup(self, group: Usergroup) -> None:
        """Insert a user group or replace its fields (its members are kept)."""
        ...

    async def set_usergroup_users(self, usergroup_id: str, user_ids: Sequence[str]) -> None:
        """Make exactly these users the group's members, in one transaction."""
        ...

    async def add_usergroup_users(self, usergroup_id: str, user_ids: Sequence[str]) -> None:
        """Add members to a group (those already in it stay)."""
        ...


def _row(group: Usergroup) -> list[Any]:
    return [
        group.id, group.team_id, group.name, group.handle, group.description,
        json.dumps(list(group.channels)), group.created_by, group.updated_by, group.deleted_by,
        group.date_create, group.date_update, group.date_delete,
    ]  # fmt: skip


def _group(row: Any) -> Usergroup:
    return Usergroup(
        id=row[0],
        team_id=row[1],
        name=row[2],
        handle=row[3],
        description=row[4],
        channels=tuple(json.loads(row[5])),
        created_by=row[6],
        updated_by=row[7],
        deleted_by=row[8],
        date_create=int(row[9]),
        date_update=int(row[10]),
        date_delete=int(row[11]),
    )


class SqlUsergroups:
    """The part over a SQL backend."""

    TABLES: tuple[str, ...] = ("usergroup_users", "usergroups")

    def __init__(self, runner: SqlRunner) -> None:
        self._runner = runner

    async def get_usergroup(self, usergroup_id: str) -> Usergroup | None:
        """A user group by id."""
        row = await self._runner.fetch_one(f"{_SELECT} WHERE id = ?", [usergroup_id])
        return _group(row) if row is not None else None

    async def list_usergroups(self, team_id: str, *, include_disabled: bool) -> list[Usergroup]:
        """The team's user groups, by name then id."""
        enabled = "" if include_disabled else " AND date_delete = 0"
        sql = f"{_SELECT} WHERE team_id = ?{enabled} ORDER BY name, id"
        return [_group(row) for row in await self._runner.fetch_all(sql, [team_id])]

    async def list_usergroup_users(self, usergroup_id: str) -> list[str]:
        """A group's members, by id."""
        sql = "SELECT user_id FROM usergroup_users WHERE usergroup_id = ? ORDER BY user_id"
        return [row[0] for row in await self._runner.fetch_all(sql, [usergroup_id])]

    async def team_usergroup_users(self, team_id: str) -> dict[str, list[str]]:
        """Every group's members of a team, in one query."""
        sql = (
            "SELECT u.usergroup_id, u.user_id FROM usergroup_users u "
            "JOIN usergroups g ON g.id = u.usergroup_id WHERE g.team_id = ? "
            "ORDER BY u.usergroup_id, u.user_id"
        )
        members: dict[str, list[str]] = {}
        for group_id, user_id in await self._runner.fetch_all(sql, [team_id]):
            members.setdefault(group_id, []).append(user_id)
        return members

    async def put_usergroup(self, group: Usergroup) -> None:
        """Insert a user group or replace its fields."""
        updates = ", ".join(f"{c} = EXCLUDED.{c}" for c in _COLUMNS if c != "id")
        marks = ", ".join("?" for _ in _COLUMNS)
        sql = (
            f"INSERT INTO usergroups ({', '.join(_COLUMNS)}) VALUES ({marks}) "  # noqa: S608
            f"ON CONFLICT (id) DO UPDATE SET {updates}"
        )
        await self._runner.execute(sql, _row(group))

    async def set_usergroup_users(self, usergroup_id: str, user_ids: Sequence[str]) -> None:
        """Replace the group's members, all or nothing."""
        statements: list[Statement] = [
            ("DELETE FROM usergroup_users WHERE usergroup_id = ?", [usergroup_id])
        ]
        statements += [(_ADD_USER, [usergroup_id, user_id]) for user_id in user_ids]
        await self._runner.execute_together(statements)

    async def add_usergroup_users(self, usergroup_id: str, user_ids: Sequence[str]) -> None:
        """Add members to a group, all or nothing."""
        if user_ids:
            statements: list[Statement] = [(_ADD_USER, [usergroup_id, u]) for u in user_ids]
            await self._runner.execute_together(statements)
