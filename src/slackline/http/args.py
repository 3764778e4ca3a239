"""Turning a request's query string and body into Slack method arguments (decisions A.2-A.8).

Pure functions: they take bytes and headers and return arguments, warnings and token
candidates, or raise :class:`SlackError` with the request-format code.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from urllib.parse import unquote_to_bytes

from slackline.domain.text import MAX_JSON_DEPTH, UnusableJsonError, load_json, storable
from slackline.errors import SlackError, SlackErrorCode, SlackWarningCode
from slackline.http.multipart import parse_multipart

MAX_ARG_NAME_CHARS = 64
# A JSON body nests its arguments one level down, and JSON arguments (blocks) are checked
# again by their own parsers at MAX_JSON_DEPTH, with their own errors.
MAX_BODY_DEPTH = 2 * MAX_JSON_DEPTH
MAX_CACHED_HEADER_CHARS = 256
_ARG_NAME = re.compile(r"^[A-Za-z0-9_]+$")
_BAD_PERCENT = re.compile(rb"%(?![0-9A-Fa-f]{2})")
ACCEPTED_CHARSETS = frozenset({"utf-8", "iso-8859-1"})
FORM_TYPES = frozenset({"application/x-www-form-urlencoded", "multipart/form-data"})
NEEDS_CHARSET_TYPES = frozenset({"application/json", "text/plain"})
KNOWN_TYPES = FORM_TYPES | NEEDS_CHARSET_TYPES


@dataclass(slots=True)
class ParsedArguments:
    """A request's arguments and where a token was found."""

    args: dict[str, str] = field(default_factory=dict)
    body_token: str | None = None
    query_token: str | None = None


@dataclass(frozen=True, slots=True)
class ContentType:
    """A parsed ``Content-Type`` header."""

    mime: str
    params: dict[str, str]

    @property
    def charset(self) -> str | None:
        """The declared charset, lower-cased, if any."""
        value = self.params.get("charset")
        return value.lower() if value is not None else None


def parse_content_type(value: str) -> ContentType:
    """Split ``type/sub; k=v; ...`` into the lower-cased type and its parameters.

    Clients send a handful of distinct values, so short ones are parsed once (the result is
    shared: never change its ``params``).
    """
    if len(value) <= MAX_CACHED_HEADER_CHARS:
        return _cached_content_type(value)
    return _content_type(value)


@lru_cache(maxsize=256)
def _cached_content_type(value: str) -> ContentType:
    return _content_type(value)


def _content_type(value: str) -> ContentType:
    mime, _, rest = value.partition(";")
    params: dict[str, str] = {}
    for part in rest.split(";"):
        key, sep, val = part.strip().partition("=")
        if sep:
            params[key.strip().lower()] = val.strip().strip('"')
    return ContentType(mime.strip().lower(), params)


def parse_bool(value: str) -> bool:
    """Slack booleans: ``1``/``true`` true, ``0``/``false``/empty false (any case)."""
    lowered = value.strip().lower()
    if lowered in ("1", "true"):
        return True
    if lowered in ("0", "false", ""):
        return False
    raise SlackError(SlackErrorCode.INVALID_ARGUMENTS)


def check_arg_name(name: str) -> None:
    """Reject array-style and malformed argument names (decisions A.6)."""
    if "[" in name:
        raise SlackError(SlackErrorCode.INVALID_ARRAY_ARG)
    if len(name) > MAX_ARG_NAME_CHARS or not _ARG_NAME.match(name):
        raise SlackError(SlackErrorCode.INVALID_ARG_NAME)


def parse_urlencoded(data: bytes, charset: str = "utf-8") -> list[tuple[str, str]]:
    """Strictly parse ``a=1&b=2``; broken escapes or undecodable bytes raise ValueError."""
    pairs: list[tuple[str, str]] = []
    for chunk in data.split(b"&"):
        if not chunk:
            continue
        if _BAD_PERCENT.search(chunk):
            raise ValueError("bad percent-escape")
        raw_name, _, raw_value = chunk.partition(b"=")
        name = unquote_to_bytes(raw_name.replace(b"+", b" ")).decode(charset)
        value = unquote_to_bytes(raw_value.replace(b"+", b" ")).decode(charset)
        pairs.append((name, value))
    return pairs


def json_arg_text(value: object) -> str | None:
    """A JSON argument as the string a form body would carry; None means 'use the default'."""
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return value
    return json.dumps(value, separators=(",", ":"))


def json_args_text(args: Mapping[str, object]) -> dict[str, str]:
    """JSON arguments as form-style strings, leaving out the null ones."""
    return {k: text for k, v in args.items() if (text := json_arg_text(v)) is not None}


def _parse_json_body(body: bytes) -> list[tuple[str, str]]:
    # Its arguments' own text is checked as every argument's is (parse_arguments), and a
    # JSON argument (blocks) by its own parser, with that argument's error.
    try:
        document = load_json(body, MAX_BODY_DEPTH, strings=False)
    except UnusableJsonError as exc:
        raise SlackError(SlackErrorCode.INVALID_JSON) from exc
    if not isinstance(document, dict):
        raise SlackError(SlackErrorCode.JSON_NOT_OBJECT)
    pairs: list[tuple[str, str]] = []
    for name, value in document.items():
        text = json_arg_text(value)
        if text is not None:
            pairs.append((name, text))
    return pairs


def charset_warnings(content_type: str | None) -> list[SlackWarningCode]:
    """The warnings a request's ``Content-Type`` earns; never raises (decisions A.8)."""
    if content_type is None:
        return []
    if len(content_type) > MAX_CACHED_HEADER_CHARS:
        return list(_charset_warnings(content_type))
    return list(_cached_charset_warnings(content_type))


@lru_cache(maxsize=256)
def _cached_charset_warnings(content_type: str) -> tuple[SlackWarningCode, ...]:
    return _charset_warnings(content_type)


def _charset_warnings(content_type: str) -> tuple[SlackWarningCode, ...]:
    ctype = parse_content_type(content_type)
    if ctype.mime in FORM_TYPES and ctype.charset is not None:
        return (SlackWarningCode.SUPERFLUOUS_CHARSET,)
    if ctype.mime in NEEDS_CHARSET_TYPES and ctype.charset is None:
        return (SlackWarningCode.MISSING_CHARSET,)
    return ()


def _parse_body(
    method: str, body: bytes, content_type: str | None
) -> tuple[list[tuple[str, str]], bool]:
    """The body's fields, and whether the body was JSON (whose token must be in the header)."""
    if not body:
        return [], False
    if content_type is None:
        if method == "POST":
            raise SlackError(SlackErrorCode.MISSING_POST_TYPE)
        return [], False
    ctype = parse_content_type(content_type)
    # Only a body is decoded with the charset, so an empty one never fails on it (A.4).
    if ctype.charset is not None and ctype.charset not in ACCEPTED_CHARSETS:
        raise SlackError(SlackErrorCode.INVALID_CHARSET)
    if ctype.mime not in KNOWN_TYPES:
        raise SlackError(SlackErrorCode.INVALID_POST_TYPE)
    if ctype.mime == "application/json":
        return _parse_json_body(body), True
    try:
        if ctype.mime == "multipart/form-data":
            return parse_multipart(body, content_type), False
        return parse_urlencoded(body, _python_charset(ctype.charset)), False
    except (ValueError, UnicodeDecodeError, LookupError) as exc:
        raise SlackError(SlackErrorCode.INVALID_FORM_DATA) from exc


def _python_charset(charset: str | None) -> str:
    return "latin-1" if charset == "iso-8859-1" else "utf-8"


def parse_arguments(
    method: str,
    query: bytes,
    body: bytes,
    content_type: str | None,
    *,
    query_tokens: bool = True,
) -> ParsedArguments:
    """Parse a request into arguments; body fields win over query fields of the same name."""
    parsed = ParsedArguments()
    try:
        query_pairs = parse_urlencoded(query)
    except (ValueError, UnicodeDecodeError) as exc:
        raise SlackError(SlackErrorCode.INVALID_FORM_DATA) from exc
    body_pairs, is_json = _parse_body(method, body, content_type)
    for name, _ in (*query_pairs, *body_pairs):
        check_arg_name(name)
    for name, value in query_pairs:
        if name == "token":
            if query_tokens and not is_json:
                parsed.query_token = value
            continue
        parsed.args[name] = value
    for name, value in body_pairs:
        if name == "token":
            if not is_json:
                parsed.body_token = value
            continue
        parsed.args[name] = value
    check_storable(parsed.args)
    # A token found in the query or the body is an argument too (A.10); what is ignored
    # (a JSON body's token, a query token that may not be used) goes nowhere.
    if not all(storable(t) for t in (parsed.body_token, parsed.query_token) if t is not None):
        raise SlackError(SlackErrorCode.INVALID_ARGUMENTS)
    return parsed


def check_storable(args: Mapping[str, str]) -> None:
    """``invalid_arguments`` for an argument holding NUL or a lone surrogate (A.10)."""
    if not all(storable(value) for value in args.values()):
        raise SlackError(SlackErrorCode.INVALID_ARGUMENTS)


def bearer_token(authorization: str | None) -> str | None:
    """The token of an ``Authorization: Bearer ...`` header, if there is one."""
    if authorization is None:
        return None
    scheme, _, credentials = authorization.strip().partition(" ")
    if scheme.lower() != "bearer" or not credentials.strip():
        return None
    return credentials.strip()
