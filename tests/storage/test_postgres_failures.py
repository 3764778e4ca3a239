"""PostgreSQL going away: StorageError within the timeout, never a hang; recovery after.

Each test runs a private PostgreSQL (its own directory and port) that it stops and starts;
the shared server is never touched here.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Coroutine, Iterator
from pathlib import Path
from typing import Any, TypeVar

import psycopg
import pytest

from slackline.domain.models import Conversation, Message, Team
from slackline.errors import StorageError
from slackline.storage.postgres import PostgresStore
from tests.helpers.http import api, start_server
from tests.helpers.postgres import (
    PrivatePostgres,
    free_port,
    postgres_schema,
    private_postgres,
    with_query,
)

T = TypeVar("T")
TIMEOUT_SECS = 1
# A call waits for a connection, then runs its statements: the store's own call deadline.
CALL_BOUND_SECS = TIMEOUT_SECS * 3 + 0.5
RECOVERY_DEADLINE_SECS = 20.0
POLL_INTERVAL_SECS = 0.1
NOW = 1_700_000_000.0


@pytest.fixture
def private() -> Iterator[PrivatePostgres]:
    """A private PostgreSQL server, stopped and removed after the test."""
    with private_postgres() as server:
        yield server


@pytest.fixture
def runner() -> Iterator[asyncio.Runner]:
    """One event loop for the whole test."""
    with asyncio.Runner() as loop_runner:
        yield loop_runner


def _eventually(
    runner: asyncio.Runner, call: Callable[[], Coroutine[Any, Any, T]]
) -> tuple[T, list[BaseException]]:
    """Retry a store call until it succeeds (bounded): the result and the failures seen."""
    failures: list[BaseException] = []
    deadline = time.monotonic() + RECOVERY_DEADLINE_SECS
    while True:
        try:
            return runner.run(call()), failures
        except StorageError as exc:
            failures.append(exc)
            if time.monotonic() > deadline:
                raise
        time.sleep(POLL_INTERVAL_SECS)


def _timed_failure(runner: asyncio.Runner, call: Coroutine[Any, Any, Any]) -> float:
    """Run a call that must raise StorageError; returns how long it took to fail."""
    started = time.monotonic()
    with pytest.raises(StorageError):
        runner.run(call)
    return time.monotonic() - started


def test_an_unreachable_server_is_a_storage_error_within_the_timeout(
    runner: asyncio.Runner,
) -> None:
    nobody = f"postgresql://postgres@127.0.0.1:{free_port()}/postgres"
    store = PostgresStore.from_url(with_query(nobody, timeout_secs=str(TIMEOUT_SECS)))
    try:
        assert _timed_failure(runner, store.get_team("T1")) < CALL_BOUND_SECS
        assert _timed_failure(runner, store.migrate()) < CALL_BOUND_SECS
    finally:
        runner.run(store.close())


def test_a_stopped_server_fails_calls_quickly_and_a_restarted_one_serves_them(
    runner: asyncio.Runner, private: PrivatePostgres
) -> None:
    store = PostgresStore.from_url(with_query(private.url, timeout_secs=str(TIMEOUT_SECS)))
    try:
        runner.run(store.migrate())
        runner.run(store.put_team(Team("T1", "One", "one")))
        runner.run(store.put_conversation(Conversation("C1", "T1", "general")))
        before = runner.run(store.insert_message(Message("C1", "", "T1", "U1", "before"), NOW))

        private.stop()
        assert _timed_failure(runner, store.get_team("T1")) < CALL_BOUND_SECS
        draft = Message("C1", "", "T1", "U1", "lost")
        assert _timed_failure(runner, store.insert_message(draft, NOW)) < CALL_BOUND_SECS

        private.start()
        team, failures = _eventually(runner, lambda: store.get_team("T1"))
        assert team == Team("T1", "One", "one")
        assert all(isinstance(f, StorageError) for f in failures)
        after = runner.run(store.insert_message(Message("C1", "", "T1", "U1", "after"), NOW))
        assert after.ts > before.ts
        assert runner.run(store.get_message("C1", before.ts)) == before
    finally:
        runner.run(store.close())


def test_chat_post_message_is_internal_error_while_the_database_is_down(
    tmp_path: Path, private: PrivatePostgres
) -> None:
    with postgres_schema(private.url) as url:
        server = start_server(tmp_path, database=with_query(url, timeout_secs=str(TIMEOUT_SECS)))
        try:
            args = {"channel": "C0001", "text": "hello"}
            assert api(server, "chat.postMessage", "xoxb-1-classic", **args).body["ok"] is True

            private.stop()
            started = time.monotonic()
            down = api(server, "chat.postMessage", "xoxb-1-classic", **args)
            assert time.monotonic() - started < CALL_BOUND_SECS
            assert down.status == 200
            assert down.body == {"ok": False, "error": "internal_error"}

            private.start()
            deadline = time.monotonic() + RECOVERY_DEADLINE_SECS
            while not (up := api(server, "chat.postMessage", "xoxb-1-classic", **args)).body["ok"]:
                assert up.body == {"ok": False, "error": "internal_error"}
                assert time.monotonic() < deadline, "no recovery after PostgreSQL restarted"
                time.sleep(POLL_INTERVAL_SECS)
            assert up.body["message"]["text"] == "hello"
        finally:
            server.stop()


def test_a_statement_blocked_past_the_statement_timeout_is_a_storage_error(
    runner: asyncio.Runner,
) -> None:
    with postgres_schema() as url:
        store = PostgresStore.from_url(with_query(url, timeout_secs=str(TIMEOUT_SECS)))
        try:
            runner.run(store.migrate())
            runner.run(store.put_team(Team("T1", "One", "one")))
            runner.run(store.put_conversation(Conversation("C1", "T1", "general")))
            # Another session holds the conversation's row lock and never lets go.
            with psycopg.connect(url) as holder:
                holder.execute("SELECT 1 FROM conversations WHERE id = 'C1' FOR UPDATE")
                draft = Message("C1", "", "T1", "U1", "blocked")
                assert _timed_failure(runner, store.insert_message(draft, NOW)) < CALL_BOUND_SECS
            assert runner.run(store.insert_message(draft, NOW)).text == "blocked"
        finally:
            runner.run(store.close())
