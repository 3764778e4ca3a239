"""Event fan-out between services and sessions, behind :class:`Broker`, chosen by URL."""

from __future__ import annotations

from typing import Literal

from slackline.broker.base import (
    Broker,
    BrokerMessage,
    ControlAction,
    DeliveryGap,
    Event,
    SessionControl,
    Subscriber,
)

BrokerKind = Literal["memory", "redis"]


def broker_kind(url: str) -> BrokerKind:
    """Which broker a URL names: ``memory://`` (one process) or ``redis://`` (a cluster)."""
    scheme = url.partition(":")[0].lower()
    if scheme == "memory":
        return "memory"
    if scheme in ("redis", "rediss"):
        return "redis"
    raise ValueError(f"unsupported broker URL scheme {scheme!r} (expected memory:// or redis://)")


def open_broker(url: str) -> Broker:
    """Create the broker a URL names; drivers are imported when used. (The server itself
    opens its broker with its shared state: :func:`slackline.app.open_events`.)"""
    if broker_kind(url) == "memory":
        from slackline.broker.memory import MemoryBroker  # noqa: PLC0415

        return MemoryBroker()
    from slackline.broker.redis import RedisBroker  # noqa: PLC0415

    return RedisBroker.from_url(url)


__all__ = [
    "Broker",
    "BrokerMessage",
    "ControlAction",
    "DeliveryGap",
    "Event",
    "SessionControl",
    "Subscriber",
    "broker_kind",
    "open_broker",
]
