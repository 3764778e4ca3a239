"""The in-process broker: events go straight to this process's subscribers."""

from __future__ import annotations

from collections.abc import Callable

from slackline.broker.base import BrokerMessage, Subscriber


class MemoryBroker:
    """A :class:`~slackline.broker.base.Broker` for one process."""

    def __init__(self) -> None:
        self._subscribers: list[Subscriber] = []

    async def start(self) -> None:
        """Nothing to connect to."""

    async def close(self) -> None:
        """Forget every subscriber."""
        self._subscribers.clear()

    @property
    def healthy(self) -> bool:
        """Always: there is no link to lose."""
        return True

    async def publish(self, message: BrokerMessage) -> None:
        """Hand the message to every subscriber synchronously, in subscription order."""
        for subscriber in list(self._subscribers):
            subscriber(message)

    async def ping(self) -> None:
        """Always answers: it is this process."""

    def subscribe(self, subscriber: Subscriber) -> Callable[[], None]:
        """Add a subscriber; the returned function removes it."""
        self._subscribers.append(subscriber)
        return lambda: self._subscribers.remove(subscriber)
