"""Event claims in Redis (the machine's, on 6379): the first process to claim an event for an
app delivers it; another app's claim on the same event is its own."""

from __future__ import annotations

import asyncio
import uuid

from slackline.broker import Event
from slackline.broker.redis import redis_client
from slackline.cluster.claims import RedisClaims

REDIS_URL = "redis://127.0.0.1:6379/0"


def _claims() -> list[bool]:
    """Two processes' claims (two clients) on one event for app A, then one for app B."""

    async def main() -> list[bool]:
        prefix = f"slackline-test-{uuid.uuid4().hex[:12]}"
        first = redis_client(REDIS_URL, socket_timeout=2.0)
        second = redis_client(REDIS_URL, socket_timeout=2.0)
        event = Event("T1", {"type": "message"}, stream_id="origin.1")
        try:
            return [
                await RedisClaims(first, prefix=prefix).claim("A1", event),
                await RedisClaims(second, prefix=prefix).claim("A1", event),
                await RedisClaims(second, prefix=prefix).claim("A2", event),
            ]
        finally:
            await first.delete(*[k async for k in first.scan_iter(f"{prefix}:*")])
            await first.aclose()
            await second.aclose()

    return asyncio.run(main())


def test_only_the_first_claim_of_an_event_for_an_app_wins() -> None:
    assert _claims()[:2] == [True, False]


def test_a_claim_for_another_app_is_its_own() -> None:
    assert _claims()[2] is True
