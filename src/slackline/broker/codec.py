"""Broker messages as bytes, for brokers that cross process boundaries (pure)."""

from __future__ import annotations

from typing import Any

from slackline.broker.base import (
    AppEnvelope,
    BrokerMessage,
    ClusterNotice,
    ControlAction,
    Event,
    IdentitiesChanged,
    SessionControl,
    TicketIssued,
)
from slackline.jsonbytes import dumps, loads

_EVENT = "e"
_CONTROL = "c"
_TICKET_ISSUED = "m"
_IDENTITIES_CHANGED = "i"
_APP_ENVELOPE = "a"


def encode_message(message: BrokerMessage | ClusterNotice, stream_id: str = "") -> bytes:
    """Compact JSON with a one-letter kind tag; an event carries ``stream_id`` if given."""
    document: dict[str, Any]
    if isinstance(message, TicketIssued):
        document = {"k": _TICKET_ISSUED, "t": message.team_id, "d": message.digest}
    elif isinstance(message, IdentitiesChanged):
        document = {"k": _IDENTITIES_CHANGED, "o": message.origin}
    elif isinstance(message, AppEnvelope):
        document = {"k": _APP_ENVELOPE, "a": message.app_id, "i": message.kind,
                    "p": message.payload, "t": message.token, "r": message.reply}  # fmt: skip
    elif isinstance(message, Event):
        document = {
            "k": _EVENT,
            "t": message.team_id,
            "p": message.payload,
            "a": sorted(message.audience) if message.audience is not None else None,
            "x": message.exclude,
            "o": message.presence_of,
        }
        if stream_id:
            document["n"] = stream_id
    else:
        document = {
            "k": _CONTROL,
            "t": message.team_id,
            "a": message.action.value,
            "u": message.user_id,
            "h": message.token_hash,
        }
    return dumps(document)


def decode_message(data: bytes) -> BrokerMessage | ClusterNotice:
    """The message :func:`encode_message` made; ValueError for anything else."""
    document = loads(data)
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
            stream_id=str(document.get("n", "")),
        )
    if document.get("k") == _CONTROL:
        return SessionControl(
            team_id=str(document["t"]),
            action=ControlAction(document["a"]),
            user_id=document.get("u"),
            token_hash=document.get("h"),
        )
    if document.get("k") == _TICKET_ISSUED:
        return TicketIssued(team_id=str(document["t"]), digest=str(document["d"]))
    if document.get("k") == _IDENTITIES_CHANGED:
        return IdentitiesChanged(origin=str(document["o"]))
    if document.get("k") == _APP_ENVELOPE:
        return AppEnvelope(str(document["a"]), str(document["i"]), dict(document["p"]),
                           str(document["t"]), str(document["r"]))  # fmt: skip
    raise ValueError("unknown broker message kind")
