"""The read-state part of the Store contract (storage/read_state.py), on SQLite and PostgreSQL,
and the conversation columns of migration 0004 (who set a topic or purpose, and when)."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from slackline.domain.models import Conversation, Message
from slackline.domain.read_state import NO_READ_TS, ReadState
from slackline.storage import Store
from tests.storage.test_contract import database_url, runner, store

__all__ = ["database_url", "runner", "store"]  # the contract suite's fixtures, reused
NOW = 1_700_000_000.0


def _post(runner: asyncio.Runner, store: Store, channel: str, user: str, **fields: Any) -> str:
    draft = Message(channel=channel, ts="", team_id="T1", user=user, text="hi", **fields)
    return runner.run(store.insert_message(draft, NOW)).ts


@pytest.fixture
def room(runner: asyncio.Runner, store: Store) -> Store:
    """C1 with members U1 and U2; D1 (U1, U2); G1 private with U2 only; M1 (U1, U2, U3)."""
    for conversation in (
        Conversation("C1", "T1", "one"),
        Conversation("C2", "T1", "two", is_archived=True),
        Conversation("D1", "T1", "U2", is_im=True, im_user="U2"),
        Conversation("G1", "T1", "secret", is_private=True),
        Conversation("M1", "T1", "mpdm-1", is_mpim=True, is_private=True),
    ):
        runner.run(store.put_conversation(conversation))
    for conversation_id, members in (
        ("C1", ["U1", "U2"]),
        ("C2", ["U1", "U2"]),
        ("D1", ["U1", "U2"]),
        ("G1", ["U2"]),
        ("M1", ["U1", "U2", "U3"]),
    ):
        runner.run(store.add_members(conversation_id, members))
    return store


def _state(runner: asyncio.Runner, store: Store, channel: str = "C1") -> ReadState | None:
    return runner.run(store.read_state.state(channel, "U1"))


def test_a_member_who_never_marked_has_read_nothing_and_is_open(
    runner: asyncio.Runner, room: Store
) -> None:
    _post(runner, room, "C1", "U2")
    _post(runner, room, "C1", "U2")
    assert _state(runner, room) == ReadState(NO_READ_TS, True, 2, 2, 0)


def test_a_non_member_has_no_read_state(runner: asyncio.Runner, room: Store) -> None:
    assert _state(runner, room, "G1") is None


def test_marking_moves_the_marker_and_the_counts_follow(
    runner: asyncio.Runner, room: Store
) -> None:
    first = _post(runner, room, "C1", "U2")
    _post(runner, room, "C1", "U2")
    runner.run(room.read_state.mark("C1", "U1", first))
    assert _state(runner, room) == ReadState(first, True, 1, 1, 0)
    runner.run(room.read_state.mark("C1", "U1", NO_READ_TS))
    state = _state(runner, room)
    assert state is not None and (state.last_read, state.unread_count) == (NO_READ_TS, 2)


def test_own_replies_and_hidden_messages_are_not_unread(
    runner: asyncio.Runner, room: Store
) -> None:
    parent = _post(runner, room, "C1", "U1")
    _post(runner, room, "C1", "U2", thread_ts=parent)
    _post(runner, room, "C1", "U2", extra={"hidden": True})
    _post(runner, room, "C1", "U2", thread_ts=parent, subtype="thread_broadcast")
    state = _state(runner, room)
    assert state is not None and state.unread_count == 1


def test_system_messages_count_but_are_not_displayed(runner: asyncio.Runner, room: Store) -> None:
    _post(runner, room, "C1", "U2", subtype="channel_join")
    _post(runner, room, "C1", "U2", subtype="bot_message")
    state = _state(runner, room)
    assert state is not None and (state.unread_count, state.unread_count_display) == (2, 1)


def test_mentions_of_the_member_are_counted(runner: asyncio.Runner, room: Store) -> None:
    for text in ("hey <@U1>", "hey <@U1|one>", "hey <@U2>", "hey U1"):
        draft = Message(channel="C1", ts="", team_id="T1", user="U2", text=text)
        runner.run(room.insert_message(draft, NOW))
    state = _state(runner, room)
    assert state is not None and (state.unread_count, state.mention_count) == (4, 2)


def test_states_of_lists_every_conversation_of_the_member(
    runner: asyncio.Runner, room: Store
) -> None:
    _post(runner, room, "D1", "U2")
    states = runner.run(room.read_state.states_of("U1"))
    assert sorted(states) == ["C1", "C2", "D1", "M1"]
    assert states["D1"].unread_count == 1 and states["C1"].unread_count == 0


def test_closing_and_opening_say_whether_anything_changed(
    runner: asyncio.Runner, room: Store
) -> None:
    read_state = room.read_state
    assert runner.run(read_state.set_open("D1", "U1", is_open=True)) is False
    assert runner.run(read_state.set_open("D1", "U1", is_open=False)) is True
    assert runner.run(read_state.set_open("D1", "U1", is_open=False)) is False
    assert runner.run(read_state.closed_of("U1")) == frozenset({"D1"})
    state = _state(runner, room, "D1")
    assert state is not None and state.is_open is False
    assert runner.run(read_state.set_open("D1", "U1", is_open=True)) is True
    assert runner.run(read_state.closed_of("U1")) == frozenset()


def test_closing_keeps_the_marker_and_marking_keeps_closed(
    runner: asyncio.Runner, room: Store
) -> None:
    ts = _post(runner, room, "D1", "U2")
    runner.run(room.read_state.mark("D1", "U1", ts))
    runner.run(room.read_state.set_open("D1", "U1", is_open=False))
    runner.run(room.read_state.mark("D1", "U1", ts))
    assert _state(runner, room, "D1") == ReadState(ts, False, 0, 0, 0)


def _conversations_of(
    runner: asyncio.Runner, store: Store, user: str, viewer: str, **options: Any
) -> list[str]:
    kinds = options.pop("kinds", ("public_channel", "private_channel", "im", "mpim"))
    found = runner.run(
        store.read_state.conversations_of(
            "T1",
            user,
            kinds,
            viewer=viewer,
            exclude_archived=options.get("exclude_archived", False),
            after=options.get("after", ""),
            limit=options.get("limit", 100),
        )
    )
    return [c.id for c in found]


def test_conversations_of_shows_private_ones_only_to_those_in_them(
    runner: asyncio.Runner, room: Store
) -> None:
    assert _conversations_of(runner, room, "U2", "U2") == ["C1", "C2", "D1", "G1", "M1"]
    assert _conversations_of(runner, room, "U2", "U1") == ["C1", "C2", "D1", "M1"]
    assert _conversations_of(runner, room, "U2", "U9") == ["C1", "C2"]


def test_conversations_of_filters_pages_and_skips_archived(
    runner: asyncio.Runner, room: Store
) -> None:
    assert _conversations_of(runner, room, "U1", "U1", kinds=("im", "mpim")) == ["D1", "M1"]
    assert _conversations_of(runner, room, "U1", "U1", exclude_archived=True)[:1] == ["C1"]
    assert "C2" not in _conversations_of(runner, room, "U1", "U1", exclude_archived=True)
    assert _conversations_of(runner, room, "U1", "U1", after="C1", limit=2) == ["C2", "D1"]
    assert _conversations_of(runner, room, "U1", "U1", kinds=()) == []


def test_find_mpim_matches_exactly_the_members_in_any_order(
    runner: asyncio.Runner, room: Store
) -> None:
    found = runner.run(room.read_state.find_mpim("T1", ["U3", "U1", "U2"]))
    assert found is not None and found.id == "M1"
    assert runner.run(room.read_state.find_mpim("T1", ["U1", "U2"])) is None
    assert runner.run(room.read_state.find_mpim("T1", ["U1", "U2", "U3", "U4"])) is None
    assert runner.run(room.read_state.find_mpim("T2", ["U1", "U2", "U3"])) is None


def test_clearing_deletes_read_state(runner: asyncio.Runner, room: Store) -> None:
    runner.run(room.read_state.mark("C1", "U1", "1700000000.000001"))
    runner.run(room.clear())
    assert runner.run(room.read_state.closed_of("U1")) == frozenset()
    assert runner.run(room.get_conversation("C1")) is None


def test_topic_and_purpose_setters_round_trip(runner: asyncio.Runner, store: Store) -> None:
    conversation = Conversation(
        "C7", "T1", "seven", topic="t", purpose="p", topic_creator="U1", topic_last_set=5,
        purpose_creator="U2", purpose_last_set=6,
    )  # fmt: skip
    runner.run(store.put_conversation(conversation))
    assert runner.run(store.get_conversation("C7")) == conversation


def test_a_member_who_left_has_no_read_state_and_keeps_the_marker_for_later(
    runner: asyncio.Runner, room: Store
) -> None:
    ts = _post(runner, room, "C1", "U2")
    runner.run(room.read_state.mark("C1", "U1", ts))
    runner.run(room.remove_member("C1", "U1"))
    assert _state(runner, room) is None
    assert "C1" not in runner.run(room.read_state.states_of("U1"))
    runner.run(room.add_members("C1", ["U1"]))
    assert _state(runner, room) == ReadState(ts, True, 0, 0, 0)


def test_a_marker_past_every_message_leaves_nothing_unread(
    runner: asyncio.Runner, room: Store
) -> None:
    for _ in range(3):
        _post(runner, room, "C1", "U2")
    runner.run(room.read_state.mark("C1", "U1", "9999999999.999999"))
    state = _state(runner, room)
    assert state is not None and (state.unread_count, state.unread_count_display) == (0, 0)
