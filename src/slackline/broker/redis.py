"""The Redis broker (for ``redis://`` URLs): one channel shared by every process.

One subscription per process (not per session) is read by one task and handed to the local
subscribers in order. When the subscription breaks, messages may have been lost, so the
subscribers are told with :class:`DeliveryGap` (sessions end and resynchronise, decisions
E.8) and the broker reports itself unhealthy until it has subscribed again. A publish that
fails leaves a stored change unannounced everywhere, so once Redis is back the broker tells
every process to end that team's sessions (``goodbye``), which resynchronises them.

Cluster notices (:data:`~slackline.broker.base.ClusterNotice`) travel on the same channel,
so they are ordered with the events: they go to the :attr:`RedisBroker.observer` only, never
to subscribers. A notice handed to :meth:`RedisBroker.send_soon` is published before any
message this process publishes afterwards, so a change announced that way reaches every
process before the events and session endings that follow it.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import logging
import secrets
from collections import deque
from collections.abc import Callable
from urllib.parse import parse_qs, urlencode, urlsplit, urlunsplit

from redis.asyncio import BlockingConnectionPool, Redis
from redis.asyncio.client import PubSub
from redis.exceptions import RedisError

from slackline.broker.base import (
    AppEnvelope,
    BrokerMessage,
    ClusterNotice,
    ControlAction,
    DeliveryGap,
    Event,
    IdentitiesChanged,
    SessionControl,
    Subscriber,
    TicketIssued,
)
from slackline.broker.codec import decode_message, encode_message
from slackline.errors import BrokerError

logger = logging.getLogger("slackline.broker")

CHANNEL = "slackline:events"
CONNECT_TIMEOUT_SECS = 2.0
# Every command's deadline: past it Redis counts as down (a write then answers
# internal_error within about a second, decisions B.6; rtm.connect service_unavailable).
COMMAND_TIMEOUT_SECS = 1.0
START_TIMEOUT_SECS = 10.0
HEALTH_CHECK_SECS = 1.0
RETRY_MIN_SECS = 0.1
RETRY_MAX_SECS = 2.0
MAX_CONNECTIONS = 64  # per client; more concurrent commands wait for one

Observer = Callable[[BrokerMessage | ClusterNotice | DeliveryGap], None]
# What a Redis command raises when Redis cannot be reached or answers an error: every
# caller (broker, cluster state) catches exactly these.
REDIS_ERRORS = (OSError, ConnectionError, TimeoutError, RedisError)


class RedisBroker:
    """A :class:`~slackline.broker.base.Broker` shared by processes through Redis pub/sub."""

    def __init__(self, url: str, channel: str = CHANNEL) -> None:
        self._url = url
        self._channel = channel
        self._subscribers: list[Subscriber] = []
        self._publisher: Redis | None = None
        self._listener: asyncio.Task[None] | None = None
        self._subscribed = asyncio.Event()
        self._closing = False
        self._unannounced_teams: set[str] = set()
        self.origin = secrets.token_hex(8)  # this process, as named in its notices
        self._published = itertools.count(1)
        self.observer: Observer | None = None
        self._notices: deque[ClusterNotice] = deque()
        self._notice_lock = asyncio.Lock()
        self._notice_task: asyncio.Task[None] | None = None

    @classmethod
    def from_url(cls, url: str) -> RedisBroker:
        """``redis://host:port/db``; an optional ``?channel=NAME`` separates installations."""
        parts = urlsplit(url)
        query = parse_qs(parts.query)
        channel = query.pop("channel", [CHANNEL])[-1]
        rest = urlencode({k: v[-1] for k, v in query.items()})
        return cls(urlunsplit(parts._replace(query=rest)), channel)

    @property
    def url(self) -> str:
        """The Redis URL without Slackline's own options."""
        return self._url

    @property
    def channel(self) -> str:
        """The channel; it also prefixes the installation's keys in Redis."""
        return self._channel

    @property
    def healthy(self) -> bool:
        """Whether this process is subscribed right now."""
        return self._subscribed.is_set()

    async def start(self) -> None:
        """Connect and subscribe; fail if Redis cannot be reached in time."""
        self._publisher = redis_client(self._url, socket_timeout=COMMAND_TIMEOUT_SECS)
        self._listener = asyncio.get_running_loop().create_task(self._listen())
        try:
            await asyncio.wait_for(self._subscribed.wait(), START_TIMEOUT_SECS)
        except TimeoutError as exc:
            await self.close()
            raise BrokerError(f"cannot subscribe to Redis at {_safe(self._url)}") from exc

    async def close(self) -> None:
        """Stop listening and disconnect."""
        self._closing = True
        if self._notice_task is not None:
            self._notice_task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._notice_task
        if self._listener is not None:
            self._listener.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._listener
        if self._publisher is not None:
            await self._publisher.aclose()
        self._subscribers.clear()

    async def publish(self, message: BrokerMessage) -> None:
        """Send the message to every process (this one included, through Redis)."""
        if self._publisher is None:
            raise BrokerError("broker not started")
        if not self.healthy:
            # Not subscribed: Redis is down or frozen; fail now rather than at the deadline.
            self._unannounced_teams.add(message.team_id)
            raise BrokerError("redis unreachable")
        try:
            if self._notices or self._notice_lock.locked():
                await self._send_notices()
            await self._publisher.publish(self._channel, self._encode(message))
        except REDIS_ERRORS as exc:
            self._unannounced_teams.add(message.team_id)
            raise BrokerError(f"publish failed: {exc}") from exc

    def _encode(self, message: BrokerMessage) -> bytes:
        """The message's bytes; an event is named ``<origin>.<n>``, unique in the cluster."""
        if isinstance(message, Event):
            return encode_message(message, f"{self.origin}.{next(self._published)}")
        return encode_message(message)

    async def ping(self) -> None:
        """A PING within the command deadline."""
        if self._publisher is None:
            raise BrokerError("broker not started")
        try:
            await self._publisher.ping()
        except REDIS_ERRORS as exc:
            raise BrokerError(f"ping failed: {exc}") from exc

    def subscribe(self, subscriber: Subscriber) -> Callable[[], None]:
        """Add a local subscriber; the returned function removes it."""
        self._subscribers.append(subscriber)
        return lambda: self._subscribers.remove(subscriber)

    def send_soon(self, notice: ClusterNotice) -> None:
        """Publish a notice in the background, before anything published after this call.

        A notice that cannot be sent now is sent again once Redis is back (the other
        processes meanwhile saw a :class:`DeliveryGap`).
        """
        if not self._notices or self._notices[-1] != notice:  # the same change twice is once
            self._notices.append(notice)
        if self._publisher is not None and (self._notice_task is None or self._notice_task.done()):
            self._notice_task = asyncio.get_running_loop().create_task(self._send_notices_later())

    async def _send_notices_later(self) -> None:
        try:
            await self._send_notices()
        except REDIS_ERRORS as exc:
            logger.warning("cluster notice not sent yet: %s", exc)

    async def _send_notices(self) -> None:
        """Publish the queued notices in order (one sender at a time)."""
        assert self._publisher is not None
        async with self._notice_lock:
            while self._notices:
                await self._publisher.publish(self._channel, encode_message(self._notices[0]))
                self._notices.popleft()

    async def _listen(self) -> None:
        delay = RETRY_MIN_SECS
        ever_subscribed = False
        while not self._closing:
            try:
                await self._read_subscription(ever_subscribed)
            except REDIS_ERRORS as exc:
                if self._subscribed.is_set() or not ever_subscribed:
                    logger.warning("redis subscription lost: %s", exc)
                ever_subscribed = ever_subscribed or self._subscribed.is_set()
                if self._subscribed.is_set():
                    self._subscribed.clear()
                    self._deliver(DeliveryGap("redis subscription lost"))
                await asyncio.sleep(delay)
                delay = min(delay * 2, RETRY_MAX_SECS)
            else:
                delay = RETRY_MIN_SECS

    async def _read_subscription(self, resubscribing: bool) -> None:
        assert self._publisher is not None
        async with self._publisher.pubsub() as pubsub:
            await pubsub.subscribe(self._channel)
            # SUBSCRIBE is only sent: a frozen Redis (SIGSTOP) accepts it and never answers.
            await _confirmed(pubsub)
            if resubscribing:
                # Idle publisher connections predate the outage: the next publish on one
                # would fail on a socket the old server closed.
                await self._publisher.connection_pool.disconnect(inuse_connections=False)
            self._subscribed.set()
            if resubscribing:
                logger.info("redis subscription restored")
            await self._announce_lost_teams()
            await self._read_messages(pubsub)

    async def _read_messages(self, pubsub: PubSub) -> None:
        """Deliver messages until the link fails; a link silent for a whole
        :data:`HEALTH_CHECK_SECS` is pinged, and one whose PING gets no answer within another
        is dead (a frozen Redis keeps the socket open: only the missing answer shows it)."""
        loop = asyncio.get_running_loop()
        pinged_at: float | None = None
        while not self._closing:
            wait = HEALTH_CHECK_SECS
            if pinged_at is not None:
                wait = max(0.0, pinged_at + HEALTH_CHECK_SECS - loop.time())
            message = await pubsub.get_message(ignore_subscribe_messages=True, timeout=wait)
            if message is not None:
                pinged_at = None  # Redis answers: the link is alive
                if message.get("type") == "message":
                    self._deliver_bytes(message["data"])
            elif pinged_at is None:
                await pubsub.ping()
                pinged_at = loop.time()
            elif loop.time() >= pinged_at + HEALTH_CHECK_SECS:
                raise TimeoutError(f"no answer to PING within {HEALTH_CHECK_SECS:g} s")

    async def _announce_lost_teams(self) -> None:
        """End, on every process, the sessions of teams whose events failed to publish."""
        while self._unannounced_teams:
            team_id = next(iter(self._unannounced_teams))
            control = SessionControl(team_id, ControlAction.GOODBYE)
            assert self._publisher is not None
            await self._publisher.publish(self._channel, encode_message(control))
            self._unannounced_teams.discard(team_id)
        await self._send_notices()

    def _deliver_bytes(self, data: bytes) -> None:
        try:
            message = decode_message(data)
        except (ValueError, KeyError, TypeError):
            logger.warning("ignored a malformed broker message")
            return
        if isinstance(message, TicketIssued | IdentitiesChanged | AppEnvelope):
            self._observe(message)
        else:
            self._deliver(message)

    def _observe(self, message: BrokerMessage | ClusterNotice | DeliveryGap) -> None:
        if self.observer is not None:
            try:
                self.observer(message)
            except Exception:
                logger.exception("broker observer failed")

    def _deliver(self, message: BrokerMessage | DeliveryGap) -> None:
        self._observe(message)
        for subscriber in list(self._subscribers):
            try:
                subscriber(message)
            except Exception:
                logger.exception("broker subscriber failed")


async def _confirmed(pubsub: PubSub) -> None:
    """Wait for Redis to confirm the subscription, at most :data:`COMMAND_TIMEOUT_SECS`."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + COMMAND_TIMEOUT_SECS
    while (remaining := deadline - loop.time()) > 0:
        message = await pubsub.get_message(ignore_subscribe_messages=False, timeout=remaining)
        if message is not None and message.get("type") == "subscribe":
            return
    raise TimeoutError(f"no answer to SUBSCRIBE within {COMMAND_TIMEOUT_SECS:g} s")


def redis_client(url: str, *, socket_timeout: float) -> Redis:
    """A client whose callers wait (up to ``socket_timeout``) for a free connection.

    redis-py's default pool fails at once beyond 100 connections: a storm of a few hundred
    concurrent ``rtm.connect`` calls on one process answered ``internal_error`` (bench W4R).
    """
    pool = BlockingConnectionPool.from_url(
        url,
        max_connections=MAX_CONNECTIONS,
        timeout=socket_timeout,
        socket_connect_timeout=CONNECT_TIMEOUT_SECS,
        socket_timeout=socket_timeout,
    )
    return Redis.from_pool(pool)


def _safe(url: str) -> str:
    """The URL without its password, for messages and logs."""
    scheme, _, rest = url.partition("://")
    return f"{scheme}://{rest.rpartition('@')[2]}"
