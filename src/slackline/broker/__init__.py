"""Event fan-out between services and sessions, behind :class:`Broker`, chosen by URL."""

from __future__ import annotations

from slackline.broker.base import (
    Broker,
    BrokerMessage,
    ControlAction,
    DeliveryGap,
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
    if scheme in ("redis", "rediss"):
        from slackline.broker.redis import RedisBroker  # noqa: PLC0415

        return RedisBroker.from_url(url)
    raise ValueError(f"unsupported broker URL scheme {scheme!r} (expected memory:// or redis://)")


__all__ = [
    "Broker",
    "BrokerMessage",
    "ControlAction",
    "DeliveryGap",
    "Event",
    "SessionControl",
    "Subscriber",
    "open_broker",
]
