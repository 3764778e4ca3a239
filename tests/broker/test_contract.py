"""One contract for every broker: the in-process one and Redis (the machine's, on 6379)."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Awaitable, Callable
from typing import Any

import pytest

from slackline.broker import (
    Broker,
    BrokerMessage,
    ControlAction,
    DeliveryGap,
    Event,
    SessionControl,
    open_broker,
)

REDIS_URL = "redis://127.0.0.1:6379/0"
DELIVERY_TIMEOUT_SECS = 5.0


def _redis_url() -> str:
    return f"{REDIS_URL}?channel=slackline:test:{uuid.uuid4().hex}"


BROKER_URLS = [
    pytest.param(lambda: "memory://", id="memory"),
    pytest.param(_redis_url, id="redis"),
]


class Inbox:
    """A subscriber that lets a test wait for a number of messages."""

    def __init__(self) -> None:
        self.messages: list[BrokerMessage | DeliveryGap] = []
        self._changed = asyncio.Event()

    def __call__(self, message: BrokerMessage | DeliveryGap) -> None:
        self.messages.append(message)
        self._changed.set()

    async def wait_for(self, count: int) -> list[BrokerMessage | DeliveryGap]:
        async def wait() -> None:
            while len(self.messages) < count:
                self._changed.clear()
                await self._changed.wait()

        await asyncio.wait_for(wait(), DELIVERY_TIMEOUT_SECS)
        return self.messages


def run_with_broker(url: str, test: Callable[[Broker], Awaitable[Any]]) -> None:
    async def main() -> None:
        broker = open_broker(url)
        await broker.start()
        try:
            await test(broker)
        finally:
            await broker.close()

    asyncio.run(main())


@pytest.mark.parametrize("make_url", BROKER_URLS)
def test_an_event_arrives_with_every_field_intact(make_url: Callable[[], str]) -> None:
    event = Event(
        "T1",
        {"type": "user_typing", "channel": "C1", "user": "U1", "n": [1, {"a": None}]},
        audience=frozenset({"U1", "U2"}),
        exclude="U1",
        presence_of=None,
    )

    async def test(broker: Broker) -> None:
        inbox = Inbox()
        broker.subscribe(inbox)
        await broker.publish(event)
        assert await inbox.wait_for(1) == [event]

    run_with_broker(make_url(), test)


@pytest.mark.parametrize("make_url", BROKER_URLS)
def test_a_session_control_arrives_intact(make_url: Callable[[], str]) -> None:
    control = SessionControl("T1", ControlAction.MIGRATION, user_id="U1", token_hash="ab")

    async def test(broker: Broker) -> None:
        inbox = Inbox()
        broker.subscribe(inbox)
        await broker.publish(control)
        assert await inbox.wait_for(1) == [control]

    run_with_broker(make_url(), test)


@pytest.mark.parametrize("make_url", BROKER_URLS)
def test_messages_arrive_in_publish_order(make_url: Callable[[], str]) -> None:
    async def test(broker: Broker) -> None:
        inbox = Inbox()
        broker.subscribe(inbox)
        for n in range(200):
            await broker.publish(Event("T1", {"n": n}))
        received = await inbox.wait_for(200)
        assert [m.payload["n"] for m in received if isinstance(m, Event)] == list(range(200))

    run_with_broker(make_url(), test)


@pytest.mark.parametrize("make_url", BROKER_URLS)
def test_every_subscriber_gets_each_message_until_it_unsubscribes(
    make_url: Callable[[], str],
) -> None:
    async def test(broker: Broker) -> None:
        first, second = Inbox(), Inbox()
        broker.subscribe(first)
        unsubscribe = broker.subscribe(second)
        await broker.publish(Event("T1", {"n": 1}))
        await second.wait_for(1)
        unsubscribe()
        await broker.publish(Event("T1", {"n": 2}))
        assert len(await first.wait_for(2)) == 2
        assert len(second.messages) == 1

    run_with_broker(make_url(), test)


@pytest.mark.parametrize("make_url", BROKER_URLS)
def test_a_started_broker_is_healthy(make_url: Callable[[], str]) -> None:
    async def test(broker: Broker) -> None:
        assert broker.healthy

    run_with_broker(make_url(), test)


def run_with_two_processes(test: Callable[[Broker, Broker], Awaitable[Any]]) -> None:
    """Run ``test`` with two Redis brokers on one fresh channel: a publisher and another
    process's subscriber."""

    async def main() -> None:
        url = _redis_url()
        publisher, subscriber = open_broker(url), open_broker(url)
        await publisher.start()
        await subscriber.start()
        try:
            await test(publisher, subscriber)
        finally:
            await publisher.close()
            await subscriber.close()

    asyncio.run(main())


def test_redis_delivers_one_process_messages_to_another() -> None:
    async def test(publisher: Broker, subscriber: Broker) -> None:
        inbox = Inbox()
        subscriber.subscribe(inbox)
        await publisher.publish(Event("T1", {"from": "elsewhere"}))
        assert await inbox.wait_for(1) == [Event("T1", {"from": "elsewhere"})]

    run_with_two_processes(test)


def test_an_unknown_broker_scheme_is_refused() -> None:
    with pytest.raises(ValueError, match="unsupported broker URL scheme"):
        open_broker("kafka://127.0.0.1")


def test_redis_names_an_event_the_same_on_every_process() -> None:
    async def test(publisher: Broker, subscriber: Broker) -> None:
        theirs, ours = Inbox(), Inbox()
        subscriber.subscribe(theirs)
        publisher.subscribe(ours)
        await publisher.publish(Event("T1", {"n": 1}))
        await publisher.publish(Event("T1", {"n": 1}))
        names = [m.stream_id for m in await theirs.wait_for(2) if isinstance(m, Event)]
        assert names == [m.stream_id for m in await ours.wait_for(2) if isinstance(m, Event)]
        assert len(set(names)) == 2 and all(names)

    run_with_two_processes(test)
