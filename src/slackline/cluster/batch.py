"""Redis commands of concurrent requests sent together, a pipeline per batch.

redis-py sends each command on a connection of its own, checked out of a pool for the round
trip. Under a connect storm thousands of ``rtm.connect`` calls and upgrades each wanted one,
while the saturated event loop made every round trip long: in a 10,000-session storm over
two processes, 542 to 1,031 sessions failed after waiting 2 s for a free connection. Here
the commands queued while earlier batches are on the wire go out together, in one pipeline,
on one connection: a storm costs a few round trips per loop iteration, and the pool is never
run dry.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from redis.asyncio import Redis
from redis.asyncio.client import Pipeline

from slackline.broker.redis import REDIS_ERRORS
from slackline.errors import BrokerError

MAX_IN_FLIGHT = 4  # batches on the wire at once; the rest wait and grow
MAX_BATCH = 1000  # commands' owners per pipeline


@dataclass(slots=True)
class _Queued:
    add: Callable[[Pipeline], object]
    count: int
    result: asyncio.Future[list[Any]]


class CommandBatches:
    """Batches one kind of command (``transaction``: each batch inside MULTI/EXEC)."""

    def __init__(self, redis: Redis, *, transaction: bool) -> None:
        self._redis = redis
        self._transaction = transaction
        self._waiting: list[_Queued] = []
        self._in_flight = 0
        self._tasks: set[asyncio.Task[None]] = set()
        self._closed = False

    async def execute(self, add: Callable[[Pipeline], object], count: int) -> list[Any]:
        """The results of the ``count`` commands ``add`` puts on a pipeline; BrokerError when
        Redis cannot be reached or one of them fails."""
        if self._closed:
            raise BrokerError("redis client closed")
        queued = _Queued(add, count, asyncio.get_running_loop().create_future())
        self._waiting.append(queued)
        self._send_more()
        return await queued.result

    async def close(self) -> None:
        """Stop the batches on the wire (their callers get BrokerError)."""
        self._closed = True
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        for queued in self._waiting:
            _fail(queued, BrokerError("redis client closed"))
        self._waiting.clear()

    def _send_more(self) -> None:
        loop = asyncio.get_running_loop()
        while self._waiting and self._in_flight < MAX_IN_FLIGHT:
            batch, self._waiting = self._waiting[:MAX_BATCH], self._waiting[MAX_BATCH:]
            self._in_flight += 1
            task = loop.create_task(self._send(batch))
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)

    async def _send(self, batch: list[_Queued]) -> None:
        try:
            async with self._redis.pipeline(transaction=self._transaction) as pipe:
                for queued in batch:
                    queued.add(pipe)
                results = await pipe.execute(raise_on_error=False)
        except REDIS_ERRORS as exc:
            for queued in batch:
                _fail(queued, BrokerError(str(exc)))
        except asyncio.CancelledError:
            for queued in batch:
                _fail(queued, BrokerError("redis client closed"))
            raise
        else:
            _hand_out(batch, results)
        finally:
            self._in_flight -= 1
            if not self._closed:
                self._send_more()


def _hand_out(batch: list[_Queued], results: list[Any]) -> None:
    start = 0
    for queued in batch:
        mine = results[start : start + queued.count]
        start += queued.count
        failed = next((r for r in mine if isinstance(r, Exception)), None)
        if failed is not None:
            _fail(queued, BrokerError(str(failed)))
        elif not queued.result.done():
            queued.result.set_result(mine)


def _fail(queued: _Queued, error: BrokerError) -> None:
    if not queued.result.done():
        queued.result.set_exception(error)
