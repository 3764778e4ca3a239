"""Text that can always be stored and sent, and JSON that cannot exhaust the parser.

A string is *storable* when every database takes it and every encoder can write it: no NUL
(PostgreSQL refuses it in text) and no lone surrogate (``"\\ud800"`` in JSON decodes to one,
and no UTF-8 encoder can write it back). Such input is refused at the edge with the
transport's error (decisions A.10, E.6), so nothing stored can poison a later read.

JSON is parsed from UTF-8 only (a UTF-16 body declared UTF-8 is not JSON) and at most
:data:`MAX_JSON_DEPTH` containers deep.
"""

from __future__ import annotations

import json
import re
from typing import Any

MAX_JSON_DEPTH = 64
REPLACEMENT = "\ufffd"
_UNSTORABLE = re.compile("[\x00\ud800-\udfff]")
_LONE_SURROGATE = re.compile("[\ud800-\udfff]")


class UnusableJsonError(ValueError):
    """JSON that is not UTF-8, not JSON, nested too deep, or holds unstorable text."""


def storable(text: str) -> bool:
    """Whether ``text`` holds no NUL and no lone surrogate."""
    return _UNSTORABLE.search(text) is None


def check_document(
    document: object, max_depth: int = MAX_JSON_DEPTH, *, strings: bool = True
) -> None:
    """Raise :class:`UnusableJsonError` if a parsed document nests deeper than ``max_depth``
    or (with ``strings``) holds a key or string that is not storable (walked without
    recursion)."""
    stack: list[tuple[object, int]] = [(document, 1)]
    while stack:
        value, depth = stack.pop()
        if isinstance(value, str):
            if strings and not storable(value):
                raise UnusableJsonError("text with NUL or a lone surrogate")
        elif isinstance(value, dict | list):
            if depth > max_depth:
                raise UnusableJsonError(f"nested deeper than {max_depth}")
            items = value.items() if isinstance(value, dict) else enumerate(value)
            for key, item in items:
                if strings and isinstance(key, str) and not storable(key):
                    raise UnusableJsonError("a key with NUL or a lone surrogate")
                stack.append((item, depth + 1))


def load_json(raw: str | bytes, max_depth: int = MAX_JSON_DEPTH, *, strings: bool = True) -> Any:
    """Parse JSON text (bytes must be UTF-8) and check it with :func:`check_document`."""
    try:
        text = raw.decode("utf-8") if isinstance(raw, bytes) else raw
        document = json.loads(text)
    except (ValueError, RecursionError) as exc:  # UnicodeDecodeError is a ValueError
        raise UnusableJsonError(str(exc)) from exc
    check_document(document, max_depth, strings=strings)
    return document


def without_lone_surrogates(value: Any) -> Any:
    """``value`` with every lone surrogate in its strings replaced by U+FFFD (repairs)."""
    if isinstance(value, str):
        return _LONE_SURROGATE.sub(REPLACEMENT, value)
    if isinstance(value, list):
        return [without_lone_surrogates(item) for item in value]
    if isinstance(value, dict):
        return {without_lone_surrogates(k): without_lone_surrogates(v) for k, v in value.items()}
    return value
