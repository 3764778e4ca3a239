"""The shared state of a cluster (``redis://``): what every process must agree on, in Redis.

- **Tickets** (:mod:`slackline.cluster.tickets`): issued on any process, redeemed once on any.
- **Recent events** (:mod:`slackline.cluster.catchup`): what a session opened on another
  process than its ``rtm.connect`` must get after ``hello``.
- **Rate limits** (:mod:`slackline.cluster.ratelimit`): one bucket per token and method for
  the whole cluster.
- **Presence** (:mod:`slackline.cluster.presence`) and **writes in flight**
  (:mod:`slackline.cluster.writes`).
- **Event claims** (:mod:`slackline.cluster.claims`): which process hands an event to an app.
- **Response URLs and envelopes elsewhere** (:mod:`slackline.cluster.responses`): slash
  commands and clicks for apps connected to other processes, answered on any process.
- **Identity-cache invalidation**: a change on one process
  (:meth:`~slackline.services.identity.IdentityService.invalidate`) is announced on the
  broker's channel before anything this process publishes afterwards, and every other
  process forgets its cached identities when it arrives; a broken subscription (which may
  have lost announcements) makes a process forget them too (decisions C.1).
- **No in-process caches** of the database: other processes change it.

Keys live under the broker's channel name, so ``?channel=`` separates installations
sharing one Redis. Built by composition (:func:`slackline.app.open_events`) for a Redis
broker only.
"""

from __future__ import annotations

from dataclasses import dataclass

from slackline.broker import BrokerMessage, DeliveryGap, Subscriber
from slackline.broker.base import AppEnvelope, ClusterNotice, IdentitiesChanged
from slackline.broker.redis import RedisBroker, redis_client
from slackline.clock import Clock, IdFactory
from slackline.cluster.catchup import RecentEvents
from slackline.cluster.claims import RedisClaims
from slackline.cluster.presence import RedisPresenceService
from slackline.cluster.ratelimit import RedisRateLimiter
from slackline.cluster.responses import RedisAppDispatch, RedisResponseUrls
from slackline.cluster.tickets import RedisTickets
from slackline.cluster.writes import RedisWritesInFlight
from slackline.services.identity import IdentityService
from slackline.shared.base import CatchUp, Ticket, TicketGrant, capability_digest
from slackline.storage.base import Store

COMMAND_TIMEOUT_SECS = 2.0


@dataclass(frozen=True, slots=True)
class RedisAdmission:
    """A ticket taken from Redis whose place in the event stream this process has seen."""

    ticket: Ticket
    digest: str
    recent: RecentEvents

    def catch_up(self) -> CatchUp:
        """The events due since the ticket's mark (the mark is used up)."""
        return self.recent.catch_up(self.digest, self.ticket)


class SharedTickets:
    """Tickets in Redis, with the catch-up every process keeps from the event stream."""

    def __init__(self, tickets: RedisTickets, recent: RecentEvents) -> None:
        self._tickets = tickets
        self.recent = recent

    async def issue(self, grant: TicketGrant) -> str:
        """Store a ticket valid on every process and mark its place in the stream."""
        return await self._tickets.issue(grant)

    async def redeem(self, text: str) -> RedisAdmission | None:
        """Take a ticket and wait until this process has seen its place in the event stream.

        None when the ticket is unknown, used or expired. When the place does not arrive,
        the catch-up ends the session: it cannot know what it missed.
        """
        ticket = await self._tickets.redeem(text)
        if ticket is None:
            return None
        digest = capability_digest(text)
        await self.recent.wait_for_mark(digest)
        return RedisAdmission(ticket, digest, self.recent)

    def forget_all(self) -> None:
        """Tickets live in Redis, where they expire on their own: nothing to forget here."""

    async def close(self) -> None:
        """Stop the batches on the wire."""
        await self._tickets.close()


class RedisSharedState:
    """Tickets, recent events, rate limits, presence and invalidation over one Redis."""

    caches_allowed = False

    def __init__(
        self,
        broker: RedisBroker,
        store: Store,
        identities: IdentityService,
        clock: Clock,
        ids: IdFactory,
    ) -> None:
        self._broker = broker
        self._identities = identities
        self.redis = redis_client(broker.url, socket_timeout=COMMAND_TIMEOUT_SECS)
        prefix = broker.channel
        self.tickets = SharedTickets(
            RedisTickets(self.redis, prefix=prefix, channel=broker.channel, clock=clock, ids=ids),
            RecentEvents(clock),
        )
        self.rate_limits = RedisRateLimiter(self.redis, prefix=prefix, clock=clock)
        self.app_claims = RedisClaims(self.redis, prefix=prefix)
        self.response_urls = RedisResponseUrls(self.redis, prefix=prefix)
        self.app_dispatch = RedisAppDispatch(self.redis, broker, prefix=prefix)
        self.presence = RedisPresenceService(
            broker.url, broker.channel, store=store, broker=broker, clock=clock,
            identities=identities,
        )  # fmt: skip
        self.writes = RedisWritesInFlight(self.presence)
        broker.observer = self.observe
        identities.announce_with(self._announce_identities_changed)

    def deliveries(self, sessions: Subscriber) -> Subscriber:
        """The sessions' subscriber as it is: catch-up reads the stream as its observer."""
        return sessions

    async def start(self) -> None:
        """Join the cluster's presence (heartbeats, sweeps)."""
        await self.presence.start()

    async def close(self) -> None:
        """Leave the cluster and disconnect from Redis (the broker closes its own)."""
        await self.app_dispatch.close()
        await self.tickets.close()
        await self.rate_limits.close()
        await self.redis.aclose()
        await self.writes.close()
        await self.presence.close()

    def _announce_identities_changed(self) -> None:
        self._broker.send_soon(IdentitiesChanged(self._broker.origin))

    def observe(self, message: BrokerMessage | ClusterNotice | DeliveryGap) -> None:
        """The broker's observer: every message and notice received, in stream order."""
        if isinstance(message, IdentitiesChanged):
            if message.origin != self._broker.origin:
                self._identities.forget()
            return
        if isinstance(message, AppEnvelope):
            self.app_dispatch.received(message)
            return
        if isinstance(message, DeliveryGap):
            self._identities.forget()
        self.tickets.recent.observe(message)
