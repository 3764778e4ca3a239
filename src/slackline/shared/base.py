"""The shared-state port: what every process of one installation must agree on.

Socket tickets and the events kept for them (decisions C.4, E.2), rate limits (C.3),
presence counting (E.3), the writes a process may have in flight (E.8) and whether
in-process caches may be trusted. Two implementations, chosen once, at composition
(:func:`slackline.app.open_events`), from the broker URL:

- ``memory://``: :class:`slackline.shared.local.LocalSharedState`, everything in this
  process's memory (one process is the whole server);
- ``redis://``: :class:`slackline.cluster.state.RedisSharedState`, in Redis, so that any
  number of processes behave as one.

No module outside composition asks which one it has.
"""

from __future__ import annotations

import hashlib
from collections.abc import Awaitable, Callable
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol, TypeVar

from slackline.broker import ControlAction, Event, Subscriber
from slackline.broker.base import AppEnvelope
from slackline.domain.events_api import Responder
from slackline.domain.ratelimit import Rate

if TYPE_CHECKING:
    from slackline.services.presence import Presence

TICKET_TTL_SECS = 30.0
# At most this many events are kept for one ticket; more and its session starts with
# ``goodbye`` (its client resynchronises through the Web API, decisions E.8).
MAX_KEPT_FRAMES = 1000


def capability_digest(text: str) -> str:
    """The name a capability (a socket ticket, a ``response_url``'s token) goes by in memory,
    in Redis and in broker notices: its SHA-256, never its text."""
    return hashlib.sha256(text.encode()).hexdigest()


C = TypeVar("C")
R = TypeVar("R")


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
    """A grant as redeemed, with when it was issued (on the issuing store's clock)."""

    issued_at: float


@dataclass(frozen=True, slots=True)
class CatchUp:
    """What a new session gets right after ``hello``: frames, then possibly its ending."""

    frames: list[bytes]
    ending: ControlAction | None = None


class Admission(Protocol):
    """A redeemed ticket, ready to become a session."""

    @property
    def ticket(self) -> Ticket:
        """What the ticket grants."""
        ...

    def catch_up(self) -> CatchUp:
        """The events since ``rtm.connect`` (E.2). Call it in the same loop callback as the
        session's attach, so no event can fall between the two."""
        ...


class TicketStore(Protocol):
    """Socket tickets: single-use, valid :data:`TICKET_TTL_SECS` (decisions C.4, D.1, E.1)."""

    async def issue(self, grant: TicketGrant) -> str:
        """Reserve a new ticket; from now on the user's events are kept for it (E.2)."""
        ...

    async def redeem(self, text: str) -> Admission | None:
        """Use a ticket (gone afterwards); None when unknown, used or expired."""
        ...

    def forget_all(self) -> None:
        """Forget every ticket this process holds (the control API's reset)."""
        ...


class RateLimits(Protocol):
    """Token buckets per key (decisions C.3), counted across every process."""

    async def acquire(self, key: tuple[str, ...], rate: Rate) -> int | None:
        """Take a token; None on success, else the whole seconds until one is free."""
        ...

    def forget_all(self) -> None:
        """Forget the buckets this process holds (the control API's reset)."""
        ...


class WritesInFlight(Protocol):
    """The teams this process may be writing for: between a commit and its event (E.8)."""

    def writing(self, team_id: str) -> AbstractAsyncContextManager[None]:
        """Around work that may commit and then publish for ``team_id``."""
        ...

    def around(
        self, handler: Callable[[C], Awaitable[R]], team_of: Callable[[C], str]
    ) -> Callable[[C], Awaitable[R]]:
        """``handler`` counted under the team ``team_of`` names (itself when nothing is
        counted: composition wraps each method once, at start)."""
        ...


class AppEventClaims(Protocol):
    """Which process hands an event to an app: each process sees every event, and an app
    connected to several (or with a request URL) must get it once."""

    async def claim(self, app_id: str, event: Event) -> bool:
        """Whether this process delivers ``event`` to the app (the first to ask does)."""
        ...


class ResponseUrls(Protocol):
    r"""The capabilities behind ``response_url``\ s: answered by any process, a few times."""

    async def remember(self, token: str, responder: Responder, ttl_secs: float) -> None:
        """Keep a new URL's token for ``ttl_secs``."""
        ...

    async def take(self, token: str, max_uses: int) -> Responder | None:
        """Count one use of the URL; where its answers go, or None when it is unknown,
        expired or used ``max_uses`` times already."""
        ...

    async def give_back(self, token: str) -> None:
        """Undo one use (the answer was refused)."""
        ...


Deliverer = Callable[[AppEnvelope], bool]


class AppDispatch(Protocol):
    """Slash commands and clicks for an app whose connections are on other processes."""

    async def elsewhere(self, envelope: AppEnvelope) -> bool:
        """Hand the envelope to a process with a connection of the app; whether one took it."""
        ...

    def deliver_with(self, has_connection: Callable[[str], bool], deliver: Deliverer) -> None:
        """How this process takes such envelopes (set at composition)."""
        ...


class SharedState(Protocol):
    """The parts of the state that several processes must share."""

    @property
    def tickets(self) -> TicketStore:
        """Socket tickets and the events kept for them."""
        ...

    @property
    def rate_limits(self) -> RateLimits:
        """Web API rate limits."""
        ...

    @property
    def writes(self) -> WritesInFlight:
        """Writes in flight (counted in a cluster)."""
        ...

    @property
    def presence(self) -> Presence:
        """Who is active."""
        ...

    @property
    def app_claims(self) -> AppEventClaims:
        """Who delivers each event to each app."""
        ...

    @property
    def response_urls(self) -> ResponseUrls:
        """``response_url`` capabilities."""
        ...

    @property
    def app_dispatch(self) -> AppDispatch:
        """Commands and clicks for apps connected elsewhere."""
        ...

    @property
    def caches_allowed(self) -> bool:
        """Whether this process may cache what the database holds (nobody else changes it)."""
        ...

    def deliveries(self, sessions: Subscriber) -> Subscriber:
        """The subscriber this process attaches to the broker, given its sessions' one
        (the local ticket store keeps events from the same stream)."""
        ...

    async def start(self) -> None:
        """Connect; called once before serving."""
        ...

    async def close(self) -> None:
        """Disconnect."""
        ...
