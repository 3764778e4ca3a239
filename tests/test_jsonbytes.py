"""The hot paths' JSON: compact, UTF-8, and the standard library's answer where orjson has none."""

from __future__ import annotations

import json

import pytest

from slackline.jsonbytes import dumps, loads


def test_output_is_compact_with_non_ascii_as_utf8() -> None:
    assert dumps({"text": "héllo", "n": [1, 2]}) == '{"text":"héllo","n":[1,2]}'.encode()


def test_an_integer_beyond_64_bits_still_encodes() -> None:
    assert dumps({"n": 2**70}) == b'{"n":1180591620717411303424}'


def test_a_key_that_is_not_a_string_encodes_as_the_standard_library_does() -> None:
    assert dumps({1: "a"}) == json.dumps({1: "a"}, separators=(",", ":")).encode()


def test_a_lone_surrogate_has_no_utf8_form_and_raises() -> None:
    with pytest.raises(UnicodeEncodeError):
        dumps({"text": "\ud800"})


def test_loads_reads_what_dumps_wrote() -> None:
    document = {"type": "message", "text": "✓", "blocks": [{"type": "divider"}]}
    assert loads(dumps(document)) == document
