"""Event fan-out between services and sessions, behind :class:`Broker`, chosen by URL."""

from __future__ import annotations

from slackline.broker.base import (
    Broker,
    BrokerMessage,
    ControlAction,
    Event,
    SessionControl,
    Subscriber,
)


def open_broker(url: str) -> Broker:
    """Create the broker a URL names (``memory://``); drivers are imported when used."""
    scheme = url.partition(":")[0].lower()
    if scheme == "memory":
        from slackline.broker.memory import MemoryBroker  # noqa: PLC0415

        return MemoryBroker()
    raise ValueError(f"unsupported broker URL scheme {scheme!r} (expected memory://)")


__all__ = [
    "Broker",
    "BrokerMessage",
    "ControlAction",
    "Event",
    "SessionControl",
    "Subscriber",
    "open_broker",
]
