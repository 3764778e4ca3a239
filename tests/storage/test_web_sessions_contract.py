"""The web sessions part of the Store contract (storage/web_sessions.py), on SQLite and
PostgreSQL: one password hash per person, replaced and cleared; sessions by their cookie's
keyed hash, listed per person and ended one by one or all at once; clearing empties both."""

from __future__ import annotations

import asyncio

from slackline.storage import Store
from slackline.storage.web_sessions import WebSessionRecord
from tests.storage.test_contract import database_url, runner, store

__all__ = ["database_url", "runner", "store"]  # the contract suite's fixtures, reused


def _session(cookie: str, user: str = "U1", created: int = 7) -> WebSessionRecord:
    return WebSessionRecord(cookie, "T1", user, f"token-{cookie}", created)


def test_a_person_without_a_password_has_none(runner: asyncio.Runner, store: Store) -> None:
    assert runner.run(store.web_sessions.get_password("U1")) is None


def test_a_password_hash_is_set_replaced_and_cleared(runner: asyncio.Runner, store: Store) -> None:
    runner.run(store.web_sessions.put_password("U1", "T1", "$argon2id$one", 1))
    runner.run(store.web_sessions.put_password("U1", "T1", "$argon2id$two", 2))
    assert runner.run(store.web_sessions.get_password("U1")) == "$argon2id$two"
    assert runner.run(store.web_sessions.delete_password("U1")) is True
    assert runner.run(store.web_sessions.get_password("U1")) is None
    assert runner.run(store.web_sessions.delete_password("U1")) is False


def test_a_session_is_found_by_its_cookie_hash(runner: asyncio.Runner, store: Store) -> None:
    runner.run(store.web_sessions.put_session(_session("c1")))
    assert runner.run(store.web_sessions.get_session("c1")) == _session("c1")
    assert runner.run(store.web_sessions.get_session("c2")) is None


def test_a_persons_sessions_are_listed_oldest_first(runner: asyncio.Runner, store: Store) -> None:
    for session in (_session("c2", created=9), _session("c1", created=8), _session("o", "U2")):
        runner.run(store.web_sessions.put_session(session))
    listed = runner.run(store.web_sessions.list_sessions("U1"))
    assert [s.cookie_hash for s in listed] == ["c1", "c2"]


def test_ending_one_session_keeps_the_others(runner: asyncio.Runner, store: Store) -> None:
    runner.run(store.web_sessions.put_session(_session("c1")))
    runner.run(store.web_sessions.put_session(_session("c2")))
    assert runner.run(store.web_sessions.delete_session("c1")) is True
    assert runner.run(store.web_sessions.delete_session("c1")) is False
    assert [s.cookie_hash for s in runner.run(store.web_sessions.list_sessions("U1"))] == ["c2"]


def test_ending_a_persons_sessions_returns_them_and_spares_others(
    runner: asyncio.Runner, store: Store
) -> None:
    for session in (_session("c1"), _session("c2"), _session("o", "U2")):
        runner.run(store.web_sessions.put_session(session))
    ended = runner.run(store.web_sessions.delete_sessions("U1"))
    assert sorted(s.cookie_hash for s in ended) == ["c1", "c2"]
    assert runner.run(store.web_sessions.list_sessions("U1")) == []
    assert runner.run(store.web_sessions.get_session("o")) is not None


def test_clearing_empties_passwords_and_sessions(runner: asyncio.Runner, store: Store) -> None:
    runner.run(store.web_sessions.put_password("U1", "T1", "$argon2id$one", 1))
    runner.run(store.web_sessions.put_session(_session("c1")))
    runner.run(store.clear())
    assert runner.run(store.web_sessions.get_password("U1")) is None
    assert runner.run(store.web_sessions.get_session("c1")) is None
