"""The search service (services/search.py) in a started application: how a query's
operators resolve for one caller (names, mentions, DMs, dates on the service's clock)."""

from __future__ import annotations

import asyncio
import datetime as dt

from slackline.app import App
from slackline.domain.search import MessageQuery, parse_query
from slackline.domain.ts import parse_ts_arg
from slackline.testing.acting import identity_of


def resolved(running: tuple[asyncio.Runner, App], query: str, user: str = "U0001") -> MessageQuery:
    """``query`` resolved for ``user``."""
    runner, app = running

    async def resolve() -> MessageQuery:
        identity = await identity_of(app, user)
        return await app.services.search.resolve(identity, parse_query(query))

    return runner.run(resolve())


def test_in_names_a_channel_by_name_hash_or_mention(running: tuple[asyncio.Runner, App]) -> None:
    for value in ("general", "#general", "#General", "<#C0001>", "<#C0001|general>"):
        assert resolved(running, f"x in:{value}").channels == ("C0001",)


def test_in_a_user_is_the_callers_dm_with_them(running: tuple[asyncio.Runner, App]) -> None:
    assert resolved(running, "x in:@pybot").channels == ("D0001",)
    assert resolved(running, "x in:@bob").channels == ()


def test_in_nowhere_matches_nothing(running: tuple[asyncio.Runner, App]) -> None:
    query = resolved(running, "x in:#nowhere")
    assert query.channels == ()
    assert query.matches_nothing()


def test_in_another_teams_channel_by_name_finds_nothing(
    running: tuple[asyncio.Runner, App],
) -> None:
    assert resolved(running, "x in:#globex-general").channels == ()


def test_several_ins_mean_any_of_them(running: tuple[asyncio.Runner, App]) -> None:
    assert resolved(running, "x in:#general in:#random").channels == ("C0001", "C0002")


def test_from_names_a_user_by_name_mention_or_me(running: tuple[asyncio.Runner, App]) -> None:
    assert resolved(running, "x from:@bob").users == ("U0002",)
    assert resolved(running, "x from:bob").users == ("U0002",)
    assert resolved(running, "x from:<@U0002>").users == ("U0002",)
    assert resolved(running, "x from:me", user="U0002").users == ("U0002",)
    assert resolved(running, "x from:@nobody").users == ()


def test_no_operator_means_any_conversation_and_user(running: tuple[asyncio.Runner, App]) -> None:
    query = resolved(running, "walrus")
    assert (query.channels, query.users, query.oldest, query.before) == (None, None, "", "")
    assert (query.team_id, query.viewer) == ("T0001", "U0001")


def test_on_today_is_the_clocks_utc_day(running: tuple[asyncio.Runner, App]) -> None:
    _, app = running
    query = resolved(running, "x on:today")
    today = dt.datetime.fromtimestamp(app.clock.now(), dt.UTC).date()
    start = dt.datetime(today.year, today.month, today.day, tzinfo=dt.UTC).timestamp()
    assert parse_ts_arg(query.oldest) == int(start) * 1_000_000
    assert parse_ts_arg(query.before) == (int(start) + 86_400) * 1_000_000
