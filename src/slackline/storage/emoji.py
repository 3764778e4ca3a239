"""A team's custom emoji (``emoji.list``): names, image URLs and aliases.

A part of the store (see :mod:`slackline.storage.parts`): its tables, its migration, its SQL.
"""

from __future__ import annotations

from typing import Any, Protocol

from slackline.domain.emoji import CustomEmoji
from slackline.storage.parts import SqlRunner

_SELECT = "SELECT team_id, name, value, user_id, created FROM emoji"


class EmojiReader(Protocol):
    """What handlers may read."""

    async def list_emoji(self, team_id: str) -> list[CustomEmoji]:
        """The team's custom emoji, by name."""
        ...

    async def get_emoji(self, team_id: str, name: str) -> CustomEmoji | None:
        """One custom emoji of the team."""
        ...


class EmojiStore(EmojiReader, Protocol):
    """Everything, writes included (services only)."""

    async def put_emoji(self, emoji: CustomEmoji) -> None:
        """Add a custom emoji, or replace the one of that name."""
        ...

    async def remove_emoji(self, team_id: str, name: str) -> bool:
        """Remove a custom emoji; whether there was one."""
        ...


def _emoji(row: Any) -> CustomEmoji:
    return CustomEmoji(
        team_id=row[0], name=row[1], value=row[2], user_id=row[3], created=int(row[4])
    )


class SqlEmoji:
    """The part over a SQL backend."""

    TABLES: tuple[str, ...] = ("emoji",)

    def __init__(self, runner: SqlRunner) -> None:
        self._runner = runner

    async def list_emoji(self, team_id: str) -> list[CustomEmoji]:
        """The team's custom emoji, by name."""
        rows = await self._runner.fetch_all(f"{_SELECT} WHERE team_id = ? ORDER BY name", [team_id])
        return [_emoji(row) for row in rows]

    async def get_emoji(self, team_id: str, name: str) -> CustomEmoji | None:
        """One custom emoji of the team."""
        row = await self._runner.fetch_one(
            f"{_SELECT} WHERE team_id = ? AND name = ?", [team_id, name]
        )
        return _emoji(row) if row is not None else None

    async def put_emoji(self, emoji: CustomEmoji) -> None:
        """Add a custom emoji, or replace the one of that name."""
        sql = (
            "INSERT INTO emoji (team_id, name, value, user_id, created) VALUES (?, ?, ?, ?, ?) "
            "ON CONFLICT (team_id, name) DO UPDATE SET value = EXCLUDED.value, "
            "user_id = EXCLUDED.user_id, created = EXCLUDED.created"
        )
        params = [emoji.team_id, emoji.name, emoji.value, emoji.user_id, emoji.created]
        await self._runner.execute(sql, params)

    async def remove_emoji(self, team_id: str, name: str) -> bool:
        """Remove a custom emoji; whether there was one."""
        sql = "DELETE FROM emoji WHERE team_id = ? AND name = ?"
        return await self._runner.execute(sql, [team_id, name]) > 0
