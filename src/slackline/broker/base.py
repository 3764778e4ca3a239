"""The broker interface: services publish events for an audience after commit.

Two kinds of message travel through it: :class:`Event` (an RTM event for some of a team's
sessions) and :class:`SessionControl` (end sessions: a revoked token, a deactivated user, a
team entering migration). Every process delivers each to its own sessions.
"""

from __future__ import annotations

import enum
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol, TypeVar

V = TypeVar("V")


@dataclass(frozen=True, slots=True)
class Event:
    """An RTM event for one team's sessions.

    ``audience`` is the set of user ids who may receive it (the members of the conversation)
    or ``None`` for the whole team; ``exclude`` is a user who must not get it (the typist of
    ``user_typing``); ``presence_of`` marks a ``presence_change`` of that user, delivered only
    to the sessions subscribed to them (decisions E.3). ``stream_id`` is the name a broker
    that crosses processes gave the published event, the same on every process that receives
    it (empty in one process), so processes can agree on who handles it once.
    """

    team_id: str
    payload: dict[str, Any]
    audience: frozenset[str] | None = None
    exclude: str | None = None
    presence_of: str | None = None
    stream_id: str = field(default="", compare=False)

    def reaches(self, user_id: str) -> bool:
        """Whether the sessions of ``user_id`` receive the event (presence aside)."""
        return user_id != self.exclude and (self.audience is None or user_id in self.audience)


def addressed(by_user: Mapping[str, V], event: Event) -> Iterator[V]:
    """The values of ``by_user`` (keyed by user id) of the users ``event`` reaches, walking
    the smaller of its audience and the mapping."""
    audience = event.audience
    if audience is None or len(audience) > len(by_user):
        for user_id, value in by_user.items():
            if event.reaches(user_id):
                yield value
    else:
        for user_id in audience:
            found = by_user.get(user_id)
            if found is not None and user_id != event.exclude:
                yield found


class ControlAction(enum.StrEnum):
    """How sessions are ended (decisions E.7)."""

    GOODBYE = "goodbye"
    MIGRATION = "migration"


# A SessionControl for every team (a crashed process's unknown writes: cluster/writes.py).
EVERY_TEAM = ""


@dataclass(frozen=True, slots=True)
class SessionControl:
    """End the team's sessions matching ``user_id`` and/or ``token_hash`` (all if neither).

    The team :data:`EVERY_TEAM` names every team's sessions.
    """

    team_id: str
    action: ControlAction
    user_id: str | None = None
    token_hash: str | None = None


BrokerMessage = Event | SessionControl


@dataclass(frozen=True, slots=True)
class TicketIssued:
    """A socket ticket (named by its digest, never its text) was issued for a team's user.

    Processes sharing a broker keep the events that follow it, so the session that redeems
    the ticket on any of them gets what happened since ``rtm.connect`` (decisions E.2).
    """

    team_id: str
    digest: str


@dataclass(frozen=True, slots=True)
class IdentitiesChanged:
    """Tokens, users, bots or teams changed on the process ``origin`` (decisions C.1).

    Every other process forgets the identities it cached.
    """

    origin: str


@dataclass(frozen=True, slots=True)
class AppEnvelope:
    """A slash command or click for an app that has no connection on the process that took
    it: the process holding one of the app's connections that claims ``reply`` sends it and
    answers on ``reply`` (cluster/responses.py). ``token`` names the ``response_url`` an
    acknowledgement's answer goes to ("" for none)."""

    app_id: str
    kind: str
    payload: dict[str, Any]
    token: str
    reply: str


ClusterNotice = TicketIssued | IdentitiesChanged | AppEnvelope
"""Messages between processes only: never delivered to subscribers, so never to sessions."""


@dataclass(frozen=True, slots=True)
class DeliveryGap:
    """Told to subscribers when messages may have been lost (the broker's link broke).

    Sessions then cannot know what they missed, so they must be ended (decisions E.8).
    """

    reason: str


Subscriber = Callable[[BrokerMessage | DeliveryGap], None]


class Broker(Protocol):
    """Delivers each published message to every subscriber, in publish order."""

    async def start(self) -> None:
        """Connect to the backend."""
        ...

    async def close(self) -> None:
        """Disconnect."""
        ...

    @property
    def healthy(self) -> bool:
        """Whether messages published now reach every process's subscribers."""
        ...

    async def publish(self, message: BrokerMessage) -> None:
        """Publish; call only after the change it describes is committed.

        Raises :class:`slackline.errors.BrokerError` when the message cannot be sent.
        """
        ...

    def subscribe(self, subscriber: Subscriber) -> Callable[[], None]:
        """Receive every message; returns a function that unsubscribes."""
        ...

    async def ping(self) -> None:
        """Raise :class:`slackline.errors.BrokerError` unless the backend answers."""
        ...
