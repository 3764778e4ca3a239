"""The broker interface: services publish events for an audience after commit."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol


@dataclass(frozen=True, slots=True)
class Event:
    """An RTM event for one team's audience.

    ``audience`` is the set of user ids who may receive it (members of the conversation,
    or the whole team when ``None``); ``payload`` is the event's JSON object.
    """

    team_id: str
    payload: dict[str, Any]
    audience: frozenset[str] | None = None
    exclude: str | None = None


Subscriber = Callable[[Event], None]


class Broker(Protocol):
    """Delivers each published event to every subscriber of its team, in publish order."""

    async def start(self) -> None:
        """Connect to the backend."""
        ...

    async def close(self) -> None:
        """Disconnect."""
        ...

    async def publish(self, event: Event) -> None:
        """Publish an event; call only after the change it describes is committed."""
        ...

    def subscribe(self, subscriber: Subscriber) -> Callable[[], None]:
        """Receive every event; returns a function that unsubscribes."""
        ...
