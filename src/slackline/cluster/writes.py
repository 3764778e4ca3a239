"""Which teams a process may be writing for: between a commit and its event's publication.

Events are published after the commit (decisions F.1), so a process killed in between leaves
a stored change whose event nobody will send: every session of that team would have a
silent gap (E.8). Each process therefore counts, in Redis, the requests it is handling per
team (``<channel>:presence:proc:<id>:writing``) before it touches storage and takes the
count back after the response. When a process's heartbeat expires, the presence sweep
(cluster/presence.py) ends the sessions of every team it was writing for, on every
process, so that their clients resynchronise through the Web API. The count costs one
round trip to Redis per request in cluster mode; methods that publish nothing
(``rtm.connect``, ``rtm.start``: ``MethodSpec.publishes``) are not wrapped.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import TypeVar

from slackline.broker.base import EVERY_TEAM
from slackline.broker.redis import redis_client
from slackline.cluster.batch import CommandBatches
from slackline.cluster.presence import RedisPresenceService
from slackline.errors import BrokerError

logger = logging.getLogger("slackline.cluster")

C = TypeVar("C")
R = TypeVar("R")
# Short: a frozen Redis must not hold every write for long (the publish that follows has its
# own deadline, and a write is answered within about a second, decisions B.6).
COUNT_TIMEOUT_SECS = 0.5

__all__ = ["EVERY_TEAM", "RedisWritesInFlight"]
# Taking a count back never goes below zero: a sweep may have dropped the hash meanwhile.
_LUA_DONE = """
if redis.call('HINCRBY', KEYS[1], ARGV[1], -1) <= 0 then redis.call('HDEL', KEYS[1], ARGV[1]) end
return 1
"""


class RedisWritesInFlight:
    """This process's per-team count of requests that may commit and then publish."""

    def __init__(self, presence: RedisPresenceService) -> None:
        self._key = presence.writing_key
        self._redis = redis_client(presence.url, socket_timeout=COUNT_TIMEOUT_SECS)
        self._counts = CommandBatches(self._redis, transaction=False)  # see cluster/batch.py

    async def close(self) -> None:
        """Disconnect from Redis."""
        await self._counts.close()
        await self._redis.aclose()

    def around(
        self, handler: Callable[[C], Awaitable[R]], team_of: Callable[[C], str]
    ) -> Callable[[C], Awaitable[R]]:
        """``handler`` with its work counted under the team ``team_of`` names."""

        async def counted(call: C) -> R:
            async with self.writing(team_of(call)):
                return await handler(call)

        return counted

    @contextlib.asynccontextmanager
    async def writing(self, team_id: str) -> AsyncIterator[None]:
        """Count the enclosed work for ``team_id``.

        When Redis cannot record the count the work goes on uncounted: the broker cannot
        publish either, and a publish that fails has the team's sessions ended once Redis
        is back (broker/redis.py), so reads keep working through an outage.
        """
        counted = True
        try:
            await self._counts.execute(lambda pipe: pipe.hincrby(self._key, team_id, 1), 1)
        except BrokerError as exc:
            logger.debug("write in flight not recorded: %s", exc)
            counted = False
        try:
            yield
        finally:
            if counted:
                await self._take_back(team_id)

    async def _take_back(self, team_id: str) -> None:
        try:
            await self._counts.execute(lambda pipe: pipe.eval(_LUA_DONE, 1, self._key, team_id), 1)
        except BrokerError as exc:
            # The count stays up: if this process dies, its team is resynchronised anyway.
            logger.warning("cannot take back a write in flight: %s", exc)
