"""Socket tickets as ``rtm.connect`` and the socket endpoint use them (decisions C.4, D.1, E.1).

Where tickets live (this process, or Redis for several) is the shared state's business
(:mod:`slackline.shared.base`); this service adds two rules on top. No ticket is issued while
the broker cannot deliver events, since a session opened then could miss some without
knowing (decisions E.8). And a ticket dies with its token and user: at redemption the token
is authenticated again, as ``rtm.connect`` did (revoked, expired, its user or bot
deactivated, its team deleted or no longer active, RTM refused), so a ticket issued before
any of these changes, on any process, opens nothing (it is answered as expired: the client
asks ``rtm.connect`` again and gets the error). The identity cache this reads is invalidated
on every process by any such change (decisions C.1).
"""

from __future__ import annotations

from dataclasses import dataclass

from slackline.broker import Broker
from slackline.clock import Clock
from slackline.domain import auth
from slackline.errors import BrokerError, SlackError, SlackErrorCode
from slackline.services.identity import IdentityService
from slackline.shared.base import Admission, Ticket, TicketGrant, TicketStore

RTM_SCOPES = ("rtm:stream", "client")
LINK_SCOPES = ("connections:write",)


@dataclass(slots=True)
class TicketStats:
    """Counts the metrics read."""

    issued: int = 0
    redeemed: int = 0
    refused: int = 0  # unknown, used, expired, or no longer admitted


class TicketService:
    """Issues and redeems socket tickets."""

    def __init__(
        self, store: TicketStore, broker: Broker, identities: IdentityService, clock: Clock
    ) -> None:
        self._store = store
        self._broker = broker
        self._identities = identities
        self._clock = clock
        self.stats = TicketStats()

    async def issue(self, grant: TicketGrant) -> str:
        """A new ticket's text; ``service_unavailable`` while the broker's link is down or
        the shared ticket store does not answer in time (as if it were down)."""
        if not self._broker.healthy:
            raise SlackError(SlackErrorCode.SERVICE_UNAVAILABLE)
        try:
            text = await self._store.issue(grant)
        except BrokerError as exc:
            raise SlackError(SlackErrorCode.SERVICE_UNAVAILABLE) from exc
        self.stats.issued += 1
        return text

    async def redeem(self, text: str, peer: str) -> Admission | None:
        """Use a ticket; None when unknown, used, expired, or its token no longer admits an
        RTM session from ``peer``."""
        admitted = await self._store.redeem(text)
        if admitted is None or not await self._still_admitted(admitted.ticket, peer):
            self.stats.refused += 1
            return None
        self.stats.redeemed += 1
        return admitted

    async def redeem_link(self, text: str, peer: str) -> Ticket | None:
        """Use a Socket Mode ticket (``apps.connections.open``): None when unknown, used,
        expired, or its app-level token no longer admits a connection from ``peer``."""
        admitted = await self._store.redeem(text)
        if admitted is None or not await self._still_admitted(admitted.ticket, peer, link=True):
            self.stats.refused += 1
            return None
        self.stats.redeemed += 1
        return admitted.ticket

    async def _still_admitted(self, ticket: Ticket, peer: str, *, link: bool = False) -> bool:
        identity = await self._identities.resolve_hash(ticket.token_hash)
        now = self._clock.now()
        try:
            auth.authenticate_token(identity.token if identity else None, caller_ip=peer, now=now)
            assert identity is not None  # authenticate_token raised otherwise
            auth.authenticate_identity(identity, now=now)
            if link:
                auth.authorize(identity, accepted_scopes=LINK_SCOPES, rtm=False, caller_ip=peer,
                               app_token=True)  # fmt: skip
            else:
                auth.authorize(identity, accepted_scopes=RTM_SCOPES, rtm=True, caller_ip=peer)
            auth.check_team_state(identity)
        except SlackError:
            return False
        return identity.user.id == ticket.user_id
