"""The JSON frames the RTM server sends, as pure functions returning encoded frames."""

from __future__ import annotations

from typing import Any

from slackline.errors import RtmErrorCode
from slackline.jsonbytes import dumps
from slackline.websocket.protocol import encode_text


def encode_event(payload: dict[str, Any]) -> bytes:
    """Compact JSON (no raw newlines) in one unfragmented text frame."""
    return encode_text(dumps(payload))


HELLO_FRAME = encode_event({"type": "hello"})
GOODBYE_FRAME = encode_event({"type": "goodbye"})
MIGRATION_FRAME = encode_event({"type": "team_migration_started"})


def error_frame(code: RtmErrorCode) -> bytes:
    """An ``error`` event for a connection-level problem (or a frame that had no ``id``)."""
    return encode_event({"type": "error", "error": {"code": int(code), "msg": code.msg}})


def error_reply(reply_to: int, code: RtmErrorCode) -> bytes:
    """``{"ok":false,"reply_to":N,"error":{"code":...,"msg":...}}``."""
    return encode_event(
        {"ok": False, "reply_to": reply_to, "error": {"code": int(code), "msg": code.msg}}
    )


def message_ack(reply_to: int, ts: str, text: str) -> bytes:
    """``{"ok":true,"reply_to":N,"ts":...,"text":...}``, with no ``type`` (clients need that)."""
    return encode_event({"ok": True, "reply_to": reply_to, "ts": ts, "text": text})


def pong(reply_to: int, extras: dict[str, Any]) -> bytes:
    """``{"type":"pong","reply_to":N, ...the ping's flat extra fields}``."""
    return encode_event({**extras, "type": "pong", "reply_to": reply_to})
