"""Redis going away and coming back: no silent gaps (decisions E.8), no lost acknowledgements."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from websockets.exceptions import ConnectionClosed

from slackline.broker import ControlAction, DeliveryGap, Event, SessionControl, open_broker
from slackline.errors import BrokerError
from tests.broker.test_contract import Inbox
from tests.helpers.http import api, start_server
from tests.helpers.redis import PrivateRedis
from tests.helpers.rtm import open_socket, recv_json, recv_until

RECOVERY_TIMEOUT_SECS = 15.0


async def _until(condition: Callable[[], bool], what: str) -> None:
    deadline = time.monotonic() + RECOVERY_TIMEOUT_SECS
    while not condition():
        if time.monotonic() > deadline:
            raise TimeoutError(what)
        await asyncio.sleep(0.05)  # bounded polling for a reconnect


def test_losing_redis_tells_subscribers_of_the_gap_and_recovers() -> None:
    with PrivateRedis() as redis:

        async def main() -> None:
            broker = open_broker(redis.url)
            await broker.start()
            inbox = Inbox()
            broker.subscribe(inbox)
            try:
                redis.stop()
                assert isinstance((await inbox.wait_for(1))[0], DeliveryGap)
                assert not broker.healthy
                with pytest.raises(BrokerError):
                    await broker.publish(Event("T1", {"lost": True}))
                redis.start()
                await _until(lambda: broker.healthy, "resubscribed")
                messages = await inbox.wait_for(2)
                assert messages[1] == SessionControl("T1", ControlAction.GOODBYE)
                await broker.publish(Event("T1", {"after": True}))
                assert (await inbox.wait_for(3))[2] == Event("T1", {"after": True})
            finally:
                await broker.close()

        asyncio.run(main())


def test_sessions_end_when_redis_goes_and_clients_reconnect_when_it_is_back(
    tmp_path: Path,
) -> None:
    with PrivateRedis() as redis:
        server = start_server(tmp_path, broker=redis.url)
        try:
            with open_socket(server, "xoxb-1-classic") as bot:
                redis.stop()
                assert recv_json(bot) == {"type": "goodbye"}
                with pytest.raises(ConnectionClosed):
                    bot.recv(timeout=5)
            down = api(server, "rtm.connect", "xoxb-1-classic")
            assert (down.status, down.body["error"]) == (503, "service_unavailable")
            posted = api(server, "chat.postMessage", "xoxp-1-client", channel="C0001", text="kept")
            assert posted.body == {"ok": False, "error": "internal_error"}
            history = api(server, "conversations.history", "xoxp-1-client", channel="C0001")
            assert [m["text"] for m in history.body["messages"]][:1] == ["kept"]
            redis.start()
            deadline = time.monotonic() + RECOVERY_TIMEOUT_SECS
            while api(server, "rtm.connect", "xoxb-1-classic").status != 200:
                assert time.monotonic() < deadline, "rtm.connect never recovered"
                time.sleep(0.05)  # bounded polling for the broker to resubscribe
            with open_socket(server, "xoxb-1-classic") as bot:
                api(server, "chat.postMessage", "xoxp-1-client", channel="C0001", text="back")
                assert recv_until(bot, lambda f: f.get("text") == "back")["user"] == "U0001"
        finally:
            server.stop()
