"""The scheduled-messages part of the Store contract (storage/scheduled.py, migration 0005),
on SQLite and PostgreSQL: a pending message comes back whole, listing is per user and
keyset-paged, and taking due messages gives each row to one caller only."""

from __future__ import annotations

import asyncio
from typing import Any

from slackline.domain.models import Message
from slackline.storage import Store, open_store
from slackline.storage.scheduled import ScheduledMessage
from tests.storage.test_contract import database_url, runner, store

__all__ = ["database_url", "runner", "store"]  # the contract suite's fixtures, reused
ALL_TIME = 9_999_999_999


def pending(
    scheduled_id: str,
    post_at: int,
    *,
    channel: str = "C1",
    user: str = "U1",
    team: str = "T1",
    **draft: Any,
) -> ScheduledMessage:
    """A pending message created at 1000."""
    message = Message(
        channel=channel, ts="", team_id=team, user=user, text=f"t {scheduled_id}", **draft
    )
    return ScheduledMessage(scheduled_id, post_at, 1000, message)


def add(runner: asyncio.Runner, store: Store, *messages: ScheduledMessage) -> None:
    """Store pending messages."""
    for message in messages:
        runner.run(store.scheduled.add(message))


def ids_of(found: list[ScheduledMessage]) -> list[str]:
    """The ids, in the order given."""
    return [s.id for s in found]


def list_for(runner: asyncio.Runner, store: Store, user: str = "U1", **args: Any) -> list[str]:
    """The ids ``list_for`` returns (every channel, all time, from the start, unless given)."""
    options: dict[str, Any] = {
        "channel": "", "oldest": 0, "latest": ALL_TIME, "after": None, "limit": 100,
    }  # fmt: skip
    options.update(args)
    return ids_of(runner.run(store.scheduled.list_for("T1", user, **options)))


def test_a_pending_message_comes_back_with_every_field(
    runner: asyncio.Runner, store: Store
) -> None:
    scheduled = ScheduledMessage(
        "Q1",
        2000,
        1000,
        Message(
            channel="C1", ts="", team_id="T1", user="U1", text="hello", bot_id="B1",
            subtype="bot_message", thread_ts="1700000000.000001",
            extra={"username": "herald", "icons": {"emoji": ":x:"}},
        ),
        broadcast=True,
        public=True,
    )  # fmt: skip
    add(runner, store, scheduled)
    assert runner.run(store.scheduled.get("Q1")) == scheduled


def test_an_unknown_id_is_none(runner: asyncio.Runner, store: Store) -> None:
    assert runner.run(store.scheduled.get("Q404")) is None


def test_listing_is_the_users_own_ordered_by_post_at_then_id(
    runner: asyncio.Runner, store: Store
) -> None:
    add(
        runner, store, pending("Q3", 300), pending("Q1", 100), pending("Q2b", 200),
        pending("Q2a", 200), pending("Q9", 150, user="U2"), pending("Q8", 150, team="T2"),
    )  # fmt: skip
    assert list_for(runner, store) == ["Q1", "Q2a", "Q2b", "Q3"]


def test_listing_filters_by_channel(runner: asyncio.Runner, store: Store) -> None:
    add(runner, store, pending("Q1", 100), pending("Q2", 100, channel="C2"))
    assert list_for(runner, store, channel="C2") == ["Q2"]


def test_listing_bounds_include_both_ends(runner: asyncio.Runner, store: Store) -> None:
    add(runner, store, pending("Q1", 100), pending("Q2", 200), pending("Q3", 300))
    assert list_for(runner, store, oldest=200, latest=300) == ["Q2", "Q3"]


def test_listing_resumes_after_a_key_within_one_post_at(
    runner: asyncio.Runner, store: Store
) -> None:
    add(runner, store, pending("Qa", 100), pending("Qb", 100), pending("Qc", 200))
    assert list_for(runner, store, after=(100, "Qa"), limit=1) == ["Qb"]
    assert list_for(runner, store, after=(100, "Qb")) == ["Qc"]


def test_post_times_are_the_channels_in_a_range_sorted(
    runner: asyncio.Runner, store: Store
) -> None:
    add(
        runner, store, pending("Q1", 300), pending("Q2", 100), pending("Q3", 200),
        pending("Q4", 200, channel="C2"), pending("Q5", 900),
    )  # fmt: skip
    assert runner.run(store.scheduled.post_times("C1", 100, 300)) == [100, 200, 300]


def test_next_post_at_is_the_earliest_of_any_team(runner: asyncio.Runner, store: Store) -> None:
    assert runner.run(store.scheduled.next_post_at()) is None
    add(runner, store, pending("Q1", 300), pending("Q2", 200, team="T2"))
    assert runner.run(store.scheduled.next_post_at()) == 200


def test_removing_returns_the_message_once(runner: asyncio.Runner, store: Store) -> None:
    add(runner, store, pending("Q1", 100))
    removed = runner.run(store.scheduled.remove("Q1"))
    assert removed is not None and removed.id == "Q1"
    assert runner.run(store.scheduled.remove("Q1")) is None
    assert runner.run(store.scheduled.get("Q1")) is None


def test_taking_due_returns_only_due_messages_earliest_first_and_deletes_them(
    runner: asyncio.Runner, store: Store
) -> None:
    add(runner, store, pending("Q3", 300), pending("Q1", 100), pending("Q2", 200))
    assert ids_of(runner.run(store.scheduled.take_due(200, 10))) == ["Q1", "Q2"]
    assert ids_of(runner.run(store.scheduled.take_due(200, 10))) == []
    assert list_for(runner, store) == ["Q3"]


def test_taking_due_respects_the_limit(runner: asyncio.Runner, store: Store) -> None:
    add(runner, store, *(pending(f"Q{n}", 100 + n) for n in range(5)))
    assert ids_of(runner.run(store.scheduled.take_due(1000, 2))) == ["Q0", "Q1"]
    assert runner.run(store.scheduled.next_post_at()) == 102


def test_two_stores_taking_at_once_never_get_the_same_row(
    runner: asyncio.Runner, store: Store, database_url: str
) -> None:
    add(runner, store, *(pending(f"Q{n:02d}", 100 + n) for n in range(40)))
    other = open_store(database_url)

    async def race() -> list[list[ScheduledMessage]]:
        takes = [store.scheduled.take_due(1000, 3) for _ in range(10)]
        takes += [other.scheduled.take_due(1000, 3) for _ in range(10)]
        return list(await asyncio.gather(*takes))

    try:
        taken = [s.id for batch in runner.run(race()) for s in batch]
    finally:
        runner.run(other.close())
    assert len(taken) == len(set(taken)) == 40
