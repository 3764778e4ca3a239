"""A process that dies between a commit and its event leaves no silent gap (decisions E.8).

Each clustered process counts, in Redis, the requests it is handling per team; when its
heartbeat expires, the presence sweep ends the sessions of the teams it was writing for on
every process. A stand-in for the dead process is written into Redis directly: a process
registered with a write in flight for one team and no heartbeat, exactly what a SIGKILL
mid-request leaves (tests/cluster/test_e2e.py kills real processes).
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Awaitable, Callable, Iterator
from pathlib import Path
from typing import TypeVar

import pytest
from redis.asyncio import Redis

from slackline.testing.server import ServerThread
from tests.cluster.test_state import REDIS_URL, _cleanup_keys, _open
from tests.helpers.http import api, start_server
from tests.helpers.rtm import FRAME_TIMEOUT_SECS, recv_json, recv_until

T = TypeVar("T")
# The sweep runs every second; a stand-in with no heartbeat is swept at the next one.
SWEEP_WAIT_SECS = 10.0


@pytest.fixture
def server(tmp_path: Path) -> Iterator[tuple[ServerThread, str]]:
    channel = f"slackline:test:{uuid.uuid4().hex}"
    thread = start_server(tmp_path, broker=f"{REDIS_URL}?channel={channel}")
    yield thread, channel
    thread.stop()
    _cleanup_keys(channel)


def _redis(work: Callable[[Redis], Awaitable[T]]) -> T:
    async def run() -> T:
        redis = Redis.from_url(REDIS_URL, decode_responses=True)
        try:
            return await work(redis)
        finally:
            await redis.aclose()

    return asyncio.run(run())


def _writing_counts(channel: str) -> dict[str, str]:
    async def read(redis: Redis) -> dict[str, str]:
        counts: dict[str, str] = {}
        async for key in redis.scan_iter(match=f"{channel}:presence:proc:*:writing"):
            counts.update({str(k): str(v) for k, v in (await redis.hgetall(key)).items()})
        return counts

    return _redis(read)


def _dead_process_writing_for(channel: str, team_id: str) -> None:
    prefix = f"{channel}:presence:"

    async def write(redis: Redis) -> None:
        await redis.sadd(f"{prefix}procs", "ghost")
        await redis.hset(f"{prefix}proc:ghost:writing", team_id, 1)

    _redis(write)


def test_a_finished_request_leaves_no_write_in_flight(server: tuple[ServerThread, str]) -> None:
    thread, channel = server
    posted = api(thread, "chat.postMessage", "xoxb-1-classic", channel="C0001", text="hi")
    assert posted.body["ok"], posted.body

    assert _writing_counts(channel) == {}


def test_a_dead_process_writing_for_a_team_ends_that_teams_sessions_only(
    server: tuple[ServerThread, str],
) -> None:
    thread, channel = server
    url_t1 = api(thread, "rtm.connect", "xoxp-1-client").body["url"]
    url_t2 = api(thread, "rtm.connect", "xoxp-grid-user").body["url"]
    with _open(url_t1) as t1, _open(url_t2) as t2:
        assert recv_json(t1) == {"type": "hello"}
        assert recv_json(t2) == {"type": "hello"}

        _dead_process_writing_for(channel, "T0001")

        assert recv_until(t1, lambda f: f["type"] == "goodbye", SWEEP_WAIT_SECS)
        posted = api(thread, "chat.postMessage", "xoxb-grid-bot", channel="C1001", text="still")
        assert posted.body["ok"], posted.body
        message = recv_until(t2, lambda f: f["type"] == "message", FRAME_TIMEOUT_SECS)
        assert message["text"] == "still"
