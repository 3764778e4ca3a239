"""Who hands each event to each app, in a cluster: the first process to claim it in Redis.

Every process receives every event from the broker, so an app connected over Socket Mode to
two processes, or one with a request URL (which any process can reach), would get each event
once per process. Before delivering, a process sets ``<prefix>:claim:<app>:<stream id>`` with
``NX``; only the one that set it delivers. The key outlives any redelivery of the event (the
broker's stream ids never repeat, so it only has to outlive the processes' lag).

When Redis does not answer, the process delivers anyway: an app may then get an event twice
(as Slack's own at-least-once delivery allows, with the same ``event_id`` semantics a retry
has), never lose one. Broker outages end sessions anyway (decisions E.8).
"""

from __future__ import annotations

import logging

from redis.asyncio import Redis

from slackline.broker import Event
from slackline.broker.redis import REDIS_ERRORS

logger = logging.getLogger("slackline.cluster")

CLAIM_TTL_SECS = 300


class RedisClaims:
    """Claims on events per app, shared by every process (keys under ``<prefix>:claim:``)."""

    def __init__(self, redis: Redis, *, prefix: str) -> None:
        self._redis = redis
        self._prefix = prefix

    async def claim(self, app_id: str, event: Event) -> bool:
        """Whether this process is the first to claim the event for the app."""
        key = f"{self._prefix}:claim:{app_id}:{event.stream_id}"
        try:
            won = await self._redis.set(key, b"1", nx=True, ex=CLAIM_TTL_SECS)
        except REDIS_ERRORS as exc:
            logger.warning("event claim not checked, delivering: %s", exc)
            return True
        return bool(won)
