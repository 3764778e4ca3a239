"""The short-lived state processes share when the broker is Redis, built in one place.

- **Tickets** (:mod:`slackline.cluster.tickets`): issued on any process, redeemed once on any.
- **Recent events** (:mod:`slackline.cluster.catchup`): what a session opened on another
  process than its ``rtm.connect`` must get after ``hello``.
- **Rate limits** (:mod:`slackline.cluster.ratelimit`): one bucket per token and method for
  the whole cluster.
- **Identity-cache invalidation**: a change on one process
  (:meth:`~slackline.services.identity.IdentityService.invalidate`) is announced on the
  broker's channel before anything this process publishes afterwards, and every other
  process forgets its cached identities when it arrives; a broken subscription (which may
  have lost announcements) makes a process forget them too (decisions C.1).

Keys live under the broker's channel name, so ``?channel=`` separates installations
sharing one Redis.
"""

from __future__ import annotations

from slackline.broker import Broker, BrokerMessage, DeliveryGap
from slackline.broker.base import ClusterNotice, IdentitiesChanged
from slackline.broker.redis import RedisBroker, redis_client
from slackline.clock import Clock, IdFactory
from slackline.cluster.catchup import CatchUp, RecentEvents
from slackline.cluster.ratelimit import RedisRateLimiter
from slackline.cluster.tickets import RedisTickets, ticket_digest
from slackline.services.identity import IdentityService
from slackline.services.tickets import Ticket

COMMAND_TIMEOUT_SECS = 2.0


class ClusterState:
    """Tickets, recent events, rate limits and invalidation over one :class:`RedisBroker`."""

    def __init__(
        self, broker: RedisBroker, identities: IdentityService, clock: Clock, ids: IdFactory
    ) -> None:
        self._broker = broker
        self._identities = identities
        self.redis = redis_client(broker.url, socket_timeout=COMMAND_TIMEOUT_SECS)
        prefix = broker.channel
        self.tickets = RedisTickets(
            self.redis, prefix=prefix, channel=broker.channel, clock=clock, ids=ids
        )
        self.recent = RecentEvents(clock)
        self.rate_limits = RedisRateLimiter(self.redis, prefix=prefix, clock=clock)
        broker.observer = self.observe
        identities.announce_with(self._announce_identities_changed)

    async def close(self) -> None:
        """Disconnect from Redis (the broker closes its own connections)."""
        await self.tickets.close()
        await self.rate_limits.close()
        await self.redis.aclose()

    async def redeem(self, text: str) -> Ticket | None:
        """Take a ticket and wait until this process has seen its place in the event stream.

        None when the ticket is unknown, used or expired. When the place does not arrive,
        :meth:`catch_up` ends the session: it cannot know what it missed.
        """
        ticket = await self.tickets.redeem(text)
        if ticket is not None:
            await self.recent.wait_for_mark(ticket_digest(text))
        return ticket

    def catch_up(self, text: str, ticket: Ticket) -> CatchUp:
        """The events due to a session just attached (call in the same callback)."""
        return self.recent.catch_up(ticket_digest(text), ticket)

    def _announce_identities_changed(self) -> None:
        self._broker.send_soon(IdentitiesChanged(self._broker.origin))

    def observe(self, message: BrokerMessage | ClusterNotice | DeliveryGap) -> None:
        """The broker's observer: every message and notice received, in stream order."""
        if isinstance(message, IdentitiesChanged):
            if message.origin != self._broker.origin:
                self._identities.forget()
            return
        if isinstance(message, DeliveryGap):
            self._identities.forget()
        self.recent.observe(message)


def open_cluster_state(
    broker: Broker, identities: IdentityService, clock: Clock, ids: IdFactory
) -> ClusterState | None:
    """Shared state for a shared broker (Redis); None for the in-process one."""
    if isinstance(broker, RedisBroker):
        return ClusterState(broker, identities, clock, ids)
    return None
