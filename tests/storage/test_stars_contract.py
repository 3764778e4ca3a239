"""The stars part of the Store contract (storage/stars.py), on SQLite and PostgreSQL: one star
per user and item, the newest first with a keyset, stars of deleted messages left out, and the
messages a user reacted to (``reactions.list``), by their latest reaction."""

from __future__ import annotations

import asyncio

import pytest

from slackline.domain.models import Conversation, Message, Team
from slackline.domain.stars import Star
from slackline.storage import Store
from slackline.storage.stars import NO_SEQ_LIMIT
from tests.storage.test_contract import database_url, runner, store

__all__ = ["database_url", "runner", "store"]  # the contract suite's fixtures, reused
NOW = 1_700_000_000.0


def _post(runner: asyncio.Runner, store: Store, channel: str = "C1", team: str = "T1") -> str:
    draft = Message(channel=channel, ts="", team_id=team, user="U1", text="star me")
    return runner.run(store.insert_message(draft, NOW)).ts


@pytest.fixture
def room(runner: asyncio.Runner, store: Store) -> Store:
    """C1 and C2 of team T1, X1 of team T2."""
    runner.run(store.put_team(Team("T2", "Two", "two")))
    for conversation in (
        Conversation("C1", "T1", "one"),
        Conversation("C2", "T1", "two"),
        Conversation("X1", "T2", "elsewhere"),
    ):
        runner.run(store.put_conversation(conversation))
    return store


def _star(channel: str, ts: str = "", user: str = "U1") -> Star:
    return Star(user, "T1", channel, ts, 7)


def _listed(runner: asyncio.Runner, store: Store, user: str = "U1", **page: int) -> list[str]:
    before, limit = page.get("before", NO_SEQ_LIMIT), page.get("limit", 100)
    stars = runner.run(store.stars.list_stars(user, before_seq=before, limit=limit))
    return [f"{s.channel}/{s.ts}" for s in stars]


def test_a_star_is_stored_with_its_seq(runner: asyncio.Runner, room: Store) -> None:
    ts = _post(runner, room)
    stored = runner.run(room.stars.add_star(_star("C1", ts)))
    assert stored is not None and stored.seq > 0
    assert (stored.user_id, stored.channel, stored.ts, stored.created) == ("U1", "C1", ts, 7)
    assert runner.run(room.stars.get_star("U1", "C1", ts)) == stored


def test_an_item_is_starred_once_per_user(runner: asyncio.Runner, room: Store) -> None:
    assert runner.run(room.stars.add_star(_star("C1"))) is not None
    assert runner.run(room.stars.add_star(_star("C1"))) is None
    assert runner.run(room.stars.add_star(_star("C1", user="U2"))) is not None


def test_a_conversation_and_its_message_are_different_items(
    runner: asyncio.Runner, room: Store
) -> None:
    ts = _post(runner, room)
    runner.run(room.stars.add_star(_star("C1")))
    runner.run(room.stars.add_star(_star("C1", ts)))
    assert _listed(runner, room) == [f"C1/{ts}", "C1/"]


def test_stars_page_newest_first_below_a_seq(runner: asyncio.Runner, room: Store) -> None:
    for channel in ("C1", "C2", "X1"):
        runner.run(room.stars.add_star(_star(channel)))
    first = runner.run(room.stars.list_stars("U1", before_seq=NO_SEQ_LIMIT, limit=2))
    assert [s.channel for s in first] == ["X1", "C2"]
    assert _listed(runner, room, before=first[-1].seq) == ["C1/"]


def test_removing_a_star_says_whether_there_was_one(runner: asyncio.Runner, room: Store) -> None:
    runner.run(room.stars.add_star(_star("C1")))
    assert runner.run(room.stars.remove_star("U1", "C1", "")) is True
    assert runner.run(room.stars.remove_star("U1", "C1", "")) is False
    assert _listed(runner, room) == []


def test_a_deleted_messages_star_is_not_listed(runner: asyncio.Runner, room: Store) -> None:
    ts = _post(runner, room)
    runner.run(room.stars.add_star(_star("C1", ts)))
    runner.run(room.delete_message("C1", ts))
    assert _listed(runner, room) == []


def test_reacted_messages_by_latest_reaction_of_the_team(
    runner: asyncio.Runner, room: Store
) -> None:
    first, second = _post(runner, room), _post(runner, room, "C2")
    elsewhere = _post(runner, room, "X1", "T2")
    for channel, ts, name in (
        ("C1", first, "tada"),
        ("C2", second, "tada"),
        ("X1", elsewhere, "tada"),
        ("C1", first, "eyes"),
    ):
        runner.run(room.add_reaction(channel, ts, name, "U2"))
    runner.run(room.add_reaction("C2", second, "tada", "U3"))
    found = runner.run(room.stars.reacted_messages("T1", "U2", before_seq=NO_SEQ_LIMIT, limit=10))
    assert [(r.channel, r.ts) for r in found] == [("C1", first), ("C2", second)]
    below = runner.run(room.stars.reacted_messages("T1", "U2", before_seq=found[0].seq, limit=10))
    assert [(r.channel, r.ts) for r in below] == [("C2", second)]
