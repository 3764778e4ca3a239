"""Response URL capabilities in Redis (the machine's, on 6379), as another process sees them:
taken a bounded number of times, given back when an answer is refused, unknown otherwise."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Awaitable, Callable
from typing import TypeVar

from slackline.broker.redis import redis_client
from slackline.cluster.responses import RedisResponseUrls
from slackline.domain.events_api import Responder

REDIS_URL = "redis://127.0.0.1:6379/0"
RESPONDER = Responder("T1", "C1", "U1", "U0BOT", "B1", original_ts="1.000001")
T = TypeVar("T")


def with_two_processes(test: Callable[[RedisResponseUrls, RedisResponseUrls], Awaitable[T]]) -> T:
    """Run ``test`` with two processes' stores (two clients) on a fresh prefix."""

    async def main() -> T:
        prefix = f"slackline-test-{uuid.uuid4().hex[:12]}"
        first = redis_client(REDIS_URL, socket_timeout=2.0)
        second = redis_client(REDIS_URL, socket_timeout=2.0)
        try:
            return await test(RedisResponseUrls(first, prefix=prefix),
                              RedisResponseUrls(second, prefix=prefix))  # fmt: skip
        finally:
            keys = [k async for k in first.scan_iter(f"{prefix}:*")]
            if keys:
                await first.delete(*keys)
            await first.aclose()
            await second.aclose()

    return asyncio.run(main())


def test_another_process_takes_a_url_as_many_times_as_allowed() -> None:
    async def test(issuer: RedisResponseUrls, other: RedisResponseUrls) -> list[object]:
        await issuer.remember("tok", RESPONDER, 60)
        return [await other.take("tok", 2) for _ in range(3)]

    assert with_two_processes(test) == [RESPONDER, RESPONDER, None]


def test_a_use_given_back_can_be_taken_again() -> None:
    async def test(issuer: RedisResponseUrls, other: RedisResponseUrls) -> object:
        await issuer.remember("tok", RESPONDER, 60)
        await other.take("tok", 1)
        await other.give_back("tok")
        return await issuer.take("tok", 1)

    assert with_two_processes(test) == RESPONDER


def test_an_unknown_url_is_none() -> None:
    async def test(issuer: RedisResponseUrls, other: RedisResponseUrls) -> object:
        return await other.take("never-issued", 5)

    assert with_two_processes(test) is None
