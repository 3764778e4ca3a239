"""The Store contract: every storage backend must pass this suite unchanged.

Each backend contributes one factory to ``STORE_FACTORIES``: given a fresh temporary
directory it yields the URL of an empty database that ``open_store`` understands, and
removes that database afterwards. Opening the URL twice must reach the same database (tests
reopen it and open two stores at once).
"""

from __future__ import annotations

import asyncio
import dataclasses
from collections.abc import Callable, Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager
from pathlib import Path
from typing import Any

import pytest

from slackline.domain.models import (
    Bot,
    Conversation,
    Message,
    Team,
    TeamState,
    Token,
    TokenType,
    User,
)
from slackline.domain.ts import ts_to_micros
from slackline.errors import StorageError
from slackline.storage import Store, open_store
from slackline.storage.base import ThreadSummary
from tests.helpers.postgres import postgres_schema

StoreFactory = Callable[[Path], AbstractContextManager[str]]
NOW = 1_700_000_000.0
ALL_KINDS = ("public_channel", "private_channel", "im", "mpim")
MAX_MICROS = 9_999_999_999_999_999


@contextmanager
def sqlite_database(tmp_path: Path) -> Iterator[str]:
    """A fresh SQLite file under tmp_path (removed with tmp_path)."""
    yield f"sqlite:///{tmp_path / 'contract.db'}"


@contextmanager
def postgres_database(tmp_path: Path) -> Iterator[str]:
    """A fresh schema of the shared PostgreSQL test database, dropped afterwards."""
    with postgres_schema() as url:
        yield url


STORE_FACTORIES = [
    pytest.param(sqlite_database, id="sqlite"),
    pytest.param(postgres_database, id="postgresql"),
]


@pytest.fixture(params=STORE_FACTORIES)
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """The URL of an empty database of the backend under test."""
    factory: StoreFactory = request.param
    with factory(tmp_path) as url:
        yield url


@pytest.fixture
def runner() -> Iterator[asyncio.Runner]:
    """One event loop for the whole test."""
    with asyncio.Runner() as loop_runner:
        yield loop_runner


@pytest.fixture
def store(database_url: str, runner: asyncio.Runner) -> Iterator[Store]:
    """A migrated store holding team T1, closed after the test."""
    opened = open_store(database_url)
    runner.run(opened.migrate())
    runner.run(opened.put_team(Team("T1", "One", "one")))
    yield opened
    runner.run(opened.close())


def _message(channel: str, text: str = "hello", **fields: Any) -> Message:
    return Message(channel=channel, ts="", team_id="T1", user="U1", text=text, **fields)


def _token(token_hash: str, team_id: str = "T1", **fields: Any) -> Token:
    base = Token(token_hash, team_id, "U1", TokenType.CLASSIC_BOT, ("identify", "bot:basic"))
    return dataclasses.replace(base, **fields)


def _channel(conversation_id: str, **fields: Any) -> Conversation:
    return Conversation(conversation_id, "T1", conversation_id.lower(), **fields)


def _visible_ids(
    runner: asyncio.Runner,
    store: Store,
    viewer: str,
    *,
    kinds: Sequence[str] = ALL_KINDS,
    exclude_archived: bool = False,
    after: str = "",
    limit: int = 100,
) -> list[str]:
    found = runner.run(
        store.list_conversations(
            "T1", kinds, viewer=viewer, exclude_archived=exclude_archived, after=after, limit=limit
        )
    )
    return [c.id for c in found]


@pytest.fixture
def conversations(runner: asyncio.Runner, store: Store) -> Store:
    """One conversation of each kind (plus an archived channel); U1 is in the closed ones."""
    for conversation in (
        _channel("C1"),
        _channel("C2", is_archived=True),
        _channel("G1", is_private=True),
        _channel("D1", is_im=True, im_user="U1"),
        _channel("M1", is_mpim=True, is_private=True),
    ):
        runner.run(store.put_conversation(conversation))
    for closed in ("G1", "D1", "M1"):
        runner.run(store.add_members(closed, ["U1"]))
    return store


# Clearing


def test_clearing_deletes_every_row_and_keeps_the_schema(
    runner: asyncio.Runner, conversations: Store
) -> None:
    store = conversations
    runner.run(store.put_user(User("U1", "T1", "one")))
    runner.run(store.put_token(_token("h1")))
    posted = runner.run(store.insert_message(_message("C1"), 1_700_000_000.0))
    runner.run(store.add_reaction("C1", posted.ts, "wave", "U1"))
    runner.run(store.clear())
    assert runner.run(store.list_teams()) == []
    assert runner.run(store.get_user("U1")) is None
    assert runner.run(store.get_token("h1")) is None
    assert runner.run(store.get_conversation("C1")) is None
    runner.run(store.put_team(Team("T1", "One", "one")))
    runner.run(store.put_conversation(_channel("C1")))
    assert runner.run(store.insert_message(_message("C1"), 1_700_000_001.0)).ts


# Teams


def test_a_stored_team_comes_back_with_every_field(runner: asyncio.Runner, store: Store) -> None:
    team = Team(
        "T2", "Two", "two", "E1", "Grid", TeamState.MIGRATING, True, True,
        ("10.0.0.0/8",), ("U9",), "two.example", 123,
    )  # fmt: skip
    runner.run(store.put_team(team))
    assert runner.run(store.get_team("T2")) == team


def test_an_unknown_team_is_none(runner: asyncio.Runner, store: Store) -> None:
    assert runner.run(store.get_team("T404")) is None


def test_putting_a_team_again_replaces_it(runner: asyncio.Runner, store: Store) -> None:
    runner.run(store.put_team(Team("T1", "Renamed", "one", state=TeamState.DELETED)))
    assert runner.run(store.get_team("T1")) == Team("T1", "Renamed", "one", state=TeamState.DELETED)


def test_replacing_a_team_keeps_its_users(runner: asyncio.Runner, store: Store) -> None:
    runner.run(store.put_user(User("U1", "T1", "alice")))
    runner.run(store.put_team(Team("T1", "Renamed", "one")))
    assert runner.run(store.get_user("U1")) == User("U1", "T1", "alice")


def test_teams_are_listed_in_id_order(runner: asyncio.Runner, store: Store) -> None:
    runner.run(store.put_team(Team("T3", "Three", "three")))
    runner.run(store.put_team(Team("T0", "Zero", "zero")))
    assert [t.id for t in runner.run(store.list_teams())] == ["T0", "T1", "T3"]


# Users


def test_a_stored_user_comes_back_with_every_field(runner: asyncio.Runner, store: Store) -> None:
    user = User(
        "U1", "T1", "alice", "Alice", True, True, True, "B1", True, True, "Europe/Paris",
        {"title": "Boss", "fields": {"a": 1}}, True, 42,
    )  # fmt: skip
    runner.run(store.put_user(user))
    assert runner.run(store.get_user("U1")) == user


def test_an_unknown_user_is_none(runner: asyncio.Runner, store: Store) -> None:
    assert runner.run(store.get_user("U404")) is None


def test_a_user_of_an_unknown_team_is_refused(runner: asyncio.Runner, store: Store) -> None:
    with pytest.raises(StorageError):
        runner.run(store.put_user(User("U1", "T404", "alice")))


def test_users_are_paged_by_id_after_the_last_one(runner: asyncio.Runner, store: Store) -> None:
    for user_id in ("U3", "U1", "U5", "U2", "U4"):
        runner.run(store.put_user(User(user_id, "T1", user_id.lower())))
    first = runner.run(store.list_users("T1", "", 2))
    second = runner.run(store.list_users("T1", first[-1].id, 2))
    third = runner.run(store.list_users("T1", second[-1].id, 2))
    assert [[u.id for u in page] for page in (first, second, third)] == [
        ["U1", "U2"], ["U3", "U4"], ["U5"],
    ]  # fmt: skip


def test_users_are_listed_for_their_team_only(runner: asyncio.Runner, store: Store) -> None:
    runner.run(store.put_team(Team("T2", "Two", "two")))
    runner.run(store.put_user(User("U1", "T1", "alice")))
    runner.run(store.put_user(User("U2", "T2", "bob")))
    assert [u.id for u in runner.run(store.list_users("T2", "", 10))] == ["U2"]


# Bots


def test_a_stored_bot_comes_back_with_every_field(runner: asyncio.Runner, store: Store) -> None:
    bot = Bot("B1", "T1", "UB1", "pybot", True, 7)
    runner.run(store.put_bot(bot))
    assert runner.run(store.get_bot("B1")) == bot


def test_an_unknown_bot_is_none(runner: asyncio.Runner, store: Store) -> None:
    assert runner.run(store.get_bot("B404")) is None


def test_bots_are_listed_for_their_team_in_id_order(runner: asyncio.Runner, store: Store) -> None:
    runner.run(store.put_team(Team("T2", "Two", "two")))
    for bot in (
        Bot("B2", "T1", "UB2", "b"),
        Bot("B1", "T1", "UB1", "a"),
        Bot("B3", "T2", "U", "c"),
    ):
        runner.run(store.put_bot(bot))
    assert [b.id for b in runner.run(store.list_bots("T1"))] == ["B1", "B2"]


# Conversations


def test_a_stored_conversation_comes_back_with_every_field(
    runner: asyncio.Runner, store: Store
) -> None:
    conversation = Conversation(
        "D1", "T1", "dm", True, True, False, True, True, "U1", 99, "topic", "purpose", "U2"
    )
    runner.run(store.put_conversation(conversation))
    assert runner.run(store.get_conversation("D1")) == conversation


def test_an_unknown_conversation_is_none(runner: asyncio.Runner, store: Store) -> None:
    assert runner.run(store.get_conversation("C404")) is None


def test_putting_a_conversation_again_updates_it(runner: asyncio.Runner, store: Store) -> None:
    runner.run(store.put_conversation(_channel("C1")))
    runner.run(store.put_conversation(_channel("C1", topic="new")))
    assert runner.run(store.get_conversation("C1")) == _channel("C1", topic="new")


def test_putting_a_conversation_again_keeps_its_members(
    runner: asyncio.Runner, store: Store
) -> None:
    runner.run(store.put_conversation(_channel("C1")))
    runner.run(store.add_members("C1", ["U1", "U2"]))
    runner.run(store.put_conversation(_channel("C1", topic="new")))
    assert runner.run(store.list_members("C1", "", 10)) == ["U1", "U2"]


def test_putting_a_conversation_again_keeps_its_messages(
    runner: asyncio.Runner, store: Store
) -> None:
    runner.run(store.put_conversation(_channel("C1")))
    stored = runner.run(store.insert_message(_message("C1"), NOW))
    runner.run(store.put_conversation(_channel("C1", topic="new")))
    assert runner.run(store.get_message("C1", stored.ts)) == stored


def test_putting_a_conversation_again_keeps_its_last_ts(
    runner: asyncio.Runner, store: Store
) -> None:
    runner.run(store.put_conversation(_channel("C1")))
    first = runner.run(store.insert_message(_message("C1"), NOW))
    runner.run(store.put_conversation(_channel("C1", topic="new")))
    second = runner.run(store.insert_message(_message("C1"), NOW - 100))
    assert ts_to_micros(second.ts) == ts_to_micros(first.ts) + 1


def test_public_channels_are_listed_for_non_members(
    runner: asyncio.Runner, conversations: Store
) -> None:
    assert _visible_ids(runner, conversations, "U2") == ["C1", "C2"]


def test_closed_conversations_are_listed_for_their_members(
    runner: asyncio.Runner, conversations: Store
) -> None:
    assert _visible_ids(runner, conversations, "U1") == ["C1", "C2", "D1", "G1", "M1"]


@pytest.mark.parametrize(
    ("kind", "expected"),
    [
        ("public_channel", ["C1", "C2"]),
        ("private_channel", ["G1"]),
        ("im", ["D1"]),
        ("mpim", ["M1"]),
    ],
)
def test_conversations_are_filtered_by_kind(
    runner: asyncio.Runner, conversations: Store, kind: str, expected: list[str]
) -> None:
    assert _visible_ids(runner, conversations, "U1", kinds=(kind,)) == expected


def test_no_kinds_lists_no_conversations(runner: asyncio.Runner, conversations: Store) -> None:
    assert _visible_ids(runner, conversations, "U1", kinds=()) == []


def test_archived_conversations_can_be_excluded(
    runner: asyncio.Runner, conversations: Store
) -> None:
    assert _visible_ids(runner, conversations, "U2", exclude_archived=True) == ["C1"]


def test_conversations_are_paged_by_id_after_the_last_one(
    runner: asyncio.Runner, conversations: Store
) -> None:
    assert _visible_ids(runner, conversations, "U1", after="C2", limit=2) == ["D1", "G1"]


def test_conversations_are_listed_for_their_team_only(
    runner: asyncio.Runner, conversations: Store
) -> None:
    runner.run(conversations.put_team(Team("T2", "Two", "two")))
    runner.run(conversations.put_conversation(Conversation("C9", "T2", "elsewhere")))
    assert "C9" not in _visible_ids(runner, conversations, "U1")


# Members


def test_adding_members_returns_only_the_new_ones(runner: asyncio.Runner, store: Store) -> None:
    runner.run(store.put_conversation(_channel("C1")))
    runner.run(store.add_members("C1", ["U1"]))
    assert runner.run(store.add_members("C1", ["U1", "U2", "U3"])) == ["U2", "U3"]


def test_a_member_is_a_member(runner: asyncio.Runner, store: Store) -> None:
    runner.run(store.put_conversation(_channel("C1")))
    runner.run(store.add_members("C1", ["U1"]))
    assert runner.run(store.is_member("C1", "U1")) is True
    assert runner.run(store.is_member("C1", "U2")) is False


def test_removing_a_member_says_whether_it_was_one(runner: asyncio.Runner, store: Store) -> None:
    runner.run(store.put_conversation(_channel("C1")))
    runner.run(store.add_members("C1", ["U1"]))
    assert runner.run(store.remove_member("C1", "U1")) is True
    assert runner.run(store.remove_member("C1", "U1")) is False
    assert runner.run(store.is_member("C1", "U1")) is False


def test_members_are_paged_by_id_after_the_last_one(runner: asyncio.Runner, store: Store) -> None:
    runner.run(store.put_conversation(_channel("C1")))
    runner.run(store.add_members("C1", ["U3", "U1", "U2"]))
    first = runner.run(store.list_members("C1", "", 2))
    assert (first, runner.run(store.list_members("C1", first[-1], 2))) == (["U1", "U2"], ["U3"])


def test_members_are_counted(runner: asyncio.Runner, store: Store) -> None:
    runner.run(store.put_conversation(_channel("C1")))
    runner.run(store.add_members("C1", ["U1", "U2", "U3"]))
    runner.run(store.remove_member("C1", "U2"))
    assert runner.run(store.count_members("C1")) == 2


# Tokens


def test_a_token_is_found_by_its_hash_with_every_field(
    runner: asyncio.Runner, store: Store
) -> None:
    token = Token(
        "h1", "T1", "U1", TokenType.USER, ("client", "chat:write"), True, 1.5e9,
        ("10.0.0.0/8",), True, 11,
    )  # fmt: skip
    runner.run(store.put_token(token))
    assert runner.run(store.get_token("h1")) == token


def test_an_unknown_token_hash_is_none(runner: asyncio.Runner, store: Store) -> None:
    assert runner.run(store.get_token("nope")) is None


def test_putting_a_token_again_replaces_it(runner: asyncio.Runner, store: Store) -> None:
    runner.run(store.put_token(_token("h1")))
    runner.run(store.put_token(_token("h1", revoked=True)))
    assert runner.run(store.get_token("h1")) == _token("h1", revoked=True)


def test_tokens_are_listed_for_their_team_only(runner: asyncio.Runner, store: Store) -> None:
    runner.run(store.put_team(Team("T2", "Two", "two")))
    for token in (_token("h1"), _token("h2", created=5), _token("h3", team_id="T2")):
        runner.run(store.put_token(token))
    assert [t.hash for t in runner.run(store.list_tokens("T1"))] == ["h1", "h2"]


# Messages


def test_a_new_message_gets_the_current_time_as_ts(runner: asyncio.Runner, store: Store) -> None:
    runner.run(store.put_conversation(_channel("C1")))
    stored = runner.run(store.insert_message(_message("C1"), NOW))
    assert stored.ts == "1700000000.000000"


def test_the_ts_given_with_a_new_message_is_ignored(runner: asyncio.Runner, store: Store) -> None:
    runner.run(store.put_conversation(_channel("C1")))
    draft = Message("C1", "0000000001.000000", "T1", "U1", "hello")
    assert runner.run(store.insert_message(draft, NOW)).ts == "1700000000.000000"


def test_a_stored_message_comes_back_with_every_field(runner: asyncio.Runner, store: Store) -> None:
    runner.run(store.put_conversation(_channel("C1")))
    draft = _message(
        "C1",
        "hi",
        bot_id="B1",
        subtype="bot_message",
        thread_ts="1600000000.000001",
        edited={"user": "U1", "ts": "1600000000.000002"},
        extra={"blocks": [{"type": "divider"}]},
    )
    stored = runner.run(store.insert_message(draft, NOW))
    assert runner.run(store.get_message("C1", stored.ts)) == stored


def test_an_unknown_message_is_none(runner: asyncio.Runner, store: Store) -> None:
    runner.run(store.put_conversation(_channel("C1")))
    assert runner.run(store.get_message("C1", "1700000000.000000")) is None


def test_ts_keeps_increasing_when_the_clock_goes_backwards(
    runner: asyncio.Runner, store: Store
) -> None:
    runner.run(store.put_conversation(_channel("C1")))
    stamps = [runner.run(store.insert_message(_message("C1"), NOW - i)).ts for i in range(5)]
    assert [ts_to_micros(ts) for ts in stamps] == [int(NOW * 1e6) + i for i in range(5)]


def test_concurrent_inserts_get_distinct_increasing_ts(
    runner: asyncio.Runner, store: Store
) -> None:
    runner.run(store.put_conversation(_channel("C1")))

    async def insert_many() -> list[Message]:
        drafts = [_message("C1", str(i)) for i in range(50)]
        return list(await asyncio.gather(*(store.insert_message(d, NOW) for d in drafts)))

    stamps = [m.ts for m in runner.run(insert_many())]
    assert len(set(stamps)) == 50
    assert sorted(stamps) == sorted(stamps, key=ts_to_micros)


def test_concurrent_inserts_through_two_stores_get_distinct_ts(
    runner: asyncio.Runner, store: Store, database_url: str
) -> None:
    runner.run(store.put_conversation(_channel("C1")))
    other = open_store(database_url)

    async def insert_from_both() -> list[Message]:
        inserts = [s.insert_message(_message("C1"), NOW) for s in (store, other) * 25]
        return list(await asyncio.gather(*inserts))

    try:
        stamps = {m.ts for m in runner.run(insert_from_both())}
    finally:
        runner.run(other.close())
    assert len(stamps) == 50


def test_each_conversation_has_its_own_ts_sequence(runner: asyncio.Runner, store: Store) -> None:
    runner.run(store.put_conversation(_channel("C1")))
    runner.run(store.put_conversation(_channel("C2")))
    runner.run(store.insert_message(_message("C1"), NOW + 10))
    assert runner.run(store.insert_message(_message("C2"), NOW)).ts == "1700000000.000000"


def test_a_message_for_an_unknown_conversation_is_refused(
    runner: asyncio.Runner, store: Store
) -> None:
    with pytest.raises(StorageError):
        runner.run(store.insert_message(_message("C404"), NOW))


@pytest.fixture
def history(runner: asyncio.Runner, store: Store) -> list[str]:
    """Five messages in C1 at NOW, NOW+1, ... NOW+4; their ts oldest first."""
    runner.run(store.put_conversation(_channel("C1")))
    return [runner.run(store.insert_message(_message("C1", str(i)), NOW + i)).ts for i in range(5)]


def _history(
    runner: asyncio.Runner,
    store: Store,
    *,
    oldest: int = 0,
    latest: int = MAX_MICROS,
    inclusive: bool = False,
    limit: int = 100,
) -> list[str]:
    found = runner.run(
        store.list_messages(
            "C1", oldest_micros=oldest, latest_micros=latest, inclusive=inclusive, limit=limit
        )
    )
    return [m.ts for m in found]


def test_messages_are_listed_newest_first(
    runner: asyncio.Runner, store: Store, history: list[str]
) -> None:
    assert _history(runner, store) == history[::-1]


def test_exclusive_ranges_leave_out_both_ends(
    runner: asyncio.Runner, store: Store, history: list[str]
) -> None:
    oldest, latest = ts_to_micros(history[1]), ts_to_micros(history[3])
    assert _history(runner, store, oldest=oldest, latest=latest) == [history[2]]


def test_inclusive_ranges_keep_both_ends(
    runner: asyncio.Runner, store: Store, history: list[str]
) -> None:
    oldest, latest = ts_to_micros(history[1]), ts_to_micros(history[3])
    assert _history(runner, store, oldest=oldest, latest=latest, inclusive=True) == history[3:0:-1]


def test_a_limit_keeps_the_newest_messages(
    runner: asyncio.Runner, store: Store, history: list[str]
) -> None:
    assert _history(runner, store, limit=2) == [history[4], history[3]]


def test_a_latest_beyond_the_ts_range_still_finds_messages(
    runner: asyncio.Runner, store: Store, history: list[str]
) -> None:
    assert _history(runner, store, latest=10**20, limit=1) == [history[4]]


# Migrations and durability


def test_migrating_again_changes_nothing(runner: asyncio.Runner, store: Store) -> None:
    runner.run(store.migrate())
    assert runner.run(store.get_team("T1")) == Team("T1", "One", "one")


def test_two_stores_can_migrate_the_same_database_at_once(
    runner: asyncio.Runner, database_url: str
) -> None:
    first, second = open_store(database_url), open_store(database_url)

    async def migrate_both() -> None:
        try:
            await asyncio.gather(first.migrate(), second.migrate())
            await first.put_team(Team("T1", "One", "one"))
            assert await second.get_team("T1") == Team("T1", "One", "one")
        finally:
            await first.close()
            await second.close()

    runner.run(migrate_both())


def test_a_committed_message_survives_closing_and_reopening(
    runner: asyncio.Runner, store: Store, database_url: str
) -> None:
    runner.run(store.put_conversation(_channel("C1")))
    stored = runner.run(store.insert_message(_message("C1"), NOW))
    runner.run(store.close())
    reopened = open_store(database_url)
    try:
        assert runner.run(reopened.get_message("C1", stored.ts)) == stored
    finally:
        runner.run(reopened.close())


# Edits, deletions, threads and reactions


def _posted(runner: asyncio.Runner, store: Store, channel: str = "C1", **fields: Any) -> Message:
    if runner.run(store.get_conversation(channel)) is None:
        runner.run(store.put_conversation(_channel(channel)))
    draft = Message(
        **{"channel": channel, "ts": "", "team_id": "T1", "user": "U1", "text": "hello", **fields}
    )
    return runner.run(store.insert_message(draft, NOW))


def test_an_updated_message_comes_back_changed(runner: asyncio.Runner, store: Store) -> None:
    stored = _posted(runner, store)
    edited = dataclasses.replace(
        stored, text="changed", edited={"user": "U1", "ts": "1700000001.000000"}
    )
    assert runner.run(store.update_message(edited)) is True
    assert runner.run(store.get_message("C1", stored.ts)) == edited


def test_updating_a_missing_message_says_so(runner: asyncio.Runner, store: Store) -> None:
    runner.run(store.put_conversation(_channel("C1")))
    ghost = Message("C1", "1700000000.000000", "T1", "U1", "ghost")
    assert runner.run(store.update_message(ghost)) is False


def test_updating_a_message_keeps_its_reactions(runner: asyncio.Runner, store: Store) -> None:
    stored = _posted(runner, store)
    runner.run(store.add_reaction("C1", stored.ts, "tada", "U2"))
    runner.run(store.update_message(dataclasses.replace(stored, text="changed")))
    found = runner.run(store.get_message("C1", stored.ts))
    assert found is not None and found.extra["reactions"][0]["users"] == ["U2"]


def test_a_deleted_message_is_returned_and_gone(runner: asyncio.Runner, store: Store) -> None:
    stored = _posted(runner, store)
    assert runner.run(store.delete_message("C1", stored.ts)) == stored
    assert runner.run(store.get_message("C1", stored.ts)) is None


def test_deleting_a_missing_message_is_none(runner: asyncio.Runner, store: Store) -> None:
    runner.run(store.put_conversation(_channel("C1")))
    assert runner.run(store.delete_message("C1", "1700000000.000000")) is None


def test_deleting_a_message_deletes_its_reactions(runner: asyncio.Runner, store: Store) -> None:
    stored = _posted(runner, store)
    runner.run(store.add_reaction("C1", stored.ts, "tada", "U2"))
    runner.run(store.delete_message("C1", stored.ts))
    assert runner.run(store.remove_reaction("C1", stored.ts, "tada", "U2")) is False


def test_reactions_are_summarised_per_name_in_the_order_added(
    runner: asyncio.Runner, store: Store
) -> None:
    stored = _posted(runner, store)
    for name, user in (("tada", "U2"), ("eyes", "U1"), ("tada", "U1")):
        assert runner.run(store.add_reaction("C1", stored.ts, name, user)) is True
    found = runner.run(store.get_message("C1", stored.ts))
    assert found is not None and found.extra["reactions"] == [
        {"name": "tada", "users": ["U2", "U1"], "count": 2},
        {"name": "eyes", "users": ["U1"], "count": 1},
    ]


def test_reacting_twice_with_the_same_name_is_refused(runner: asyncio.Runner, store: Store) -> None:
    stored = _posted(runner, store)
    runner.run(store.add_reaction("C1", stored.ts, "tada", "U2"))
    assert runner.run(store.add_reaction("C1", stored.ts, "tada", "U2")) is False


def test_reacting_to_a_missing_message_is_refused(runner: asyncio.Runner, store: Store) -> None:
    runner.run(store.put_conversation(_channel("C1")))
    assert runner.run(store.add_reaction("C1", "1700000000.000000", "tada", "U2")) is False


def test_removing_a_reaction_says_whether_there_was_one(
    runner: asyncio.Runner, store: Store
) -> None:
    stored = _posted(runner, store)
    runner.run(store.add_reaction("C1", stored.ts, "tada", "U2"))
    assert runner.run(store.remove_reaction("C1", stored.ts, "tada", "U2")) is True
    assert runner.run(store.remove_reaction("C1", stored.ts, "tada", "U2")) is False
    found = runner.run(store.get_message("C1", stored.ts))
    assert found is not None and "reactions" not in found.extra


def test_listed_messages_carry_their_reactions(runner: asyncio.Runner, store: Store) -> None:
    first = _posted(runner, store, text="one")
    _posted(runner, store, text="two")
    runner.run(store.add_reaction("C1", first.ts, "eyes", "U2"))
    listed = runner.run(
        store.list_messages(
            "C1", oldest_micros=0, latest_micros=MAX_MICROS, inclusive=True, limit=10
        )
    )
    assert [m.extra.get("reactions", []) for m in listed] == [
        [],
        [{"name": "eyes", "users": ["U2"], "count": 1}],
    ]


def test_a_thread_lists_its_parent_then_its_replies_oldest_first(
    runner: asyncio.Runner, store: Store
) -> None:
    parent = _posted(runner, store, text="parent")
    _posted(runner, store, text="elsewhere")
    replies = [_posted(runner, store, text=f"r{n}", thread_ts=parent.ts) for n in range(3)]
    thread = runner.run(store.list_thread("C1", parent.ts, after="", limit=10))
    assert [m.text for m in thread] == ["parent", "r0", "r1", "r2"]
    page = runner.run(store.list_thread("C1", parent.ts, after=replies[0].ts, limit=1))
    assert [m.text for m in page] == ["r1"]


def test_a_thread_summary_counts_replies_and_repliers(runner: asyncio.Runner, store: Store) -> None:
    parent = _posted(runner, store, text="parent")
    _posted(runner, store, text="a", thread_ts=parent.ts, user="U2")
    _posted(runner, store, text="b", thread_ts=parent.ts, user="U3")
    last = _posted(runner, store, text="c", thread_ts=parent.ts, user="U2")
    summary = runner.run(store.thread_summary("C1", parent.ts))
    assert summary == ThreadSummary(3, ["U2", "U3"], last.ts)


def test_a_message_without_replies_has_an_empty_summary(
    runner: asyncio.Runner, store: Store
) -> None:
    parent = _posted(runner, store)
    assert runner.run(store.thread_summary("C1", parent.ts)) == ThreadSummary()


def test_a_channel_is_found_by_name_within_its_team(runner: asyncio.Runner, store: Store) -> None:
    runner.run(store.put_team(Team("T2", "Two", "two")))
    runner.run(store.put_conversation(_channel("C1")))
    runner.run(store.put_conversation(Conversation("C2", "T2", "other")))
    found = runner.run(store.find_channel_by_name("T1", "c1"))
    assert found is not None and found.id == "C1"
    assert runner.run(store.find_channel_by_name("T1", "other")) is None


def test_dms_are_not_found_by_name(runner: asyncio.Runner, store: Store) -> None:
    runner.run(store.put_conversation(_channel("D1", is_im=True, im_user="U1")))
    assert runner.run(store.find_channel_by_name("T1", "d1")) is None


def test_a_dm_is_found_by_its_two_members_in_either_order(
    runner: asyncio.Runner, store: Store
) -> None:
    runner.run(store.put_conversation(_channel("D1", is_im=True, im_user="U2")))
    runner.run(store.add_members("D1", ["U1", "U2"]))
    for pair in (("U1", "U2"), ("U2", "U1")):
        found = runner.run(store.find_im("T1", *pair))
        assert found is not None and found.id == "D1"
    assert runner.run(store.find_im("T1", "U1", "U3")) is None


def test_a_self_dm_is_found_by_its_one_member(runner: asyncio.Runner, store: Store) -> None:
    runner.run(store.put_conversation(_channel("D1", is_im=True, im_user="U1")))
    runner.run(store.add_members("D1", ["U1", "U2"]))
    runner.run(store.put_conversation(_channel("D2", is_im=True, im_user="U1")))
    runner.run(store.add_members("D2", ["U1"]))
    found = runner.run(store.find_im("T1", "U1", "U1"))
    assert found is not None and found.id == "D2"
