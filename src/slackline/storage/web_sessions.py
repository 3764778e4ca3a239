"""People's passwords and their web sessions (sign-in, ``docs/web-client.md``).

A part of the store (see :mod:`slackline.storage.parts`): its tables, its migration, its SQL.
Nothing here is a secret in the clear: a password is its argon2id hash, a session is the
keyed hash of its cookie secret and of the ``xoxc-`` token bound to it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol

from slackline.storage.parts import SqlRunner

_COLUMNS = "cookie_hash, team_id, user_id, token_hash, created"


@dataclass(frozen=True, slots=True)
class WebSessionRecord:
    """A web session as stored: keyed hashes only."""

    cookie_hash: str
    team_id: str
    user_id: str
    token_hash: str
    created: int


class WebSessionsReader(Protocol):
    """What handlers may read."""

    async def get_password(self, user_id: str) -> str | None:
        """A person's password hash (argon2id, encoded), or None when they have none."""
        ...

    async def get_session(self, cookie_hash: str) -> WebSessionRecord | None:
        """The session whose cookie secret has this keyed hash."""
        ...

    async def list_sessions(self, user_id: str) -> list[WebSessionRecord]:
        """A person's sessions, the oldest first."""
        ...


class WebSessionsStore(WebSessionsReader, Protocol):
    """Everything, writes included (services only)."""

    async def put_password(self, user_id: str, team_id: str, hash: str, updated: int) -> None:
        """Set a person's password hash (replacing any)."""
        ...

    async def delete_password(self, user_id: str) -> bool:
        """Clear a person's password; whether they had one."""
        ...

    async def put_session(self, session: WebSessionRecord) -> None:
        """Store a new session."""
        ...

    async def delete_session(self, cookie_hash: str) -> bool:
        """End one session; whether it existed."""
        ...

    async def delete_sessions(self, user_id: str) -> list[WebSessionRecord]:
        """End every session of a person; the sessions that were ended."""
        ...


def _session(row: Any) -> WebSessionRecord:
    return WebSessionRecord(row[0], row[1], row[2], row[3], int(row[4]))


class SqlWebSessions:
    """The part over a SQL backend."""

    TABLES: tuple[str, ...] = ("web_sessions", "user_passwords")

    def __init__(self, runner: SqlRunner) -> None:
        self._runner = runner

    async def get_password(self, user_id: str) -> str | None:
        """A person's password hash."""
        row = await self._runner.fetch_one(
            "SELECT hash FROM user_passwords WHERE user_id = ?", [user_id]
        )
        return str(row[0]) if row is not None else None

    async def put_password(self, user_id: str, team_id: str, hash: str, updated: int) -> None:
        """Set a person's password hash."""
        sql = (
            "INSERT INTO user_passwords (user_id, team_id, hash, updated) VALUES (?, ?, ?, ?) "
            "ON CONFLICT (user_id) DO UPDATE SET hash = excluded.hash, "
            "updated = excluded.updated, team_id = excluded.team_id"
        )
        await self._runner.execute(sql, [user_id, team_id, hash, updated])

    async def delete_password(self, user_id: str) -> bool:
        """Clear a person's password."""
        sql = "DELETE FROM user_passwords WHERE user_id = ?"
        return await self._runner.execute(sql, [user_id]) > 0

    async def get_session(self, cookie_hash: str) -> WebSessionRecord | None:
        """One session by its cookie's keyed hash."""
        sql = f"SELECT {_COLUMNS} FROM web_sessions WHERE cookie_hash = ?"  # noqa: S608
        row = await self._runner.fetch_one(sql, [cookie_hash])
        return _session(row) if row is not None else None

    async def list_sessions(self, user_id: str) -> list[WebSessionRecord]:
        """A person's sessions, the oldest first."""
        sql = (
            f"SELECT {_COLUMNS} FROM web_sessions WHERE user_id = ? "  # noqa: S608
            "ORDER BY created, cookie_hash"
        )
        return [_session(row) for row in await self._runner.fetch_all(sql, [user_id])]

    async def put_session(self, session: WebSessionRecord) -> None:
        """Store a new session."""
        sql = f"INSERT INTO web_sessions ({_COLUMNS}) VALUES (?, ?, ?, ?, ?)"  # noqa: S608
        params = [session.cookie_hash, session.team_id, session.user_id, session.token_hash]
        await self._runner.execute(sql, [*params, session.created])

    async def delete_session(self, cookie_hash: str) -> bool:
        """End one session."""
        sql = "DELETE FROM web_sessions WHERE cookie_hash = ?"
        return await self._runner.execute(sql, [cookie_hash]) > 0

    async def delete_sessions(self, user_id: str) -> list[WebSessionRecord]:
        """End every session of a person."""
        sessions = await self.list_sessions(user_id)
        await self._runner.execute("DELETE FROM web_sessions WHERE user_id = ?", [user_id])
        return sessions
