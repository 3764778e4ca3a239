"""Events held back by ``faults.delay_events``: they arrive late and in order, replies are
never delayed, and a counted delay ends by itself."""

from __future__ import annotations

import time

import pytest

from slackline.testing.server import ServerThread
from tests.helpers.events import ALICE, BOT, DAVE, admin, ok
from tests.helpers.rtm import open_socket, recv_json, recv_until, send_json

pytestmark = pytest.mark.usefixtures("cleared")


def test_delayed_events_arrive_late_and_in_order(server: ServerThread) -> None:
    with open_socket(server, ALICE) as alice:
        admin(server, "faults.delay_events", {"delay_ms": 300, "team": "T0001"})
        started = time.monotonic()
        for text in ("one", "two", "three"):
            ok(server, "chat.postMessage", BOT, channel="C0001", text=text)
        texts = [recv_until(alice, lambda f: f.get("type") == "message")["text"]
                 for _ in range(3)]  # fmt: skip
        assert texts == ["one", "two", "three"]
        assert time.monotonic() - started >= 0.3
        send_json(alice, {"id": 3, "type": "ping"})  # replies are not events: never delayed
        assert recv_json(alice) == {"type": "pong", "reply_to": 3}
        admin(server, "faults.clear", {})
        ok(server, "chat.postMessage", BOT, channel="C0001", text="after clear")
        assert recv_until(alice, lambda f: f.get("type") == "message")["text"] == "after clear"


def test_a_counted_event_delay_ends_by_itself_and_the_hub_is_subscribed_again(
    server: ServerThread,
) -> None:
    with open_socket(server, DAVE) as dave:  # dave connects nowhere else: he turns active
        active = {"presence_of": "U0004", "event": {"presence": "active"}}
        admin(server, "wait", {"for": "event", "match": active})  # published: not delayed
        admin(server, "faults.delay_events", {"delay_ms": 100, "count": 1})
        ok(server, "chat.postMessage", BOT, channel="C0009", text="late")
        ok(server, "chat.postMessage", BOT, channel="C0009", text="on time")
        assert recv_until(dave, lambda f: f.get("type") == "message")["text"] == "late"
        assert recv_until(dave, lambda f: f.get("type") == "message")["text"] == "on time"
    faults = admin(server, "faults.list", {})["faults"]
    assert (faults["delay_events"], faults["held_events"]) == (None, 0)
    assert server.app is not None and not server.app.require_faults().events.intercepting
