"""The pins part of the Store contract (storage/pins.py), on SQLite and PostgreSQL: one pin per
message, the newest pin first, nothing pinned for a message that is gone."""

from __future__ import annotations

import asyncio

import pytest

from slackline.domain.models import Conversation, Message
from slackline.domain.pins import Pin
from slackline.storage import Store
from tests.storage.test_contract import database_url, runner, store

__all__ = ["database_url", "runner", "store"]  # the contract suite's fixtures, reused
NOW = 1_700_000_000.0


def _post(runner: asyncio.Runner, store: Store, channel: str = "C1", at: float = NOW) -> str:
    draft = Message(channel=channel, ts="", team_id="T1", user="U1", text="pin me")
    return runner.run(store.insert_message(draft, at)).ts


@pytest.fixture
def room(runner: asyncio.Runner, store: Store) -> Store:
    """Conversations C1 and C2 of team T1."""
    for conversation in (Conversation("C1", "T1", "one"), Conversation("C2", "T1", "two")):
        runner.run(store.put_conversation(conversation))
    return store


def _pin(channel: str, ts: str, created: int = 1) -> Pin:
    return Pin(channel, ts, "T1", "U2", created)


def test_a_pin_is_stored_and_read_back(runner: asyncio.Runner, room: Store) -> None:
    ts = _post(runner, room)
    assert runner.run(room.pins.add_pin(_pin("C1", ts, 42))) is True
    assert runner.run(room.pins.get_pin("C1", ts)) == Pin("C1", ts, "T1", "U2", 42)
    assert runner.run(room.pins.list_pins("C1")) == [Pin("C1", ts, "T1", "U2", 42)]


def test_a_message_is_pinned_once(runner: asyncio.Runner, room: Store) -> None:
    ts = _post(runner, room)
    assert runner.run(room.pins.add_pin(_pin("C1", ts))) is True
    assert runner.run(room.pins.add_pin(_pin("C1", ts, 2))) is False
    assert [p.created for p in runner.run(room.pins.list_pins("C1"))] == [1]


def test_a_missing_message_cannot_be_pinned(runner: asyncio.Runner, room: Store) -> None:
    assert runner.run(room.pins.add_pin(_pin("C1", "1.000001"))) is False
    ts = _post(runner, room, "C2")
    assert runner.run(room.pins.add_pin(_pin("C1", ts))) is False
    assert runner.run(room.pins.list_pins("C1")) == []


def test_pins_are_listed_newest_pin_first_per_conversation(
    runner: asyncio.Runner, room: Store
) -> None:
    older, newer = _post(runner, room, at=NOW), _post(runner, room, at=NOW + 1)
    other = _post(runner, room, "C2")
    for channel, ts in (("C1", newer), ("C2", other), ("C1", older)):
        runner.run(room.pins.add_pin(_pin(channel, ts)))
    assert [p.ts for p in runner.run(room.pins.list_pins("C1"))] == [older, newer]
    assert [p.ts for p in runner.run(room.pins.list_pins("C2"))] == [other]


def test_removing_a_pin_says_whether_there_was_one(runner: asyncio.Runner, room: Store) -> None:
    ts = _post(runner, room)
    runner.run(room.pins.add_pin(_pin("C1", ts)))
    assert runner.run(room.pins.remove_pin("C1", ts)) is True
    assert runner.run(room.pins.remove_pin("C1", ts)) is False
    assert runner.run(room.pins.get_pin("C1", ts)) is None


def test_a_deleted_messages_pin_is_gone(runner: asyncio.Runner, room: Store) -> None:
    ts = _post(runner, room)
    runner.run(room.pins.add_pin(_pin("C1", ts)))
    runner.run(room.delete_message("C1", ts))
    assert runner.run(room.pins.get_pin("C1", ts)) is None
    assert runner.run(room.pins.list_pins("C1")) == []
