"""Socket tickets in Redis: valid on every process, usable once across all of them.

A ticket is stored under the SHA-256 digest of its text (``SET ... PX 30000 NX``), so a
Redis snapshot or ``KEYS`` listing never shows a usable ticket (decisions C.4, C.5); it is
taken with ``GETDEL``, which Redis runs atomically, so exactly one upgrade on any process
gets it (decisions E.1); Redis expires it after :data:`TICKET_TTL_SECS` on its own clock,
so the processes' clocks play no part. The same transaction publishes
:class:`~slackline.broker.base.TicketIssued` on the broker's channel: the point in the event
stream after which the ticket's session must see every event (decisions E.2, see
:mod:`slackline.cluster.catchup`).
"""

from __future__ import annotations

import json
import logging
import re

from redis.asyncio import Redis
from redis.asyncio.client import Pipeline

from slackline.broker.base import TicketIssued
from slackline.broker.codec import encode_message
from slackline.clock import Clock, IdFactory
from slackline.cluster.batch import CommandBatches
from slackline.errors import BrokerError
from slackline.shared.base import TICKET_TTL_SECS, Ticket, TicketGrant, capability_digest

logger = logging.getLogger("slackline.cluster")

_PLAUSIBLE_TICKET = re.compile(r"[A-Za-z0-9_-]{1,128}")


class RedisTickets:
    """Tickets shared by every process on one Redis (keys under ``<prefix>:ticket:``)."""

    def __init__(
        self,
        redis: Redis,
        *,
        prefix: str,
        channel: str,
        clock: Clock,
        ids: IdFactory,
        ttl_secs: float = TICKET_TTL_SECS,
    ) -> None:
        self._redis = redis
        self._prefix = prefix
        self._channel = channel
        self._clock = clock
        self._ids = ids
        self._ttl_ms = max(1, round(ttl_secs * 1000))
        # A connect storm's tickets go to Redis in batches (see cluster/batch.py).
        self._issues = CommandBatches(redis, transaction=True)
        self._takes = CommandBatches(redis, transaction=False)

    async def close(self) -> None:
        """Stop the batches on the wire."""
        await self._issues.close()
        await self._takes.close()

    def _key(self, digest: str) -> str:
        return f"{self._prefix}:ticket:{digest}"

    async def issue(self, grant: TicketGrant) -> str:
        """Store a new ticket for ``grant``, mark its place in the event stream; return its text.

        Raises :class:`~slackline.errors.BrokerError` when Redis cannot be reached.
        """
        text = self._ids.ticket()
        digest = capability_digest(text)
        value = json.dumps(
            {
                "team": grant.team_id,
                "user": grant.user_id,
                "bot": grant.bot_id,
                "token": grant.token_hash,
                "batch": grant.batch_presence_aware,
                "sub": grant.presence_sub,
                "at": self._clock.now(),
            },
            separators=(",", ":"),
        )
        mark = encode_message(TicketIssued(grant.team_id, digest))
        key = self._key(digest)

        def add(pipe: Pipeline) -> None:
            # Stored, then its mark: in one transaction, so both or neither.
            pipe.set(key, value, px=self._ttl_ms, nx=True)
            pipe.publish(self._channel, mark)

        try:
            stored, _ = await self._issues.execute(add, 2)
        except BrokerError as exc:
            raise BrokerError(f"ticket not stored: {exc}") from exc
        if not stored:
            raise BrokerError("ticket not stored: the same ticket text exists")
        return text

    async def redeem(self, text: str) -> Ticket | None:
        """Take a ticket (gone afterwards, on every process); None if unknown, used or expired.

        When Redis cannot be reached the ticket cannot be checked, so it counts as expired:
        the client gets error 1 and asks ``rtm.connect`` again.
        """
        if not _PLAUSIBLE_TICKET.fullmatch(text):
            return None
        key = self._key(capability_digest(text))
        try:
            (raw,) = await self._takes.execute(lambda pipe: pipe.getdel(key), 1)
        except BrokerError as exc:
            logger.warning("ticket not checked (redis unreachable): %s", exc)
            return None
        if raw is None:
            return None
        try:
            fields = json.loads(raw)
            return Ticket(
                team_id=str(fields["team"]),
                user_id=str(fields["user"]),
                bot_id=fields["bot"],
                token_hash=str(fields["token"]),
                batch_presence_aware=bool(fields["batch"]),
                presence_sub=bool(fields["sub"]),
                issued_at=float(fields["at"]),
            )
        except (ValueError, KeyError, TypeError):
            logger.warning("ignored a malformed ticket record in redis")
            return None
