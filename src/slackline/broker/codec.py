"""Broker messages as bytes, for brokers that cross process boundaries (pure)."""

from __future__ import annotations

import json
from typing import Any

from slackline.broker.base import BrokerMessage, ControlAction, Event, SessionControl

_EVENT = "e"
_CONTROL = "c"


def encode_message(message: BrokerMessage) -> bytes:
    """Compact JSON with a one-letter kind tag."""
    document: dict[str, Any]
    if isinstance(message, Event):
        document = {
            "k": _EVENT,
            "t": message.team_id,
            "p": message.payload,
            "a": sorted(message.audience) if message.audience is not None else None,
            "x": message.exclude,
            "o": message.presence_of,
        }
    else:
        document = {
            "k": _CONTROL,
            "t": message.team_id,
            "a": message.action.value,
            "u": message.user_id,
            "h": message.token_hash,
        }
    return json.dumps(document, separators=(",", ":")).encode()


def decode_message(data: bytes) -> BrokerMessage:
    """The message :func:`encode_message` made; ValueError for anything else."""
    document = json.loads(data)
    if not isinstance(document, dict):
        raise ValueError("broker message is not an object")
    if document.get("k") == _EVENT:
        audience = document.get("a")
        return Event(
            team_id=str(document["t"]),
            payload=dict(document["p"]),
            audience=frozenset(audience) if audience is not None else None,
            exclude=document.get("x"),
            presence_of=document.get("o"),
        )
    if document.get("k") == _CONTROL:
        return SessionControl(
            team_id=str(document["t"]),
            action=ControlAction(document["a"]),
            user_id=document.get("u"),
            token_hash=document.get("h"),
        )
    raise ValueError("unknown broker message kind")
