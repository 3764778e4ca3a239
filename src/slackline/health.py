"""Whether the server's dependencies answer: probed once a second, read by ``/healthz`` and
the metrics.

The database answers one trivial query and the broker a ping, each within
:data:`PROBE_TIMEOUT_SECS`; a failure or a timeout marks it down (with the reason) until the
next probe that succeeds. A Redis broker whose subscription is broken is down too, whatever
its ping says (events could not reach this process's sessions).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Coroutine
from dataclasses import dataclass
from typing import Any

from slackline.broker import Broker
from slackline.errors import BrokerError, StorageError
from slackline.storage import Store

logger = logging.getLogger("slackline.health")

PROBE_INTERVAL_SECS = 1.0
PROBE_TIMEOUT_SECS = 1.0


@dataclass(slots=True)
class DependencyHealth:
    """One dependency as last probed."""

    name: str
    up: bool = True
    reason: str = ""
    latency_secs: float = 0.0


class HealthProbe:
    """Probes the store and the broker in the background."""

    def __init__(self, store: Store, broker: Broker) -> None:
        self._store = store
        self._broker = broker
        self.database = DependencyHealth("database")
        self.broker = DependencyHealth("broker")
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        """Probe now and then every :data:`PROBE_INTERVAL_SECS`."""
        self._task = asyncio.get_running_loop().create_task(self._run())

    async def stop(self) -> None:
        """Stop probing."""
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task

    def problems(self) -> list[str]:
        """Why the server cannot serve now (empty when every dependency is up)."""
        return [f"{d.name}: {d.reason}" for d in (self.database, self.broker) if not d.up]

    async def probe(self) -> None:
        """Probe both dependencies once."""
        await asyncio.gather(
            self._probe(self.database, self._store.ping()),
            self._probe(self.broker, self._ping_broker()),
        )

    async def _ping_broker(self) -> None:
        if not self._broker.healthy:
            raise BrokerError("not subscribed")
        await self._broker.ping()

    async def _run(self) -> None:
        while True:
            await self.probe()
            await asyncio.sleep(PROBE_INTERVAL_SECS)

    async def _probe(self, health: DependencyHealth, check: Coroutine[Any, Any, None]) -> None:
        started = time.perf_counter()
        try:
            await asyncio.wait_for(check, PROBE_TIMEOUT_SECS)
        except TimeoutError:
            self._mark(health, f"no answer within {PROBE_TIMEOUT_SECS:g} s")
        except (StorageError, BrokerError) as exc:
            self._mark(health, str(exc) or type(exc).__name__)
        else:
            if not health.up:
                logger.info("%s answers again", health.name)
            health.up, health.reason = True, ""
        health.latency_secs = time.perf_counter() - started

    @staticmethod
    def _mark(health: DependencyHealth, reason: str) -> None:
        if health.up:
            logger.warning("%s down: %s", health.name, reason)
        health.up, health.reason = False, reason
