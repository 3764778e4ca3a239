"""Properties of request parsing (http/args.py, decisions A.2-A.8, A.10), with hypothesis.

Whatever bytes and ``Content-Type`` a client sends, :func:`parse_arguments` either returns
arguments (and tokens) that every database can store, or raises :class:`SlackError` with a
request-format code: never anything else. JSON arguments become the text a form would carry,
which parses back to the same value.
"""

from __future__ import annotations

import json
import math
from typing import Any
from urllib.parse import quote_from_bytes

from hypothesis import example, given
from hypothesis import strategies as st

from slackline.domain.text import storable
from slackline.errors import SlackError, SlackErrorCode
from slackline.http.args import (
    ParsedArguments,
    json_arg_text,
    json_args_text,
    parse_arguments,
)

# The codes parse_arguments may raise: the request format (A.4-A.7) and unstorable text (A.10).
FORMAT_CODES = {
    SlackErrorCode.MISSING_POST_TYPE,
    SlackErrorCode.INVALID_POST_TYPE,
    SlackErrorCode.INVALID_CHARSET,
    SlackErrorCode.INVALID_FORM_DATA,
    SlackErrorCode.INVALID_JSON,
    SlackErrorCode.JSON_NOT_OBJECT,
    SlackErrorCode.INVALID_ARRAY_ARG,
    SlackErrorCode.INVALID_ARG_NAME,
    SlackErrorCode.INVALID_ARGUMENTS,
}
MIMES = [
    "application/x-www-form-urlencoded",
    "multipart/form-data",
    "application/json",
    "text/plain",
    "application/xml",
    "",
]
CHARSETS = ["utf-8", "UTF-8", "iso-8859-1", "utf-16", "koi8-r", "", "x\x00"]
# Header values arrive decoded as latin-1: any code point up to U+00FF.
HEADER_TEXT = st.text(st.characters(max_codepoint=0xFF), max_size=40)
NAMES = st.one_of(
    st.sampled_from(["token", "channel", "text", "blocks", "ts", "a[b]", "x" * 65, "bad-name"]),
    st.from_regex(r"[A-Za-z0-9_]{1,8}", fullmatch=True),
)
# Any string a decoder can produce, lone surrogates included (only JSON escapes make those).
ANY_TEXT = st.text(st.characters(codec=None, exclude_categories=()), max_size=20)
JSON_SCALARS = st.one_of(
    st.none(), st.booleans(), st.integers(), st.floats(allow_nan=False), ANY_TEXT
)
JSON_VALUES = st.recursive(
    JSON_SCALARS,
    lambda inner: st.one_of(
        st.lists(inner, max_size=4), st.dictionaries(ANY_TEXT, inner, max_size=4)
    ),
    max_leaves=12,
)


@st.composite
def content_types(draw: st.DrawFn) -> str | None:
    kind = draw(st.integers(0, 3))
    if kind == 0:
        return None
    if kind == 1:
        return draw(HEADER_TEXT)
    value = draw(st.sampled_from(MIMES))
    if draw(st.booleans()):
        value += f"; charset={draw(st.sampled_from(CHARSETS))}"
    if draw(st.booleans()):
        value += f'; boundary="{draw(st.sampled_from(["b0", "", "--", "é"]))}"'
    if kind == 3:
        value += draw(HEADER_TEXT)
    return value


def _urlencoded(pairs: list[tuple[str, bytes]]) -> bytes:
    return b"&".join(
        f"{name}=".encode() + quote_from_bytes(value).encode() for name, value in pairs
    )


@st.composite
def bodies(draw: st.DrawFn) -> bytes:
    kind = draw(st.integers(0, 4))
    if kind == 0:
        return draw(st.binary(max_size=200))
    if kind == 1:  # a form, values any bytes (broken UTF-8, NUL, ...)
        return _urlencoded(draw(st.lists(st.tuples(NAMES, st.binary(max_size=12)), max_size=5)))
    if kind == 2:  # a form, values any text
        pairs = draw(st.lists(st.tuples(NAMES, ANY_TEXT), max_size=5))
        return _urlencoded([(n, v.encode("utf-8", "surrogatepass")) for n, v in pairs])
    if kind == 3:  # a JSON document, escaped or not
        document = draw(st.one_of(st.dictionaries(NAMES, JSON_VALUES, max_size=5), JSON_VALUES))
        text = json.dumps(document, ensure_ascii=draw(st.booleans()))
        return text.encode("utf-8", "surrogatepass")
    # multipart with the boundary b0
    parts = draw(st.lists(st.tuples(NAMES, st.binary(max_size=12)), max_size=4))
    chunks = [
        b'--b0\r\nContent-Disposition: form-data; name="' + name.encode() + b'"\r\n\r\n'
        + value + b"\r\n"
        for name, value in parts
    ]  # fmt: skip
    return b"".join(chunks) + (b"--b0--\r\n" if draw(st.booleans()) else b"")


def _check(parsed: ParsedArguments) -> None:
    assert all(isinstance(v, str) and storable(v) for v in parsed.args.values())
    assert all(storable(name) for name in parsed.args)
    for token in (parsed.body_token, parsed.query_token):
        assert token is None or storable(token)


@given(
    method=st.sampled_from(["POST", "GET", "PUT"]),
    query=st.one_of(st.binary(max_size=60), bodies()),
    body=bodies(),
    content_type=content_types(),
    query_tokens=st.booleans(),
)
@example(method="POST", query=b"", body=b'{"text":"\\ud800"}',
         content_type="application/json", query_tokens=True)  # fmt: skip
@example(method="POST", query=b"token=%00", body=b"", content_type=None, query_tokens=True)
@example(method="POST", query=b"", body=b"token=a%00", content_type="text/plain",
         query_tokens=True)  # fmt: skip
@example(method="POST", query=b"", body=b"[" * 1000 + b"]" * 1000,
         content_type="application/json", query_tokens=True)  # fmt: skip
@example(method="POST", query=b"", body='{"a":1}'.encode("utf-16"),
         content_type="application/json; charset=utf-8", query_tokens=True)  # fmt: skip
def test_parsing_raises_only_slack_errors_and_returns_storable_text(
    method: str, query: bytes, body: bytes, content_type: str | None, query_tokens: bool
) -> None:
    try:
        parsed = parse_arguments(method, query, body, content_type, query_tokens=query_tokens)
    except SlackError as error:
        assert error.code in FORMAT_CODES
        return
    _check(parsed)


@given(args=st.dictionaries(NAMES.filter(lambda n: n != "token"), ANY_TEXT, max_size=5))
def test_a_form_is_parsed_to_its_arguments_unless_one_cannot_be_stored(
    args: dict[str, str],
) -> None:
    body = _urlencoded([(n, v.encode("utf-8", "surrogatepass")) for n, v in args.items()])
    try:
        parsed = parse_arguments("POST", b"", body, "application/x-www-form-urlencoded")
    except SlackError as error:
        valid_names = all(n.isascii() and "[" not in n and "-" not in n and len(n) <= 64
                          for n in args)  # fmt: skip
        texts = [v.encode("utf-8", "surrogatepass") for v in args.values()]
        decodable = all(_utf8(raw) for raw in texts)
        assert not (valid_names and decodable and all(storable(v) for v in args.values())), error
        if valid_names and not decodable:
            assert error.code is SlackErrorCode.INVALID_FORM_DATA
        elif valid_names:
            assert error.code is SlackErrorCode.INVALID_ARGUMENTS
        return
    assert parsed.args == args


def _utf8(raw: bytes) -> bool:
    try:
        raw.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def _same(left: Any, right: Any) -> bool:
    """JSON equality (0.0 == -0.0 and 1 == 1.0 as JSON has them, lists and dicts deep)."""
    if isinstance(left, float) or isinstance(right, float):
        return (
            isinstance(left, int | float)
            and isinstance(right, int | float)
            and (left == right or (math.isnan(left) and math.isnan(right)))
        )
    if isinstance(left, list):
        return (
            isinstance(right, list)
            and len(left) == len(right)
            and all(_same(a, b) for a, b in zip(left, right, strict=True))
        )
    if isinstance(left, dict):
        return (
            isinstance(right, dict)
            and left.keys() == right.keys()
            and all(_same(left[k], right[k]) for k in left)
        )
    return type(left) is type(right) and left == right


@given(value=JSON_VALUES)
def test_a_json_argument_is_the_text_that_parses_back_to_it(value: Any) -> None:
    text = json_arg_text(value)
    if value is None:
        assert text is None  # null: the method's default
    elif isinstance(value, str):
        assert text == value  # a string is the form value itself
    else:
        assert text is not None and _same(json.loads(text), value)
        assert storable(text)  # containers and scalars are escaped ASCII JSON
        assert text.isascii()


@given(args=st.dictionaries(ANY_TEXT, JSON_VALUES, max_size=6))
def test_json_args_text_leaves_out_nulls_and_maps_the_rest(args: dict[str, Any]) -> None:
    texts = json_args_text(args)
    assert set(texts) == {k for k, v in args.items() if v is not None}
    for name, text in texts.items():
        assert text == json_arg_text(args[name])
        value = args[name]
        parsed = text if isinstance(value, str) else json.loads(text)
        assert _same(parsed, value)
