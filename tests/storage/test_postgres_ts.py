"""``ts`` strictly increasing per conversation across processes (decisions F.2).

Two real processes, each with its own PostgresStore (its own pool), insert into one
conversation at the same time, with the same frozen clock. Every insert must see the one
committed before it: the ts come out distinct, increasing within each writer, and without
a gap (each is one microsecond past the previous).
"""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
from collections.abc import Iterator

import pytest

from slackline.domain.models import Conversation, Team
from slackline.domain.ts import ts_to_micros
from slackline.storage.postgres import PostgresStore
from tests.helpers.postgres import postgres_schema

NOW = 1_700_000_000.0
PROCESSES = 2
TASKS_PER_PROCESS = 4
INSERTS_PER_TASK = 40
PROCESS_TIMEOUT_SECS = 60

# One writer process: open a store, say "ready", wait for "go" on stdin, then insert from
# several tasks at once and print each task's ts (in the order it got them) as JSON.
_WRITER = """
import asyncio, json, sys
from slackline.domain.models import Message
from slackline.storage.postgres import PostgresStore

async def main(url, tasks, count, now):
    store = PostgresStore.from_url(url)
    try:
        await store.get_conversation("C1")
        print("ready", flush=True)
        sys.stdin.readline()

        async def insert(task):
            stamps = []
            for n in range(count):
                message = Message("C1", "", "T1", "U1", f"{task}-{n}")
                stamps.append((await store.insert_message(message, now)).ts)
            return stamps

        print(json.dumps(await asyncio.gather(*(insert(t) for t in range(tasks)))))
    finally:
        await store.close()

asyncio.run(main(sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), float(sys.argv[4])))
"""


@pytest.fixture
def database_url() -> Iterator[str]:
    """A migrated schema holding team T1 and channel C1."""
    with postgres_schema() as url:

        async def prepare() -> None:
            store = PostgresStore.from_url(url)
            try:
                await store.migrate()
                await store.put_team(Team("T1", "One", "one"))
                await store.put_conversation(Conversation("C1", "T1", "general"))
            finally:
                await store.close()

        asyncio.run(prepare())
        yield url


def _start_writer(url: str) -> subprocess.Popen[str]:
    args = [str(TASKS_PER_PROCESS), str(INSERTS_PER_TASK), str(NOW)]
    return subprocess.Popen(
        [sys.executable, "-c", _WRITER, url, *args],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )


def _run_writers(url: str) -> list[list[list[str]]]:
    """Start the writers, release them together, and collect each one's ts per task."""
    writers = [_start_writer(url) for _ in range(PROCESSES)]
    try:
        for writer in writers:
            assert writer.stdout is not None
            assert writer.stdout.readline().strip() == "ready"
        for writer in writers:
            assert writer.stdin is not None
            writer.stdin.write("go\n")
            writer.stdin.flush()
        outputs = [w.communicate(timeout=PROCESS_TIMEOUT_SECS)[0] for w in writers]
        assert [w.returncode for w in writers] == [0] * PROCESSES
        return [json.loads(output) for output in outputs]
    finally:
        for writer in writers:
            if writer.poll() is None:
                writer.kill()
                writer.wait()


def test_writers_in_two_processes_get_strictly_increasing_ts_without_gaps(
    database_url: str,
) -> None:
    results = _run_writers(database_url)
    every_task = [stamps for process in results for stamps in process]
    micros = [ts_to_micros(ts) for stamps in every_task for ts in stamps]
    total = PROCESSES * TASKS_PER_PROCESS * INSERTS_PER_TASK
    first = int(NOW * 1_000_000)
    assert sorted(micros) == list(range(first, first + total))
    for stamps in every_task:
        assert stamps == sorted(stamps) and len(set(stamps)) == len(stamps)
    # The writers really ran at once: each process's ts are interleaved with the other's.
    spans = [sorted(ts_to_micros(ts) for stamps in p for ts in stamps) for p in results]
    assert all(span[-1] - span[0] + 1 > len(span) for span in spans)
