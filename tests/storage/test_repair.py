"""Migration 3 repairs JSON columns an older Slackline stored with lone surrogate escapes
(decisions A.10), on SQLite and on PostgreSQL.

Each test builds a database as such a version left it: migrations 1 and 2 applied and rows
written with SQL directly. ``migrate()`` replaces each lone surrogate with U+FFFD, leaves
real pairs (and everything else) as they were, and a second run changes nothing. A server
started on such a database then answers ``conversations.history`` of the channel.
"""

from __future__ import annotations

import asyncio
import json
import sqlite3
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager
from pathlib import Path
from typing import Any, Protocol

import psycopg
import pytest

from slackline.storage import open_store
from slackline.storage.migrations import load_migrations
from slackline.storage.repair import REPAIR_NAME, REPAIR_VERSION
from slackline.storage.sql import POSTGRESQL, SQLITE, Dialect, Statements
from tests.helpers.http import api, start_server
from tests.helpers.postgres import postgres_schema

TEAM = "T0001"  # the test workspace's team and channel, so that a server can serve them
CHANNEL = "C0001"
OLD_USER = "U0OLD"  # not in the workspace file: loading it leaves this row alone
BOT = "xoxb-1-classic"
LONE = "\\ud800"
PAIR = "\\ud83d\\ude00"  # U+1F600, escaped as a pair, as json.dumps writes it
EMOJI = "\U0001f600"
BAD = "\ufffd"

# ts -> (extra, edited) JSON text as the old version wrote it, and what it must read back as.
MESSAGES: dict[str, tuple[str, str | None]] = {
    "1700000000.000100": ('{"blocks":[{"type":"section","text":"' + LONE + '"}]}', None),
    "1700000000.000200": ('{"blocks":[{"type":"section","text":"' + PAIR + '"}]}', None),
    "1700000000.000300": ('{"x":"a' + LONE + PAIR + '\\udc00b","\\uD800k":1}', None),
    "1700000000.000400": ("{}", '{"user":"U0OLD","ts":"1' + LONE + '"}'),
    "1700000000.000500": ('{"x":"\\\\ud800 is how it is written"}', None),  # no surrogate
    "1700000000.000600": ('{"x":"' + PAIR[6:] + PAIR[:6] + '"}', None),  # reversed: two lone
}
REPAIRED_EXTRA: dict[str, dict[str, Any]] = {
    "1700000000.000100": {"blocks": [{"type": "section", "text": BAD}]},
    "1700000000.000200": {"blocks": [{"type": "section", "text": EMOJI}]},
    "1700000000.000300": {"x": "a" + BAD + EMOJI + BAD + "b", BAD + "k": 1},
    "1700000000.000400": {},
    "1700000000.000500": {"x": "\\ud800 is how it is written"},
    "1700000000.000600": {"x": BAD + BAD},
}
UNTOUCHED = ("1700000000.000200", "1700000000.000500")  # no lone surrogate: same bytes after
PROFILES = {
    OLD_USER: '{"status_text":"away ' + LONE + '","fields":{"f":{"value":"' + PAIR + '"}}}',
    "U0PAIR": '{"status_text":"' + PAIR + '"}',
}
REPAIRED_PROFILES = {
    OLD_USER: {"status_text": "away " + BAD, "fields": {"f": {"value": EMOJI}}},
    "U0PAIR": {"status_text": EMOJI},
}


class Connection(Protocol):
    def execute(self, sql: str, params: Any = ...) -> Any: ...


class OldDatabase:
    """A raw connection to the database under test, writing as an old version did."""

    def __init__(self, url: str, dialect: Dialect, connection: Connection) -> None:
        self.url = url
        self.dialect = dialect
        self._connection = connection

    def execute(self, sql: str, *params: Any) -> list[tuple[Any, ...]]:
        cursor = self._connection.execute(self.dialect.convert(sql), params)
        return [tuple(row) for row in cursor.fetchall()] if cursor.description else []

    def at_migration_2(self) -> None:
        """The schema of migrations 1 and 2, recorded as applied (as version 2 left it)."""
        statements = Statements(self.dialect)
        self.execute(statements.create_schema_migrations)
        for migration in load_migrations(self.dialect.name):
            if migration.version <= 2:
                for statement in migration.statements:
                    self.execute(statement)
                self.execute(statements.record_migration, migration.version, migration.name)

    def write_old_rows(self) -> None:
        self.execute("INSERT INTO teams (id, name, domain) VALUES (?, ?, ?)", TEAM, "Acme", "acme")
        self.execute(
            "INSERT INTO conversations (id, team_id, name, is_general, last_ts) "
            "VALUES (?, ?, ?, 1, ?)",
            CHANNEL, TEAM, "general", max(MESSAGES),
        )  # fmt: skip
        for user_id, profile in PROFILES.items():
            self.execute(
                "INSERT INTO users (id, team_id, name, profile) VALUES (?, ?, ?, ?)",
                user_id, TEAM, user_id.lower(), profile,
            )  # fmt: skip
        for ts, (extra, edited) in MESSAGES.items():
            self.execute(
                "INSERT INTO messages (conversation_id, ts, team_id, user_id, text, edited, "
                "extra) VALUES (?, ?, ?, ?, ?, ?, ?)",
                CHANNEL, ts, TEAM, OLD_USER, f"message {ts}", edited, extra,
            )  # fmt: skip

    def messages(self) -> dict[str, tuple[Any, ...]]:
        found = self.execute("SELECT ts, text, edited, extra FROM messages ORDER BY ts")
        return {row[0]: row[1:] for row in found}

    def profiles(self) -> dict[str, str]:
        return {row[0]: row[1] for row in self.execute("SELECT id, profile FROM users ORDER BY id")}

    def migrations(self) -> list[tuple[Any, ...]]:
        return self.execute("SELECT version, name FROM schema_migrations ORDER BY version")


@contextmanager
def old_sqlite(tmp_path: Path) -> Iterator[OldDatabase]:
    path = tmp_path / "old.db"
    connection = sqlite3.connect(path, isolation_level=None)
    try:
        yield OldDatabase(f"sqlite:///{path}", SQLITE, connection)
    finally:
        connection.close()


@contextmanager
def old_postgres(tmp_path: Path) -> Iterator[OldDatabase]:
    with postgres_schema() as url, psycopg.connect(url, autocommit=True) as connection:
        yield OldDatabase(url, POSTGRESQL, connection)


@pytest.fixture(params=[old_sqlite, old_postgres], ids=["sqlite", "postgresql"])
def old(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[OldDatabase]:
    """A database at migration 2 whose JSON columns hold lone surrogate escapes."""
    opened: AbstractContextManager[OldDatabase] = request.param(tmp_path)
    with opened as database:
        database.at_migration_2()
        database.write_old_rows()
        yield database


def migrate(url: str) -> None:
    async def run() -> None:
        store = open_store(url)
        try:
            await store.migrate()
        finally:
            await store.close()

    asyncio.run(run())


def test_the_old_rows_are_poison_before_the_repair(old: OldDatabase) -> None:
    assert [version for version, _ in old.migrations()] == [1, 2]
    extra = old.messages()["1700000000.000100"][2]
    decoded = json.loads(extra)
    with pytest.raises(UnicodeEncodeError):
        json.dumps(decoded, ensure_ascii=False).encode("utf-8")


def test_migrate_replaces_lone_surrogates_and_keeps_real_pairs(old: OldDatabase) -> None:
    before = old.messages()
    migrate(old.url)
    after = old.messages()
    for ts in UNTOUCHED:
        assert after[ts] == before[ts]  # not even re-encoded
    assert {ts: json.loads(row[2]) for ts, row in after.items()} == REPAIRED_EXTRA
    assert json.loads(after["1700000000.000400"][1]) == {"user": "U0OLD", "ts": "1" + BAD}
    assert all(row[1] is None for ts, row in after.items() if ts != "1700000000.000400")
    assert {ts: row[0] for ts, row in after.items()} == {t: f"message {t}" for t in MESSAGES}
    profiles = old.profiles()
    assert {k: json.loads(v) for k, v in profiles.items()} == REPAIRED_PROFILES
    assert profiles["U0PAIR"] == PROFILES["U0PAIR"]
    assert (REPAIR_VERSION, REPAIR_NAME) in old.migrations()

    async def read() -> None:
        store = open_store(old.url)
        try:
            message = await store.get_message(CHANNEL, "1700000000.000100")
            assert message is not None and message.extra == REPAIRED_EXTRA[message.ts]
            pair = await store.get_message(CHANNEL, "1700000000.000200")
            assert pair is not None and pair.extra["blocks"][0]["text"] == EMOJI
            edited = await store.get_message(CHANNEL, "1700000000.000400")
            assert edited is not None and edited.edited == {"user": "U0OLD", "ts": "1" + BAD}
            user = await store.get_user(OLD_USER)
            assert user is not None and user.profile == REPAIRED_PROFILES[OLD_USER]
        finally:
            await store.close()

    asyncio.run(read())


def test_migrating_again_changes_nothing(old: OldDatabase) -> None:
    migrate(old.url)
    state = (old.messages(), old.profiles(), old.migrations())
    migrate(old.url)
    assert (old.messages(), old.profiles(), old.migrations()) == state
    assert [version for version, _ in old.migrations()][:3] == [1, 2, REPAIR_VERSION]


def test_a_repaired_database_is_served(old: OldDatabase, tmp_path: Path) -> None:
    with start_server(tmp_path / "server", database=old.url) as server:
        history = api(server, "conversations.history", BOT, channel=CHANNEL, limit="100")
        assert history.status == 200 and history.body["ok"] is True, history.body
        by_ts = {m["ts"]: m for m in history.body["messages"]}
        assert set(by_ts) == set(MESSAGES)
        assert by_ts["1700000000.000100"]["blocks"] == REPAIRED_EXTRA["1700000000.000100"]["blocks"]
        assert by_ts["1700000000.000200"]["blocks"][0]["text"] == EMOJI
        user = api(server, "users.info", BOT, user=OLD_USER)
        assert user.status == 200 and user.body["ok"] is True, user.body
        assert user.body["user"]["profile"]["status_text"] == "away " + BAD
        assert api(server, "users.list", BOT).body["ok"] is True
