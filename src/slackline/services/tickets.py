"""Socket tickets: single-use, valid for ``TICKET_TTL_SECS`` (decisions C.4, D.1, E.1)."""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass

from slackline.clock import Clock, IdFactory

TICKET_TTL_SECS = 30.0


@dataclass(frozen=True, slots=True)
class TicketGrant:
    """What a ticket grants: a session for this user and token, with its options."""

    team_id: str
    user_id: str
    bot_id: str | None
    token_hash: str
    batch_presence_aware: bool
    presence_sub: bool


@dataclass(frozen=True, slots=True)
class Ticket(TicketGrant):
    """A grant as redeemed, with when it was issued.

    ``issued_at`` is on the issuing store's clock: monotonic for :class:`TicketRegistry`,
    the issuing process's wall clock for tickets in Redis (informational there: Redis
    expires them).
    """

    issued_at: float


# What a ticket grants, held as an exact tuple of strings, bools and a float: CPython's
# collector stops tracking such tuples, so a connect storm's tickets never slow it down.
_Entry = tuple[str, str, str | None, str, bool, bool, float]


class TicketRegistry:
    """Tickets in process memory; expired ones are swept as new ones are issued."""

    def __init__(self, clock: Clock, ids: IdFactory, ttl_secs: float = TICKET_TTL_SECS) -> None:
        self._clock = clock
        self._ids = ids
        self._ttl_secs = ttl_secs
        self._tickets: OrderedDict[str, _Entry] = OrderedDict()

    def issue(self, grant: TicketGrant) -> str:
        """Reserve a new ticket for ``grant`` and return its text."""
        now = self._clock.monotonic()
        self._sweep(now)
        text = self._ids.ticket()
        self._tickets[text] = (
            grant.team_id, grant.user_id, grant.bot_id, grant.token_hash,
            grant.batch_presence_aware, grant.presence_sub, now,
        )  # fmt: skip
        return text

    def redeem(self, text: str) -> Ticket | None:
        """Use a ticket: it is gone afterwards; None if unknown, used or expired."""
        entry = self._tickets.pop(text, None)
        if entry is None or self._clock.monotonic() - entry[-1] > self._ttl_secs:
            return None
        return Ticket(*entry)

    def __len__(self) -> int:
        return len(self._tickets)

    def _sweep(self, now: float) -> None:
        while self._tickets:
            oldest = next(iter(self._tickets.values()))
            if now - oldest[-1] <= self._ttl_secs:
                break
            self._tickets.popitem(last=False)
