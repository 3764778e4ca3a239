"""Presence shared by every process through Redis (``redis://`` brokers; decisions E.3).

A user is ``active`` while any RTM session on any process is open and they have not set
themselves away, ``away`` otherwise. Every change of a count runs as one Lua script, and the
script that moves a user's cluster-wide count from 0 to 1 or from 1 to 0 also publishes the
``presence_change`` on the broker's channel, in the same atomic step: each real transition
is announced exactly once for the whole cluster, and in the order the transitions happened
(two processes deciding and then publishing separately could deliver "active" before an
earlier "away").

Keys, under ``<channel>:presence:`` (``?channel=`` separates installations):

- ``procs`` (set): the processes that hold counts.
- ``proc:<id>:alive`` (string with a TTL of :data:`PROCESS_TTL_SECS`): refreshed every
  :data:`HEARTBEAT_SECS`; a process whose key expired is dead.
- ``proc:<id>:sessions`` (hash ``team/user`` → count): that process's open sessions.
- ``online`` (hash ``team/user`` → count): open sessions on all processes.
- ``manual`` (hash ``team/user`` → ``"1"``/``"0"``): the manual-away flag (stored in the
  database) mirrored here while the user is online, so scripts can decide alone.
- ``away`` (hash ``team/user`` → encoded event): the ``away`` announcement of an online
  user, which a sweep publishes for them.
- ``activity`` (hash ``team/user`` → epoch seconds): when their latest session opened.

Every process sweeps, every :data:`SWEEP_SECS`, the processes whose ``alive`` key expired:
their counts are subtracted and the users left with none turn ``away``. A process that shuts
down cleanly retires its own counts at once. A process that was swept while alive (its loop
stalled longer than the TTL, or Redis lost its data) notices at its next script and writes
its counts back in full (``SYNC``), so nobody stays ``away`` while connected.

This process's changes go through one ordered queue, sent to Redis in pipelined batches, so
a connect storm costs few round trips and a close never overtakes the open before it.
Needs one Redis server (or primary), not Redis Cluster: scripts name keys they compute.
"""

from __future__ import annotations

import asyncio
import contextlib
import enum
import logging
import os
import secrets
import socket
from collections.abc import Awaitable, Callable, Coroutine, Sequence
from dataclasses import dataclass, field
from typing import Any

from redis.asyncio import Redis
from redis.commands.core import AsyncScript

from slackline.broker import Broker, ControlAction, SessionControl
from slackline.broker.codec import encode_message
from slackline.broker.redis import REDIS_ERRORS, redis_client
from slackline.clock import Clock
from slackline.cluster.presence_scripts import SCRIPTS
from slackline.domain.models import User
from slackline.errors import BrokerError, StorageError
from slackline.services.identity import IdentityService
from slackline.services.presence import (
    ACTIVE,
    AWAY,
    PresenceStatus,
    manual_presence_event,
    presence_event,
    store_manual_away,
)
from slackline.storage.base import Store

logger = logging.getLogger("slackline.cluster")

PROCESS_TTL_SECS = 5.0
HEARTBEAT_SECS = 1.0
SWEEP_SECS = 1.0
COMMAND_TIMEOUT_SECS = 2.0
CLOSE_TIMEOUT_SECS = 5.0
MAX_BATCH_OPS = 512


class _Kind(enum.Enum):
    OPEN = "open"
    CLOSE = "close"
    HEARTBEAT = "heartbeat"
    RETIRE = "retire"


@dataclass
class _Op:
    """One change of this process's counts, applied in queue order."""

    kind: _Kind
    key: tuple[str, str] = ("", "")
    manual: bool | asyncio.Task[bool] = False
    done: asyncio.Future[str | None] = field(
        default_factory=lambda: asyncio.get_running_loop().create_future()
    )


@dataclass
class _Held:
    """A user's sessions on this process as last sent to Redis, with what SYNC needs."""

    count: int
    manual: bool
    active_event: bytes
    away_event: bytes


async def _resolved(lookup: asyncio.Task[bool]) -> bool:
    """A manual-away lookup's answer; off if it failed (the user is then shown active)."""
    try:
        return await lookup
    except Exception:
        logger.exception("presence: manual-away lookup failed, taken as off")
        return False


def _field(key: tuple[str, str]) -> str:
    return f"{key[0]}/{key[1]}"


def _flag(value: bool) -> str:
    return "1" if value else "0"


class RedisPresenceService:
    """A :class:`~slackline.services.presence.Presence` shared by processes through Redis."""

    def __init__(
        self,
        url: str,
        channel: str,
        *,
        store: Store,
        broker: Broker,
        clock: Clock,
        identities: IdentityService,
        process_ttl_secs: float = PROCESS_TTL_SECS,
    ) -> None:
        self._url = url
        self._channel = channel
        self._prefix = f"{channel}:presence:"
        self._store = store
        self._broker = broker
        self._clock = clock
        self._identities = identities
        self._ttl_ms = max(1, round(process_ttl_secs * 1000))
        self.url = url
        self.process_id = f"{socket.gethostname()}:{os.getpid()}:{secrets.token_hex(4)}"
        self._redis: Redis | None = None
        self._scripts: dict[str, AsyncScript] = {}
        self._queue: asyncio.Queue[_Op] = asyncio.Queue()
        self._held: dict[tuple[str, str], _Held] = {}
        self._needs_sync = False
        self._retired = False
        self._reachable = True
        self._tasks: list[asyncio.Task[None]] = []

    @property
    def writing_key(self) -> str:
        """The hash of teams this process may be writing for (cluster/writes.py)."""
        return f"{self._prefix}proc:{self.process_id}:writing"

    # lifecycle

    async def start(self) -> None:
        """Register this process (fails when Redis cannot be reached), then keep it alive."""
        self._redis = redis_client(self._url, socket_timeout=COMMAND_TIMEOUT_SECS)
        self._scripts = {
            name: self._redis.register_script(source) for name, source in SCRIPTS.items()
        }
        try:
            await self._sync()
        except REDIS_ERRORS as exc:
            await self._redis.aclose()
            self._redis = None
            raise BrokerError(f"cannot register presence in Redis: {exc}") from exc
        loop = asyncio.get_running_loop()
        self._tasks = [
            loop.create_task(self._work()),
            loop.create_task(self._every(HEARTBEAT_SECS, self._heartbeat)),
            loop.create_task(self._every(SWEEP_SECS, self._sweep)),
        ]

    async def close(self) -> None:
        """Retire this process's counts (its users turn away unless seen elsewhere)."""
        if self._redis is None:
            return
        for task in self._tasks[1:]:
            task.cancel()
        retire = _Op(_Kind.RETIRE)
        self._queue.put_nowait(retire)
        try:
            await asyncio.wait_for(asyncio.shield(retire.done), CLOSE_TIMEOUT_SECS)
        except TimeoutError:
            logger.warning("presence not retired in time; other processes will sweep it")
        for task in self._tasks:
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        await self._redis.aclose()
        self._redis = None

    # sessions

    async def session_opened(self, team_id: str, user_id: str) -> None:
        """Count a new session; the user's first one in the cluster announces ``active``."""
        if self._redis is None or self._retired:
            return  # not counting (closed): no lookup left running unawaited
        cached = self._identities.cached_user(user_id)
        manual: bool | asyncio.Task[bool]
        if cached is not None:
            manual = cached.manual_away
        else:  # looked up while the op waits in the queue, which keeps its place
            manual = asyncio.get_running_loop().create_task(self._stored_manual_away(user_id))
        await self._submit(_Op(_Kind.OPEN, (team_id, user_id), manual))

    async def session_closed(self, team_id: str, user_id: str) -> None:
        """Forget a session; the user's last one in the cluster announces ``away``."""
        await self._submit(_Op(_Kind.CLOSE, (team_id, user_id)))

    # reading

    async def presences(self, users: Sequence[User]) -> list[str]:
        """Each user's cluster-wide presence, in order (one round trip)."""
        if not users:
            return []
        counts = await self._call(
            lambda redis: redis.hmget(
                self._prefix + "online", [_field((u.team_id, u.id)) for u in users]
            )
        )
        return [
            ACTIVE if count is not None and int(count) > 0 and not user.manual_away else AWAY
            for user, count in zip(users, counts, strict=True)
        ]

    async def status(self, team_id: str, user_id: str) -> PresenceStatus:
        """The user's presence; ``connection_count`` counts sessions on every process."""
        user = await self._store.get_user(user_id)
        name = _field((team_id, user_id))

        async def read(redis: Redis) -> list[Any]:
            pipe = redis.pipeline(transaction=False)
            pipe.hget(self._prefix + "online", name)
            pipe.hget(self._prefix + "activity", name)
            return list(await pipe.execute())

        count_text, activity = await self._call(read)
        count = int(count_text or 0)
        manual_away = user.manual_away if user is not None else False
        active = user is not None and count > 0 and not manual_away
        return PresenceStatus(
            presence=ACTIVE if active else AWAY,
            online=count > 0,
            manual_away=manual_away,
            connection_count=count,
            last_activity=int(activity) if activity and count else None,
        )

    async def set_manual_away(self, team_id: str, user_id: str, away: bool) -> None:
        """Store the flag, tell the user's sessions, then the cluster its presence."""
        if not await store_manual_away(self._store, self._identities, team_id, user_id, away):
            return
        await self._broker.publish(manual_presence_event(team_id, user_id, away))
        active, gone = self._events((team_id, user_id))
        args: list[Any] = [self._prefix, self._channel, _field((team_id, user_id)), _flag(away)]
        args += [active, gone]
        await self._call(lambda redis: self._scripts["manual"](args=args, client=redis))

    # the ordered queue

    async def _submit(self, op: _Op) -> None:
        if self._redis is None or self._retired:
            return
        self._queue.put_nowait(op)
        error = await op.done
        if error is not None:
            raise BrokerError(f"presence not updated: {error}")

    async def _work(self) -> None:
        while True:
            batch = [await self._queue.get()]
            while not self._queue.empty() and len(batch) < MAX_BATCH_OPS:
                batch.append(self._queue.get_nowait())
            try:
                error = await self._apply(batch)
            except Exception as exc:  # never leave the ops' waiters hanging
                logger.exception("presence: a batch failed")
                self._needs_sync = True
                error = str(exc)
            for op in batch:
                if not op.done.done():
                    op.done.set_result(error)

    async def _apply(self, batch: list[_Op]) -> str | None:
        """Send a batch in one pipeline; write everything back if Redis forgot us."""
        assert self._redis is not None
        pipe = self._redis.pipeline(transaction=False)
        kinds: list[_Kind] = []
        for op in batch:
            if self._retired:
                break
            if op.kind is _Kind.RETIRE:
                await self._queue_retire(pipe)
            elif op.kind is _Kind.HEARTBEAT and self._needs_sync:
                continue  # the SYNC below refreshes the heartbeat too
            elif not await self._queue_op(pipe, op):
                continue
            kinds.append(op.kind)
        try:
            results = await pipe.execute() if kinds else []
            forgotten = any(
                (kind is _Kind.HEARTBEAT and result == 0) or result == -1
                for kind, result in zip(kinds, results, strict=True)
                if kind is not _Kind.RETIRE
            )
            if (forgotten or self._needs_sync) and not self._retired:
                await self._sync()
        except REDIS_ERRORS as exc:
            self._needs_sync = True  # what was applied is unknown: write it all next time
            self._note_unreachable(exc)
            return str(exc)
        self._note_reachable()
        return None

    async def _queue_op(self, pipe: Any, op: _Op) -> bool:
        """Add an open, close or heartbeat to the pipeline; False when nothing is to send."""
        name = _field(op.key)
        if op.kind is _Kind.HEARTBEAT:
            args: list[Any] = [self._prefix, self._channel, self.process_id, self._ttl_ms]
            await self._scripts["heartbeat"](args=args, client=pipe)
            return True
        held = self._held.get(op.key)
        if op.kind is _Kind.CLOSE:
            if held is None:
                return False  # a close without an open: nothing to take back
            held.count -= 1
            if held.count == 0:
                del self._held[op.key]
            args = [self._prefix, self._channel, self.process_id, name]
            await self._scripts["close"](args=args, client=pipe)
            return True
        manual = op.manual if isinstance(op.manual, bool) else await _resolved(op.manual)
        if held is None:
            held = self._held[op.key] = _Held(0, manual, *self._events(op.key))
        held.count += 1
        args = [self._prefix, self._channel, self.process_id, name, _flag(manual),
                held.active_event, held.away_event, int(self._clock.now())]  # fmt: skip
        await self._scripts["open"](args=args, client=pipe)
        return True

    async def _queue_retire(self, pipe: Any) -> None:
        self._retired = True
        self._held.clear()
        args = [self._prefix, self._channel, self.process_id]
        await self._scripts["retire"](args=args, client=pipe)

    async def _sync(self) -> None:
        """Make this process's counts in Redis exactly those held here (and register)."""
        assert self._redis is not None
        args: list[Any] = [self._prefix, self._channel, self.process_id, self._ttl_ms,
                           int(self._clock.now())]  # fmt: skip
        for key, held in self._held.items():
            args += [_field(key), held.count, _flag(held.manual), held.active_event,
                     held.away_event]  # fmt: skip
        await self._scripts["sync"](args=args)
        self._needs_sync = False

    # keeping alive and sweeping

    async def _every(
        self, interval_secs: float, work: Callable[[], Coroutine[Any, Any, None]]
    ) -> None:
        while True:
            await asyncio.sleep(interval_secs)
            try:
                await work()
            except BrokerError:
                pass  # Redis unreachable: logged once by _note_unreachable, tried again
            except Exception:  # the loop must outlive a bug, or this process looks dead
                logger.exception("presence: periodic %s failed", work.__name__)

    async def _heartbeat(self) -> None:
        await self._submit(_Op(_Kind.HEARTBEAT))

    async def _sweep(self) -> None:
        args = [self._prefix, self._channel, self.process_id]
        swept, teams = await self._call(
            lambda redis: self._scripts["sweep"](args=args, client=redis)
        )
        if swept:
            logger.info("presence: swept %d process(es) that stopped", swept)
        for team in teams:
            # A process died between a commit and its event (decisions E.8): end the
            # team's sessions everywhere so that their clients resynchronise.
            team_id = team.decode() if isinstance(team, bytes) else str(team)
            logger.warning(
                "a stopped process was writing for team %s: ending its sessions",
                team_id or "(every team)",
            )
            with contextlib.suppress(BrokerError):  # the broker ends them once Redis is back
                await self._broker.publish(SessionControl(team_id, ControlAction.GOODBYE))

    # helpers

    def _events(self, key: tuple[str, str]) -> tuple[bytes, bytes]:
        team_id, user_id = key
        return (
            encode_message(presence_event(team_id, user_id, ACTIVE)),
            encode_message(presence_event(team_id, user_id, AWAY)),
        )

    async def _stored_manual_away(self, user_id: str) -> bool:
        try:
            user = await self._store.get_user(user_id)
        except StorageError as exc:
            logger.warning("presence: manual-away flag unreadable, taken as off: %s", exc)
            return False
        return user is None or user.manual_away  # an unknown user is never announced

    async def _call(self, command: Callable[[Redis], Awaitable[Any]]) -> Any:
        if self._redis is None:
            raise BrokerError("presence not started")
        try:
            result = await command(self._redis)
        except REDIS_ERRORS as exc:
            self._note_unreachable(exc)
            raise BrokerError(f"presence unavailable: {exc}") from exc
        self._note_reachable()
        return result

    def _note_unreachable(self, exc: BaseException) -> None:
        if self._reachable:
            logger.warning("presence: Redis unreachable: %s", exc)
        self._reachable = False

    def _note_reachable(self) -> None:
        if not self._reachable:
            logger.info("presence: Redis reachable again")
        self._reachable = True
