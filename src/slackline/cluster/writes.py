"""Which teams a process may be writing for: between a commit and its event's publication.

Events are published after the commit (decisions F.1), so a process killed in between leaves
a stored change whose event nobody will send: every session of that team would have a
silent gap (E.8). Each process therefore counts, in Redis, the requests it is handling per
team (``<channel>:presence:proc:<id>:writing``) before it touches storage and takes the
count back after the response. When a process's heartbeat expires, the presence sweep
(cluster/presence.py) ends the sessions of every team it was writing for, on every
process, so that their clients resynchronise through the Web API. The count costs one
round trip to Redis per request in cluster mode; ``rtm.connect`` and ``rtm.start`` write
nothing and skip it.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import AsyncIterator
from typing import Any

from slackline.broker.base import EVERY_TEAM
from slackline.broker.redis import redis_client
from slackline.cluster.batch import CommandBatches
from slackline.cluster.presence import COMMAND_TIMEOUT_SECS, RedisPresenceService
from slackline.errors import BrokerError

logger = logging.getLogger("slackline.cluster")

# Methods that publish no event for sessions (their tickets' marks are covered by E.2).
WITHOUT_EVENTS = frozenset({"rtm.connect", "rtm.start"})
# Control endpoints that change storage without a team of their own (``act`` counts its
# user's team itself): a crash during one ends every team's sessions.
CONTROL_WRITES = frozenset(
    {"workspace.apply", "seed", "reset", "tokens.create", "tokens.revoke", "users.deactivate",
     "teams.update"}
)  # fmt: skip
__all__ = ["EVERY_TEAM", "WritesInFlight", "writes_in_flight"]
# Taking a count back never goes below zero: a sweep may have dropped the hash meanwhile.
_LUA_DONE = """
if redis.call('HINCRBY', KEYS[1], ARGV[1], -1) <= 0 then redis.call('HDEL', KEYS[1], ARGV[1]) end
return 1
"""


class WritesInFlight:
    """This process's per-team count of requests that may commit and then publish."""

    def __init__(self, presence: RedisPresenceService) -> None:
        self._key = presence.writing_key
        self._redis = redis_client(presence.url, socket_timeout=COMMAND_TIMEOUT_SECS)
        self._counts = CommandBatches(self._redis, transaction=False)  # see cluster/batch.py

    async def close(self) -> None:
        """Disconnect from Redis."""
        await self._counts.close()
        await self._redis.aclose()

    @staticmethod
    def covers(method: str) -> bool:
        """Whether a Web API method's calls are counted (any that may publish an event)."""
        return method not in WITHOUT_EVENTS

    @staticmethod
    def covers_control(endpoint: str) -> bool:
        """Whether a control endpoint's calls are counted (for every team)."""
        return endpoint in CONTROL_WRITES

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


def writes_in_flight(presence: Any) -> WritesInFlight | None:
    """The tracker for a clustered presence service; None in a single process."""
    return WritesInFlight(presence) if isinstance(presence, RedisPresenceService) else None
