"""Per-user preferences and do-not-disturb state (``users.prefs.*``, ``dnd.*``), and the
team's profile fields (``team.profile.get``).

A part of the store (see :mod:`slackline.storage.parts`): its tables, its migration, its SQL.
A preference is stored only once set, as JSON text (so booleans and numbers keep their type).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any, Protocol

from slackline.domain.prefs import DndState, ProfileField
from slackline.storage.parts import SqlRunner, Statement

_SET_PREF = (
    "INSERT INTO prefs (user_id, name, team_id, value) VALUES (?, ?, ?, ?) "
    "ON CONFLICT (user_id, name) DO UPDATE SET value = EXCLUDED.value"
)
_FIELD_COLUMNS = (
    "team_id", "id", "ordering", "label", "hint", "type", "possible_values", "options",
    "is_hidden",
)  # fmt: skip


class PrefsReader(Protocol):
    """What handlers may read."""

    async def get_prefs(self, user_id: str) -> dict[str, Any]:
        """The preferences a user set (defaults are the domain's)."""
        ...

    async def get_dnd(self, user_id: str) -> DndState | None:
        """A user's snooze and ended window, if they ever had one."""
        ...

    async def list_profile_fields(self, team_id: str) -> list[ProfileField]:
        """The team's profile fields, by ``ordering`` then id."""
        ...


class PrefsStore(PrefsReader, Protocol):
    """Everything, writes included (services only)."""

    async def set_prefs(self, user_id: str, team_id: str, values: Mapping[str, Any]) -> None:
        """Store preferences of a user, all in one transaction."""
        ...

    async def put_dnd(self, state: DndState) -> None:
        """Store a user's snooze and ended window."""
        ...

    async def put_profile_field(self, field: ProfileField) -> None:
        """Add a team profile field, or replace the one with its id."""
        ...


def _field(row: Any) -> ProfileField:
    values = json.loads(row[6]) if row[6] is not None else None
    return ProfileField(
        team_id=row[0],
        id=row[1],
        ordering=int(row[2]),
        label=row[3],
        hint=row[4],
        type=row[5],
        possible_values=tuple(values) if values is not None else None,
        options=json.loads(row[7]) if row[7] is not None else None,
        is_hidden=bool(row[8]),
    )


class SqlPrefs:
    """The part over a SQL backend."""

    TABLES: tuple[str, ...] = ("prefs", "dnd", "team_profile_fields")

    def __init__(self, runner: SqlRunner) -> None:
        self._runner = runner

    async def get_prefs(self, user_id: str) -> dict[str, Any]:
        """The preferences a user set."""
        rows = await self._runner.fetch_all(
            "SELECT name, value FROM prefs WHERE user_id = ? ORDER BY name", [user_id]
        )
        return {name: json.loads(value) for name, value in rows}

    async def set_prefs(self, user_id: str, team_id: str, values: Mapping[str, Any]) -> None:
        """Store preferences of a user, all or none."""
        statements: list[Statement] = [
            (_SET_PREF, [user_id, name, team_id, json.dumps(value)])
            for name, value in values.items()
        ]
        if statements:
            await self._runner.execute_together(statements)

    async def get_dnd(self, user_id: str) -> DndState | None:
        """A user's snooze and ended window."""
        row = await self._runner.fetch_one(
            "SELECT user_id, team_id, snooze_endtime, dnd_ended_until FROM dnd WHERE user_id = ?",
            [user_id],
        )
        if row is None:
            return None
        return DndState(row[0], row[1], int(row[2]), int(row[3]))

    async def put_dnd(self, state: DndState) -> None:
        """Store a user's snooze and ended window."""
        sql = (
            "INSERT INTO dnd (user_id, team_id, snooze_endtime, dnd_ended_until) "
            "VALUES (?, ?, ?, ?) ON CONFLICT (user_id) DO UPDATE SET "
            "snooze_endtime = EXCLUDED.snooze_endtime, dnd_ended_until = EXCLUDED.dnd_ended_until"
        )
        params = [state.user_id, state.team_id, state.snooze_endtime, state.dnd_ended_until]
        await self._runner.execute(sql, params)

    async def list_profile_fields(self, team_id: str) -> list[ProfileField]:
        """The team's profile fields, by ``ordering`` then id."""
        sql = (
            f"SELECT {', '.join(_FIELD_COLUMNS)} FROM team_profile_fields "  # noqa: S608
            "WHERE team_id = ? ORDER BY ordering, id"
        )
        return [_field(row) for row in await self._runner.fetch_all(sql, [team_id])]

    async def put_profile_field(self, field: ProfileField) -> None:
        """Add a team profile field, or replace the one with its id."""
        updates = ", ".join(f"{c} = EXCLUDED.{c}" for c in _FIELD_COLUMNS[2:])
        sql = (
            f"INSERT INTO team_profile_fields ({', '.join(_FIELD_COLUMNS)}) "  # noqa: S608
            f"VALUES ({', '.join('?' for _ in _FIELD_COLUMNS)}) "
            f"ON CONFLICT (team_id, id) DO UPDATE SET {updates}"
        )
        values = list(field.possible_values) if field.possible_values is not None else None
        params = [
            field.team_id, field.id, field.ordering, field.label, field.hint, field.type,
            json.dumps(values) if values is not None else None,
            json.dumps(field.options) if field.options is not None else None,
            int(field.is_hidden),
        ]  # fmt: skip
        await self._runner.execute(sql, params)
