"""Slash commands and clicks on a cluster: ``response_url`` capabilities in Redis, and
envelopes for apps whose connections are on other processes.

**Response URLs.** ``<prefix>:respond:<sha256 of the token>`` holds where the answers go and
how many uses are spent, and expires with the URL (Redis's clock), so a ``response_url`` is
answered by any process behind the load balancer; a use is counted with one atomic script.

**Envelopes elsewhere.** A command or click for a Socket Mode app with no connection on the
process that took it is published on the broker's channel as an :class:`AppEnvelope` notice
(every process's observer gets it). Each process holding a connection of the app claims the
envelope (``SET NX``); the winner sends it and pushes ``1`` on ``<prefix>:dispatch:<reply>``,
which the first process waits for with ``BLPOP`` (at most :data:`DISPATCH_WAIT_SECS`): no
answer means no process could take it, so the command falls back to the app's request URL or
answers ``dispatch_failed``, as on one process.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Awaitable, Callable
from typing import TypeVar

from redis.asyncio import Redis

from slackline.broker.base import AppEnvelope
from slackline.broker.redis import REDIS_ERRORS, RedisBroker
from slackline.domain.events_api import Responder
from slackline.shared.base import Deliverer, capability_digest

logger = logging.getLogger("slackline.cluster")
T = TypeVar("T")

DISPATCH_WAIT_SECS = 1.5  # how long a process waits for another to take an envelope
DISPATCH_KEY_SECS = 60

# KEYS[1]: the URL's key. ARGV[1]: the most uses. Returns the responder's JSON, or nil.
_TAKE = """
local data = redis.call('HGET', KEYS[1], 'data')
if not data then return nil end
local uses = redis.call('HINCRBY', KEYS[1], 'uses', 1)
if uses > tonumber(ARGV[1]) then return nil end
return data
"""


async def _in_task(work: Awaitable[T]) -> T:
    """``work`` run as a task of its own: the HTTP server drives a request's coroutine
    without one (its hot path), and redis-py's pool waits under ``asyncio.timeout``, which
    needs a task. Commands and clicks are rare; the rate limiter's and tickets' Redis
    commands go through cluster/batch.py instead."""
    return await asyncio.ensure_future(work)


class RedisResponseUrls:
    """Response URL capabilities shared by every process (keys under ``<prefix>:respond:``)."""

    def __init__(self, redis: Redis, *, prefix: str) -> None:
        self._redis = redis
        self._prefix = prefix
        self._take = redis.register_script(_TAKE)

    def _key(self, token: str) -> str:
        return f"{self._prefix}:respond:{capability_digest(token)}"

    async def remember(self, token: str, responder: Responder, ttl_secs: float) -> None:
        """Keep the URL's token until it expires."""
        await _in_task(self._remember(self._key(token), responder, ttl_secs))

    async def _remember(self, key: str, responder: Responder, ttl_secs: float) -> None:
        async with self._redis.pipeline(transaction=True) as pipe:
            pipe.hset(key, mapping={"data": json.dumps(responder.to_json()), "uses": 0})
            pipe.pexpire(key, int(ttl_secs * 1000))
            await pipe.execute()

    async def take(self, token: str, max_uses: int) -> Responder | None:
        """Count a use (atomically); None when unknown, expired or used up."""
        found = await _in_task(self._take(keys=[self._key(token)], args=[max_uses]))
        if found is None:
            return None
        return Responder.from_json(json.loads(found))

    async def give_back(self, token: str) -> None:
        """Undo a use."""
        await _in_task(self._redis.hincrby(self._key(token), "uses", -1))


class RedisAppDispatch:
    """Envelopes for apps connected to other processes, through the broker's channel."""

    def __init__(self, redis: Redis, broker: RedisBroker, *, prefix: str) -> None:
        self._redis = redis
        self._broker = broker
        self._prefix = prefix
        self._has_connection: Callable[[str], bool] = lambda app_id: False
        self._deliver: Deliverer = lambda envelope: False
        self._tasks: set[asyncio.Task[None]] = set()

    def deliver_with(self, has_connection: Callable[[str], bool], deliver: Deliverer) -> None:
        """How this process sends an envelope to one of its own connections."""
        self._has_connection = has_connection
        self._deliver = deliver

    async def elsewhere(self, envelope: AppEnvelope) -> bool:
        """Publish the envelope and wait for a process to say it sent it."""
        self._broker.send_soon(envelope)
        try:
            answered = await _in_task(self._redis.blpop(
                [f"{self._prefix}:dispatch:{envelope.reply}"], timeout=DISPATCH_WAIT_SECS
            ))  # fmt: skip
        except REDIS_ERRORS as exc:
            logger.warning("no answer from the cluster for an app envelope: %s", exc)
            return False
        return answered is not None

    def received(self, envelope: AppEnvelope) -> None:
        """The observer saw an envelope: take it if this process has a connection of its app."""
        if not self._has_connection(envelope.app_id):
            return
        task = asyncio.get_running_loop().create_task(self._take(envelope))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _take(self, envelope: AppEnvelope) -> None:
        claim = f"{self._prefix}:dispatch-claim:{envelope.reply}"
        reply = f"{self._prefix}:dispatch:{envelope.reply}"
        try:
            if not await self._redis.set(claim, b"1", nx=True, ex=DISPATCH_KEY_SECS):
                return  # another process took it
            if not self._deliver(envelope):
                await self._redis.delete(claim)  # its connection closed meanwhile
                return
            async with self._redis.pipeline(transaction=True) as pipe:
                pipe.rpush(reply, b"1")
                pipe.expire(reply, DISPATCH_KEY_SECS)
                await pipe.execute()
        except REDIS_ERRORS as exc:
            logger.warning("an app envelope from another process was not taken: %s", exc)

    async def close(self) -> None:
        """Stop taking envelopes."""
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
