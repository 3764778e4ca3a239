"""The Redis broker (for ``redis://`` URLs): one channel shared by every process.

One subscription per process (not per session) is read by one task and handed to the local
subscribers in order. When the subscription breaks, messages may have been lost, so the
subscribers are told with :class:`DeliveryGap` (sessions end and resynchronise, decisions
E.8) and the broker reports itself unhealthy until it has subscribed again. A publish that
fails leaves a stored change unannounced everywhere, so once Redis is back the broker tells
every process to end that team's sessions (``goodbye``), which resynchronises them.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable
from urllib.parse import parse_qs, urlencode, urlsplit, urlunsplit

from redis.asyncio import Redis
from redis.exceptions import RedisError

from slackline.broker.base import (
    BrokerMessage,
    ControlAction,
    DeliveryGap,
    SessionControl,
    Subscriber,
)
from slackline.broker.codec import decode_message, encode_message
from slackline.errors import BrokerError

logger = logging.getLogger("slackline.broker")

CHANNEL = "slackline:events"
CONNECT_TIMEOUT_SECS = 2.0
START_TIMEOUT_SECS = 10.0
HEALTH_CHECK_SECS = 1.0
RETRY_MIN_SECS = 0.1
RETRY_MAX_SECS = 2.0


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

    @classmethod
    def from_url(cls, url: str) -> RedisBroker:
        """``redis://host:port/db``; an optional ``?channel=NAME`` separates installations."""
        parts = urlsplit(url)
        query = parse_qs(parts.query)
        channel = query.pop("channel", [CHANNEL])[-1]
        rest = urlencode({k: v[-1] for k, v in query.items()})
        return cls(urlunsplit(parts._replace(query=rest)), channel)

    @property
    def healthy(self) -> bool:
        """Whether this process is subscribed right now."""
        return self._subscribed.is_set()

    async def start(self) -> None:
        """Connect and subscribe; fail if Redis cannot be reached in time."""
        self._publisher = Redis.from_url(
            self._url, socket_connect_timeout=CONNECT_TIMEOUT_SECS, socket_timeout=5.0
        )
        self._listener = asyncio.get_running_loop().create_task(self._listen())
        try:
            await asyncio.wait_for(self._subscribed.wait(), START_TIMEOUT_SECS)
        except TimeoutError as exc:
            await self.close()
            raise BrokerError(f"cannot subscribe to Redis at {_safe(self._url)}") from exc

    async def close(self) -> None:
        """Stop listening and disconnect."""
        self._closing = True
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
        try:
            await self._publisher.publish(self._channel, encode_message(message))
        except (OSError, ConnectionError, TimeoutError, RedisError) as exc:
            self._unannounced_teams.add(message.team_id)
            raise BrokerError(f"publish failed: {exc}") from exc

    def subscribe(self, subscriber: Subscriber) -> Callable[[], None]:
        """Add a local subscriber; the returned function removes it."""
        self._subscribers.append(subscriber)
        return lambda: self._subscribers.remove(subscriber)

    async def _listen(self) -> None:
        delay = RETRY_MIN_SECS
        ever_subscribed = False
        while not self._closing:
            try:
                await self._read_subscription(ever_subscribed)
            except (OSError, ConnectionError, TimeoutError, RedisError) as exc:
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
            self._subscribed.set()
            if resubscribing:
                logger.info("redis subscription restored")
            await self._announce_lost_teams()
            while not self._closing:
                message = await pubsub.get_message(
                    ignore_subscribe_messages=True, timeout=HEALTH_CHECK_SECS
                )
                if message is None:
                    await pubsub.ping()  # finds a dead link within HEALTH_CHECK_SECS
                elif message.get("type") == "message":
                    self._deliver_bytes(message["data"])

    async def _announce_lost_teams(self) -> None:
        """End, on every process, the sessions of teams whose events failed to publish."""
        while self._unannounced_teams:
            team_id = next(iter(self._unannounced_teams))
            control = SessionControl(team_id, ControlAction.GOODBYE)
            assert self._publisher is not None
            await self._publisher.publish(self._channel, encode_message(control))
            self._unannounced_teams.discard(team_id)

    def _deliver_bytes(self, data: bytes) -> None:
        try:
            message = decode_message(data)
        except (ValueError, KeyError, TypeError):
            logger.warning("ignored a malformed broker message")
            return
        self._deliver(message)

    def _deliver(self, message: BrokerMessage | DeliveryGap) -> None:
        for subscriber in list(self._subscribers):
            try:
                subscriber(message)
            except Exception:
                logger.exception("broker subscriber failed")


def _safe(url: str) -> str:
    """The URL without its password, for messages and logs."""
    scheme, _, rest = url.partition("://")
    return f"{scheme}://{rest.rpartition('@')[2]}"
