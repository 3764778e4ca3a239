"""``reconnect_url`` events (rtm/reconnect.py): every ``reconnect_url_secs`` each session gets
a fresh, usable socket URL for its own token; with 0 it gets none."""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from websockets.sync.client import ClientConnection, connect

from slackline.testing.server import ServerThread
from tests.helpers.http import api, start_server
from tests.helpers.rtm import closed_with, open_socket, recv_json, recv_until, send_json

INTERVAL_SECS = 0.2
WANTED = 3  # events to see, and intervals to wait past with none configured
FRAME_TIMEOUT_SECS = 5.0


@pytest.fixture
def frequent(tmp_path: Path) -> Iterator[ServerThread]:
    """A server that sends reconnect_url every INTERVAL_SECS."""
    thread = start_server(tmp_path / "frequent", reconnect_url_secs=INTERVAL_SECS)
    yield thread
    thread.stop()


@pytest.fixture
def never(tmp_path: Path) -> Iterator[ServerThread]:
    """A server that sends no reconnect_url."""
    thread = start_server(tmp_path / "never", reconnect_url_secs=0)
    yield thread
    thread.stop()


def reconnect_urls(socket: ClientConnection, count: int) -> tuple[list[str], list[float]]:
    """The next ``count`` reconnect_url URLs (other frames skipped) and when each came."""
    urls: list[str] = []
    times: list[float] = []
    while len(urls) < count:
        frame = recv_until(socket, lambda f: f.get("type") == "reconnect_url", FRAME_TIMEOUT_SECS)
        assert sorted(frame) == ["type", "url"], frame
        urls.append(frame["url"])
        times.append(time.monotonic())
    return urls, times


def round_trip(socket: ClientConnection, reply_to: int) -> list[dict[str, Any]]:
    """Ping and read up to the matching pong; every frame read before it."""
    send_json(socket, {"id": reply_to, "type": "ping"})
    frames: list[dict[str, Any]] = []
    while (frame := recv_json(socket))["type"] != "pong" or frame.get("reply_to") != reply_to:
        frames.append(frame)
    return frames


def test_sessions_get_reconnect_urls_every_interval(
    frequent: ServerThread, record_property: Callable[[str, object], None]
) -> None:
    with open_socket(frequent, "xoxb-1-classic") as bot:
        hello_at = time.monotonic()
        urls, times = reconnect_urls(bot, WANTED)
    pattern = re.compile(rf"^ws://127\.0\.0\.1:{frequent.port}/websocket/[^/?#]+$")
    assert all(pattern.match(url) for url in urls), urls
    assert len(set(urls)) == WANTED, "each event carries a fresh ticket"
    gaps = [later - earlier for earlier, later in zip([hello_at, *times], times, strict=False)]
    record_property("reconnect_url_gaps_secs", [round(gap, 3) for gap in gaps])
    print(f"reconnect_url gaps (first after hello): {[f'{gap:.3f}' for gap in gaps]}")
    # One interval apart (the client's clock starts after hello: the first may seem sooner).
    assert all(gap < INTERVAL_SECS * 5 for gap in gaps), gaps
    assert sum(gaps) >= INTERVAL_SECS * (WANTED - 1)


def test_a_reconnect_url_opens_a_session_for_the_same_user(frequent: ServerThread) -> None:
    with open_socket(frequent, "xoxb-1-classic") as bot:
        (url,), _ = reconnect_urls(bot, 1)
    with connect(url, open_timeout=FRAME_TIMEOUT_SECS, legacy=True) as again:
        assert recv_json(again) == {"type": "hello"}
        # The same user: alice's message to the bot reaches it, and what it writes is the
        # bot's.
        api(frequent, "chat.postMessage", "xoxp-1-client", channel="D0001", text="to the bot")
        assert recv_until(again, lambda f: f.get("text") == "to the bot")["user"] == "U0001"
        send_json(again, {"id": 7, "type": "message", "channel": "C0001", "text": "from bot"})
        assert recv_until(again, lambda f: f.get("reply_to") == 7)["ok"] is True
        # The reconnected session hears reconnect_url events of its own.
        reconnect_urls(again, 1)
    history = api(frequent, "conversations.history", "xoxp-1-client", channel="C0001")
    newest = history.body["messages"][0]
    assert (newest["text"], newest["user"]) == ("from bot", "U0BOT")
    # A reconnect URL is a ticket like rtm.connect's: used once.
    with connect(url, open_timeout=FRAME_TIMEOUT_SECS, legacy=True) as reused:
        assert closed_with(reused) == 1008


def test_no_reconnect_url_when_the_interval_is_0(
    frequent: ServerThread, never: ServerThread
) -> None:
    with (
        open_socket(never, "xoxb-1-classic") as quiet,
        open_socket(frequent, "xoxb-1-classic") as timer,
    ):
        # The other server's session, opened after this one, counts the intervals.
        reconnect_urls(timer, WANTED)
        # Everything this session was sent up to now comes before the pong.
        frames = round_trip(quiet, 1)
    assert [f for f in frames if f.get("type") == "reconnect_url"] == []
