"""Opaque cursors for keyset pagination and Slack's ``limit`` coercion."""

from __future__ import annotations

import base64
import binascii

from slackline.errors import SlackError, SlackErrorCode

DEFAULT_PAGE_LIMIT = 100
MAX_PAGE_LIMIT = 1000


def encode_cursor(kind: str, last_key: str) -> str:
    """A cursor that resumes a listing of ``kind`` after ``last_key``."""
    return base64.b64encode(f"{kind}:{last_key}".encode()).decode()


def decode_cursor(kind: str, cursor: str) -> str:
    """The key a cursor resumes after; ``""`` for no cursor; ``invalid_cursor`` if foreign."""
    if not cursor:
        return ""
    try:
        text = base64.b64decode(cursor.encode(), validate=True).decode()
    except (binascii.Error, UnicodeDecodeError, ValueError) as exc:
        raise SlackError(SlackErrorCode.INVALID_CURSOR) from exc
    prefix, sep, key = text.partition(":")
    if prefix != kind or not sep or not key:
        raise SlackError(SlackErrorCode.INVALID_CURSOR)
    return key


def page_limit(raw: str | None, default: int = DEFAULT_PAGE_LIMIT) -> int:
    """``limit`` as Slack coerces it: missing or 0 means the default; capped at 1000.

    A value that is not a whole number, or is negative, is ``invalid_limit``.
    """
    if raw is None or raw == "":
        return default
    try:
        value = int(raw)
    except ValueError as exc:
        raise SlackError(SlackErrorCode.INVALID_LIMIT) from exc
    if value < 0:
        raise SlackError(SlackErrorCode.INVALID_LIMIT)
    return min(value, MAX_PAGE_LIMIT) if value else default
