"""Presence across processes sharing one Redis (decisions E.3, issue 5 item 3).

Two servers in this test process (and, for a crash, a real ``slackline serve`` killed with
SIGKILL) share one SQLite file and the machine's Redis under a channel of their own, so
their keys and events never meet another test's.
"""

from __future__ import annotations

import json
import os
import re
import select
import signal
import subprocess
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from redis import Redis
from websockets.sync.client import ClientConnection, connect

from slackline.app import Components
from slackline.broker import Event
from slackline.services.presence import PresenceService
from slackline.testing.server import ServerThread
from tests.helpers.cluster import SHARED_REDIS, forget_redis_keys
from tests.helpers.events import recorded_events
from tests.helpers.http import (
    TEST_SECRET,
    WORKSPACE_FILE,
    api,
    http_request,
    start_server,
)
from tests.helpers.rtm import no_frame, open_socket, recv_until, send_json

SLACKLINE = Path(__file__).resolve().parents[2] / ".venv" / "bin" / "slackline"
ALICE = ("U0001", "xoxp-1-client")
WATCHER = "xoxb-1-classic"
# Beyond the dead process's key TTL (5 s) plus a sweep (1 s), with room for a loaded machine.
EXPIRY_TIMEOUT_SECS = 30.0
WAIT_TIMEOUT_SECS = 15.0
POLL_SECS = 0.05
_READY = re.compile(r"Web API at (http://\S+)/api/")


@dataclass
class Cluster:
    """Two server threads on one database and one Redis channel."""

    a: ServerThread
    b: ServerThread
    broker_url: str
    channel: str
    folder: Path


@pytest.fixture
def cluster(tmp_path: Path) -> Iterator[Cluster]:
    """Servers A and B sharing a SQLite file and a Redis channel (keys removed afterwards)."""
    channel = f"slackline-test-presence-{uuid.uuid4().hex}"
    url = f"{SHARED_REDIS}?channel={channel}"
    (tmp_path / "secret").write_text(TEST_SECRET.hex())
    servers: list[ServerThread] = []
    try:
        for _ in range(2):
            servers.append(
                start_server(
                    tmp_path,
                    Components(secret=TEST_SECRET),
                    broker=url,
                    presence_grace_secs=0.0,
                )
            )
        yield Cluster(servers[0], servers[1], url, channel, tmp_path)
    finally:
        for server in servers:
            server.stop()
        forget_redis_keys(channel)


def _wait_until(
    condition: Callable[[], bool], what: str, timeout: float = WAIT_TIMEOUT_SECS
) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(POLL_SECS)  # bounded polling of a condition nothing signals


def _presence_frame(user: str, presence: str) -> Callable[[dict[str, Any]], bool]:
    def match(frame: dict[str, Any]) -> bool:
        return frame == {"type": "presence_change", "user": user, "presence": presence}

    return match


def _watch(server: ServerThread, user: str) -> ClientConnection:
    """A bot session subscribed to ``user``'s presence, its current presence already read."""
    watcher = open_socket(server, WATCHER)
    send_json(watcher, {"type": "presence_sub", "ids": [user]})
    recv_until(watcher, lambda f: f.get("type") == "presence_change" and f.get("user") == user)
    return watcher


def _presence(server: ServerThread, user: str) -> dict[str, Any]:
    """users.getPresence of ``user`` asked by themself (with the connection details)."""
    body = api(server, "users.getPresence", ALICE[1], user=user).body
    assert body["ok"], body
    return body


def _presences_of(events: list[Event], user: str) -> list[str]:
    """The presences of ``user`` among recorded events, in the order they were published."""
    return [str(event.payload["presence"]) for event in events if event.presence_of == user]


def test_a_user_stays_active_until_the_sessions_on_both_processes_close(
    cluster: Cluster,
) -> None:
    user, token = ALICE
    with (
        recorded_events(cluster.a) as published_on_a,
        _watch(cluster.a, user) as watcher_a,
        _watch(cluster.b, user) as watcher_b,
    ):
        on_a = open_socket(cluster.a, token)
        for watcher in (watcher_a, watcher_b):
            recv_until(watcher, _presence_frame(user, "active"))
        on_b = open_socket(cluster.b, token)
        _wait_until(lambda: _presence(cluster.a, user)["connection_count"] == 2, "two sessions")
        on_a.close()
        _wait_until(lambda: _presence(cluster.b, user)["connection_count"] == 1, "one session")
        assert _presence(cluster.b, user)["presence"] == "active"
        assert no_frame(watcher_b)
        on_b.close()
        for watcher in (watcher_a, watcher_b):
            recv_until(watcher, _presence_frame(user, "away"))
        _wait_until(lambda: len(_presences_of(published_on_a, user)) >= 2, "the away event on A")
        assert no_frame(watcher_a) and no_frame(watcher_b)
        published = _presences_of(published_on_a, user)
        assert published == ["active", "away"]  # once per transition, not once per process
        status = _presence(cluster.a, user)
        assert (status["presence"], status["online"], status["connection_count"]) == (
            "away",
            False,
            0,
        )


def test_a_subscriber_on_one_process_sees_a_user_connect_on_the_other(cluster: Cluster) -> None:
    user, token = ALICE
    with _watch(cluster.b, user) as watcher:
        with open_socket(cluster.a, token):
            recv_until(watcher, _presence_frame(user, "active"))
            send_json(watcher, {"type": "presence_query", "ids": [user]})
            recv_until(watcher, _presence_frame(user, "active"))
            asked = api(cluster.b, "users.getPresence", WATCHER, user=user).body
            assert asked == {"ok": True, "presence": "active"}
        recv_until(watcher, _presence_frame(user, "away"))
        send_json(watcher, {"type": "presence_query", "ids": [user]})
        recv_until(watcher, _presence_frame(user, "away"))


def test_manual_away_set_on_one_process_holds_on_the_other(cluster: Cluster) -> None:
    user, token = ALICE
    with _watch(cluster.b, user) as watcher, open_socket(cluster.a, token):
        recv_until(watcher, _presence_frame(user, "active"))
        assert api(cluster.a, "users.setPresence", token, presence="away").body["ok"]
        recv_until(watcher, _presence_frame(user, "away"))
        with open_socket(cluster.b, token):  # another session: still away
            _wait_until(lambda: _presence(cluster.b, user)["connection_count"] == 2, "2 sessions")
            assert _presence(cluster.b, user)["presence"] == "away"
            assert no_frame(watcher)
        assert api(cluster.b, "users.setPresence", token, presence="auto").body["ok"]
        recv_until(watcher, _presence_frame(user, "active"))


def test_a_process_stopping_cleanly_takes_its_sessions_presence_with_it(
    cluster: Cluster,
) -> None:
    user, token = ALICE
    with _watch(cluster.a, user) as watcher:
        session = open_socket(cluster.b, token)
        recv_until(watcher, _presence_frame(user, "active"))
        cluster.b.stop()
        recv_until(watcher, _presence_frame(user, "away"))
        session.close()
    assert _presence(cluster.a, user)["connection_count"] == 0


def test_a_process_swept_while_stalled_counts_its_sessions_again(cluster: Cluster) -> None:
    """A process whose loop stalls past its TTL is taken for dead; once it runs again it
    writes its counts back, so a user still connected turns active again."""
    user, token = ALICE
    with _watch(cluster.b, user) as watcher, open_socket(cluster.a, token):
        recv_until(watcher, _presence_frame(user, "active"))
        released = threading.Event()

        async def stall() -> None:
            released.wait(EXPIRY_TIMEOUT_SECS)  # blocks A's loop: no heartbeat, no sweep

        stalled = threading.Thread(target=cluster.a.run, args=(stall(),))
        stalled.start()
        try:
            recv_until(watcher, _presence_frame(user, "away"), timeout=EXPIRY_TIMEOUT_SECS)
        finally:
            released.set()
            stalled.join()
        recv_until(watcher, _presence_frame(user, "active"), timeout=WAIT_TIMEOUT_SECS)
        assert _presence(cluster.b, user)["connection_count"] == 1


def test_the_presence_of_a_killed_process_expires_within_seconds(cluster: Cluster) -> None:
    user, token = ALICE
    process = _serve(cluster)
    try:
        other = _ready_url(process)
        with _watch(cluster.a, user) as watcher:
            port = int(other.rsplit(":", 1)[1])
            bearer = {"Authorization": f"Bearer {token}"}
            connected = http_request(port, "POST", "/api/rtm.connect", headers=bearer).body
            assert connected["ok"], connected
            with connect(connected["url"], open_timeout=WAIT_TIMEOUT_SECS) as session:
                hello = session.recv(timeout=WAIT_TIMEOUT_SECS)
                assert json.loads(hello) == {"type": "hello"}
                recv_until(watcher, _presence_frame(user, "active"))
                process.send_signal(signal.SIGKILL)
                process.wait(timeout=WAIT_TIMEOUT_SECS)
                recv_until(watcher, _presence_frame(user, "away"), timeout=EXPIRY_TIMEOUT_SECS)
        status = _presence(cluster.a, user)
        assert (status["presence"], status["connection_count"]) == ("away", 0)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait(timeout=WAIT_TIMEOUT_SECS)
        assert process.stdout is not None
        process.stdout.close()


def _serve(cluster: Cluster) -> subprocess.Popen[bytes]:
    """A real ``slackline serve`` on the cluster's database and Redis channel, port 0."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("SLACKLINE_")}
    return subprocess.Popen(
        [str(SLACKLINE), "serve", "--port", "0",
         "--database", f"sqlite:///{cluster.folder / 'slackline.db'}",
         "--broker", cluster.broker_url, "--workspace", WORKSPACE_FILE,
         "--secret-file", str(cluster.folder / "secret"), "--presence-grace-secs", "0",
         "--rate-limits", "off", "--log-level", "WARNING"],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        env=env,
    )  # fmt: skip


def _ready_url(process: subprocess.Popen[bytes]) -> str:
    """The base URL from the process's ready line (fails if it exits or takes too long)."""
    assert process.stdout is not None
    deadline = time.monotonic() + WAIT_TIMEOUT_SECS * 2
    output = b""
    while (match := _READY.search(output.decode())) is None:
        remaining = deadline - time.monotonic()
        readable, _, _ = select.select([process.stdout], [], [], max(remaining, 0))
        chunk = os.read(process.stdout.fileno(), 4096) if readable else b""
        if not chunk:
            raise AssertionError(f"slackline serve not ready (exit code {process.poll()})")
        output += chunk
    return match.group(1)


def test_presence_keys_live_under_the_brokers_channel(cluster: Cluster) -> None:
    with open_socket(cluster.a, ALICE[1]):
        _wait_until(lambda: _presence(cluster.a, ALICE[0])["online"], "alice online")
        client = Redis.from_url(SHARED_REDIS)
        try:
            keys = {key.decode() for key in client.scan_iter(match=f"{cluster.channel}:presence:*")}
        finally:
            client.close()
    assert f"{cluster.channel}:presence:online" in keys
    assert f"{cluster.channel}:presence:procs" in keys


def test_the_in_process_broker_keeps_presence_in_memory(tmp_path: Path) -> None:
    server = start_server(tmp_path)
    try:
        assert server.app is not None
        assert isinstance(server.app.shared.presence, PresenceService)
    finally:
        server.stop()
