"""Socket tickets as ``rtm.connect`` and the socket endpoint use them (decisions C.4, D.1, E.1).

Where tickets live (this process, or Redis for several) is the shared state's business
(:mod:`slackline.shared.base`); this service adds the one rule on top: no ticket is issued
while the broker cannot deliver events, since a session opened then could miss some without
knowing (decisions E.8).
"""

from __future__ import annotations

from slackline.broker import Broker
from slackline.errors import SlackError, SlackErrorCode
from slackline.shared.base import Admission, TicketGrant, TicketStore


class TicketService:
    """Issues and redeems socket tickets."""

    def __init__(self, store: TicketStore, broker: Broker) -> None:
        self._store = store
        self._broker = broker

    async def issue(self, grant: TicketGrant) -> str:
        """A new ticket's text; ``service_unavailable`` while the broker's link is down."""
        if not self._broker.healthy:
            raise SlackError(SlackErrorCode.SERVICE_UNAVAILABLE)
        return await self._store.issue(grant)

    async def redeem(self, text: str) -> Admission | None:
        """Use a ticket; None when unknown, used or expired."""
        return await self._store.redeem(text)
