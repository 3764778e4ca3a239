"""Any storable text survives a store round trip unchanged, on SQLite and on PostgreSQL
(decisions A.10), with hypothesis: in a message's ``text`` and anywhere in its ``extra``.

Each test opens one fresh database (a SQLite file, or one schema of the shared PostgreSQL)
and runs all its examples against it; PostgreSQL takes fewer examples, each a few round trips.
"""

from __future__ import annotations

import asyncio
import itertools
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from slackline.domain.models import Conversation, Message, Team, User
from slackline.domain.text import storable
from slackline.domain.ts import ts_to_micros
from slackline.storage import Store, open_store
from tests.helpers.postgres import postgres_schema

NOW = 1_700_000_000.0
# Every code point but surrogates, NUL filtered out: what storable() accepts.
STORABLE = st.text(st.characters(codec=None)).filter(storable)
KEYS = STORABLE.filter(lambda key: key != "reactions")  # extra's reactions come from their table
JSON_VALUES = st.recursive(
    st.one_of(st.none(), st.booleans(), st.integers(-(2**53), 2**53), STORABLE),
    lambda inner: st.one_of(
        st.lists(inner, max_size=3), st.dictionaries(STORABLE, inner, max_size=3)
    ),
    max_leaves=8,
)
EXTRAS = st.dictionaries(KEYS, JSON_VALUES, max_size=4)


@contextmanager
def database(backend: str, tmp_path: Path) -> Iterator[str]:
    if backend == "sqlite":
        yield f"sqlite:///{tmp_path / 'text.db'}"
    else:
        with postgres_schema() as url:
            yield url


@pytest.fixture(params=["sqlite", "postgresql"])
def backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


def examples(backend: str) -> int:
    """A fraction of the profile's examples: each one is a few database round trips."""
    share = 1 if backend == "sqlite" else 2
    current = settings.default
    assert current is not None  # the profile loaded by tests/conftest.py
    return max(10, current.max_examples // share)


@contextmanager
def opened(backend: str, tmp_path: Path) -> Iterator[tuple[asyncio.Runner, Store]]:
    with database(backend, tmp_path) as url, asyncio.Runner() as runner:
        store = open_store(url)
        runner.run(store.migrate())
        runner.run(store.put_team(Team("T1", "One", "one")))
        runner.run(store.put_conversation(Conversation("C1", "T1", "general")))
        try:
            yield runner, store
        finally:
            runner.run(store.close())


def test_a_message_keeps_any_storable_text_and_extra(backend: str, tmp_path: Path) -> None:
    with opened(backend, tmp_path) as (runner, store):

        @settings(max_examples=examples(backend))
        @given(text=STORABLE, extra=EXTRAS)
        def round_trip(text: str, extra: dict[str, Any]) -> None:
            message = Message(channel="C1", ts="", team_id="T1", user="U1", text=text, extra=extra)
            stored = runner.run(store.insert_message(message, NOW))
            found = runner.run(store.get_message("C1", stored.ts))
            assert found is not None
            assert (found.text, found.extra) == (text, extra)
            micros = ts_to_micros(stored.ts)
            listed = runner.run(store.list_messages(
                "C1", oldest_micros=micros, latest_micros=micros, inclusive=True, limit=2
            ))  # fmt: skip
            assert [(m.text, m.extra) for m in listed] == [(text, extra)]

        round_trip()


def test_an_edit_keeps_any_storable_text(backend: str, tmp_path: Path) -> None:
    with opened(backend, tmp_path) as (runner, store):
        stored = runner.run(store.insert_message(
            Message(channel="C1", ts="", team_id="T1", user="U1", text="first"), NOW
        ))  # fmt: skip

        @settings(max_examples=examples(backend))
        @given(text=STORABLE, extra=EXTRAS)
        def edit(text: str, extra: dict[str, Any]) -> None:
            edited = Message(
                channel="C1", ts=stored.ts, team_id="T1", user="U1", text=text,
                edited={"user": "U1", "ts": "1700000001.000000"}, extra=extra,
            )  # fmt: skip
            runner.run(store.update_message(edited))
            found = runner.run(store.get_message("C1", stored.ts))
            assert found is not None and (found.text, found.extra) == (text, extra)

        edit()


def test_a_profile_keeps_any_storable_text(backend: str, tmp_path: Path) -> None:
    numbers = itertools.count()
    with opened(backend, tmp_path) as (runner, store):

        @settings(max_examples=examples(backend))
        @given(name=STORABLE, profile=EXTRAS)
        def round_trip(name: str, profile: dict[str, Any]) -> None:
            user = User(f"U{next(numbers)}", "T1", name, real_name=name, profile=profile)
            runner.run(store.put_user(user))
            found = runner.run(store.get_user(user.id))
            assert found is not None
            assert (found.name, found.real_name, found.profile) == (name, name, profile)

        round_trip()
