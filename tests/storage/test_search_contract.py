"""The search part of the Store contract (storage/search.py, migration 0008), on SQLite and
PostgreSQL: every query case gives the same answer on both, the index follows inserts, edits
and deletes, covers messages stored before the migration, and never loses a match the one
matching rule (domain/search.py) would make (a property, with hypothesis)."""

from __future__ import annotations

import asyncio
import dataclasses
import sqlite3
from contextlib import closing
from typing import Any, cast

import psycopg
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from slackline.domain.models import Conversation, Message, Team
from slackline.domain.search import MessageQuery, message_matches, parse_query
from slackline.storage import Store, open_store
from slackline.storage import search as search_part
from slackline.storage.parts import SqlRunner
from tests.storage.test_contract import database_url, runner, store

__all__ = ["database_url", "runner", "store"]  # the contract suite's fixtures, reused
DAY = 86_400
# 2023-11-14 22:13:20 UTC; each message below is one day after the one before.
NOW = 1_700_000_000.0
CORPUS: tuple[tuple[str, str, str, dict[str, Any]], ...] = (
    ("C1", "U1", "hello world", {}),
    ("C1", "U2", "Hello there, world-class people", {}),
    ("C2", "U2", "deploy the thing on friday", {}),
    ("C1", "U1", "deployment done; see https://example.com/run/42", {}),
    ("G1", "U1", "hello from the secret room", {}),
    ("D1", "U2", "hello alice, a direct word", {}),
    ("C1", "U1", "alice@example.com wrote the café menu", {}),
    ("C2", "U1", "Straße und Übermut", {}),
    ("C1", "U2", "a reply about the world", {"thread_ts": "PARENT"}),
    ("C1", "U1", "has joined the channel hello", {"subtype": "channel_join"}),
    ("C1", "U1", "bot says hello", {"subtype": "bot_message", "bot_id": "B1"}),
    ("X1", "U9", "hello from another team", {}),
)


def _at(index: int) -> float:
    return NOW + index * DAY


@pytest.fixture
def corpus(runner: asyncio.Runner, store: Store) -> dict[str, Message]:
    """Team T1: C1 and C2 public, G1 private (U1), D1 a DM (U1, U2); team T2: X1. The
    messages above, one day apart, by text."""
    runner.run(store.put_team(Team("T2", "Two", "two")))
    for conversation in (
        Conversation("C1", "T1", "general"),
        Conversation("C2", "T1", "random", is_archived=True),
        Conversation("G1", "T1", "secret", is_private=True),
        Conversation("D1", "T1", "D1", is_im=True, im_user="U2"),
        Conversation("X1", "T2", "elsewhere"),
    ):
        runner.run(store.put_conversation(conversation))
    runner.run(store.add_members("G1", ["U1"]))
    runner.run(store.add_members("D1", ["U1", "U2"]))
    runner.run(store.add_members("X1", ["U9"]))
    stored: dict[str, Message] = {}
    for index, (channel, user, text, declared) in enumerate(CORPUS):
        fields = dict(declared)
        if fields.get("thread_ts") == "PARENT":
            fields["thread_ts"] = stored["hello world"].ts
        team = "T2" if channel == "X1" else "T1"
        draft = Message(channel=channel, ts="", team_id=team, user=user, text=text, **fields)
        stored[text] = runner.run(store.insert_message(draft, _at(index)))
    return stored


def _query(raw: str = "", viewer: str = "U1", team: str = "T1", **fields: Any) -> MessageQuery:
    return MessageQuery(team_id=team, viewer=viewer, terms=parse_query(raw).terms, **fields)


def _texts(
    runner: asyncio.Runner, store: Store, query: MessageQuery, limit: int = 100
) -> list[str]:
    return [m.text for m in runner.run(store.search.search_messages(query, limit=limit))]


def _ts(corpus: dict[str, Message], text: str) -> str:
    return corpus[text].ts


# (case, query, expected texts, newest first); the same on both backends.
CASES: list[tuple[str, MessageQuery, list[str]]] = [
    (
        "a word, any case, in public channels, the member's private ones and DMs",
        _query("HELLO"),
        [
            "bot says hello",
            "hello alice, a direct word",
            "hello from the secret room",
            "Hello there, world-class people",
            "hello world",
        ],
    ),
    (
        "a non-member sees public channels only",
        _query("hello", viewer="U3"),
        ["bot says hello", "Hello there, world-class people", "hello world"],
    ),
    (
        "another team sees its own",
        _query("hello", viewer="U9", team="T2"),
        ["hello from another team"],
    ),
    (
        "every word, in any order",
        _query("world hello"),
        ["Hello there, world-class people", "hello world"],
    ),
    ("a quoted phrase in order", _query('"hello world"'), ["hello world"]),
    ("a phrase out of order", _query('"world hello"'), []),
    (
        "a word with punctuation is a phrase",
        _query("world-class"),
        ["Hello there, world-class people"],
    ),
    ("an email address", _query("alice@example.com"), ["alice@example.com wrote the café menu"]),
    (
        "a part of an address or a URL",
        _query("example"),
        [
            "alice@example.com wrote the café menu",
            "deployment done; see https://example.com/run/42",
        ],
    ),
    ("a number inside a URL", _query("42"), ["deployment done; see https://example.com/run/42"]),
    (
        "a prefix",
        _query("deplo*"),
        ["deployment done; see https://example.com/run/42", "deploy the thing on friday"],
    ),
    ("a whole word is not a prefix", _query("deplo"), []),
    ("excluded words", _query("hello -world -secret -bot"), ["hello alice, a direct word"]),
    (
        "an excluded phrase",
        _query('world -"hello world"'),
        ["a reply about the world", "Hello there, world-class people"],
    ),
    ("accents are kept", _query("café"), ["alice@example.com wrote the café menu"]),
    ("no accent, no match", _query("cafe"), []),
    ("non-ASCII case", _query("übermut straße"), ["Straße und Übermut"]),
    ("archived channels are searched", _query("friday"), ["deploy the thing on friday"]),
    ("system messages are not", _query("joined"), []),
    ("replies are", _query("reply"), ["a reply about the world"]),
    ("in: no conversation", _query("hello", channels=()), []),
    (
        "in: a conversation",
        _query("hello", channels=("C1",)),
        ["bot says hello", "Hello there, world-class people", "hello world"],
    ),
    ("in: a private one the viewer is not in", _query("hello", viewer="U2", channels=("G1",)), []),
    ("in: another team's", _query("hello", channels=("X1",)), []),
    (
        "from: users",
        _query("", users=("U2",)),
        [
            "a reply about the world",
            "hello alice, a direct word",
            "deploy the thing on friday",
            "Hello there, world-class people",
        ],
    ),
    ("from: nobody", _query("hello", users=()), []),
    ("in a thread", _query("world", thread_only=True), ["a reply about the world", "hello world"]),
    (
        "with a link",
        _query("", links_only=True),
        ["deployment done; see https://example.com/run/42"],
    ),
]


@pytest.mark.parametrize(("case", "query", "expected"), CASES, ids=[c[0] for c in CASES])
def test_every_query_case_answers_the_same(
    runner: asyncio.Runner,
    corpus: dict[str, Message],
    store: Store,
    case: str,
    query: MessageQuery,
    expected: list[str],
) -> None:
    assert _texts(runner, store, query) == expected, case


def test_time_bounds_are_inclusive_below_and_exclusive_above(
    runner: asyncio.Runner, corpus: dict[str, Message], store: Store
) -> None:
    oldest, before = (
        _ts(corpus, "deploy the thing on friday"),
        _ts(corpus, "hello alice, a direct word"),
    )
    query = _query("", oldest=oldest, before=before, users=("U1",))
    assert _texts(runner, store, query) == [
        "hello from the secret room",
        "deployment done; see https://example.com/run/42",
    ]
    assert _texts(runner, store, _query("hello", oldest=before, before=oldest)) == []


def test_the_limit_keeps_the_newest(
    runner: asyncio.Runner, corpus: dict[str, Message], store: Store
) -> None:
    assert _texts(runner, store, _query("hello"), limit=2) == [
        "bot says hello",
        "hello alice, a direct word",
    ]


def test_candidates_are_read_in_batches_until_enough_match(
    runner: asyncio.Runner,
    corpus: dict[str, Message],
    store: Store,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(search_part, "BATCH_ROWS", 2)
    # Every message is a candidate; the excluded word leaves a few per batch.
    assert _texts(runner, store, _query("-hello -world"), limit=3) == [
        "Straße und Übermut",
        "alice@example.com wrote the café menu",
        "deployment done; see https://example.com/run/42",
    ]
    monkeypatch.setattr(search_part, "MAX_SCANNED_ROWS", 3)
    assert _texts(runner, store, _query("-hello -world")) == ["Straße und Übermut"]


def test_the_index_follows_edits_and_deletes(
    runner: asyncio.Runner, corpus: dict[str, Message], store: Store
) -> None:
    edited = dataclasses.replace(corpus["hello world"], text="goodbye planet")
    assert runner.run(store.update_message(edited))
    assert "hello world" not in _texts(runner, store, _query("hello"))
    assert _texts(runner, store, _query("planet")) == ["goodbye planet"]
    runner.run(store.delete_message("C1", edited.ts))
    assert _texts(runner, store, _query("planet")) == []
    runner.run(store.clear())
    runner.run(store.put_team(Team("T1", "One", "one")))
    runner.run(store.put_conversation(Conversation("C1", "T1", "general")))
    runner.run(store.insert_message(Message("C1", "", "T1", "U1", "fresh start"), NOW))
    assert _texts(runner, store, _query("hello")) == []
    assert _texts(runner, store, _query("fresh")) == ["fresh start"]


def _unapply_0008(runner: asyncio.Runner, store: Store) -> None:
    """Put the database back as it was before migration 0008."""
    sql = cast(SqlRunner, store)  # every SQL store is its parts' runner
    if sql.dialect.name == "sqlite":
        for trigger in ("insert", "delete", "update"):
            runner.run(sql.execute(f"DROP TRIGGER messages_fts_{trigger}", []))
        runner.run(sql.execute("DROP TABLE messages_fts", []))
    else:
        runner.run(sql.execute("DROP INDEX messages_search", []))
    runner.run(sql.execute("DELETE FROM schema_migrations WHERE version = 8", []))


def test_the_migration_indexes_messages_stored_before_it(
    runner: asyncio.Runner, database_url: str, store: Store
) -> None:
    runner.run(store.put_conversation(Conversation("C1", "T1", "general")))
    _unapply_0008(runner, store)
    for index, text in enumerate(("older news", "old news")):
        runner.run(store.insert_message(Message("C1", "", "T1", "U1", text), _at(index)))
    reopened = open_store(database_url)
    try:
        runner.run(reopened.migrate())
        assert _texts(runner, reopened, _query("news")) == ["old news", "older news"]
        runner.run(reopened.insert_message(Message("C1", "", "T1", "U1", "new news"), _at(5)))
        assert _texts(runner, reopened, _query("news"))[0] == "new news"
    finally:
        runner.run(reopened.close())


def test_the_word_condition_is_answered_from_the_index(
    runner: asyncio.Runner, database_url: str, store: Store
) -> None:
    """FTS5's own index on SQLite, the GIN expression index on PostgreSQL (with sequential
    scans off, so the planner says whether it could use it): never a scan of every text."""
    if database_url.startswith("postgresql"):
        with psycopg.connect(database_url, autocommit=True) as connection:
            connection.execute("SET enable_seqscan = off")
            plan = connection.execute(
                "EXPLAIN SELECT 1 FROM messages m WHERE "
                f"{search_part.PG_DOCUMENT} @@ to_tsquery('simple', 'hello')"
            ).fetchall()
        assert any("messages_search" in line[0] for line in plan), plan
        return
    with closing(sqlite3.connect(database_url.removeprefix("sqlite:///"))) as connection:
        plan = connection.execute(
            "EXPLAIN QUERY PLAN SELECT m.ts FROM messages m WHERE m.rowid IN "
            "(SELECT rowid FROM messages_fts WHERE messages_fts MATCH ?)",
            [search_part.fts5_query([("hello", False)])],
        ).fetchall()
    assert any("messages_fts VIRTUAL TABLE INDEX" in line[-1] for line in plan), plan


# Letters with and without accents, other scripts, marks, digits, punctuation, symbols.
ALPHABET = list("abcXYZ019 _-.@/:;'\"<>|#&+~=?%!*()[]{},\\^`") + list(
    "éÜßçñøåÆΩπдЖ中文日本한ー\u0301\u00a0\u2014«»€©😀١３Ⅳİıǅ\ue000"
)
TEXTS = st.lists(st.text(st.sampled_from(ALPHABET), max_size=30), min_size=1, max_size=6)


def examples(database_url: str) -> int:
    """A fraction of the profile's examples: each one is several database round trips."""
    current = settings.default
    assert current is not None  # the profile loaded by tests/conftest.py
    return max(10, current.max_examples // (2 if database_url.startswith("sqlite") else 4))


def test_the_index_never_loses_a_match(
    runner: asyncio.Runner, database_url: str, store: Store
) -> None:
    counter = iter(range(1_000_000))

    @settings(max_examples=examples(database_url))
    @given(texts=TEXTS, data=st.data())
    def check(texts: list[str], data: st.DataObject) -> None:
        channel = f"C{next(counter)}"
        runner.run(store.put_conversation(Conversation(channel, "T1", channel.lower())))
        stored = [
            runner.run(store.insert_message(Message(channel, "", "T1", "U1", text), NOW))
            for text in texts
        ]
        source = data.draw(st.sampled_from(texts))
        pieces = source.split() or ["x"]
        raw = data.draw(st.sampled_from(pieces))
        if data.draw(st.booleans()) and len(raw) > 2:
            raw = raw[: len(raw) // 2] + "*"
        if data.draw(st.booleans()):
            raw = f'"{source}"'
        query = _query(raw, channels=(channel,))
        expected = [m.text for m in reversed(stored) if message_matches(query, m)]
        assert _texts(runner, store, query) == expected, (raw, texts)

    check()
