"""Cursors and ``limit`` coercion (domain/pagination.py)."""

from __future__ import annotations

import pytest

from slackline.domain.pagination import (
    DEFAULT_PAGE_LIMIT,
    MAX_PAGE_LIMIT,
    decode_cursor,
    encode_cursor,
    page_limit,
)
from slackline.errors import SlackError, SlackErrorCode


def test_a_cursor_resumes_after_its_key() -> None:
    assert decode_cursor("users", encode_cursor("users", "U0002")) == "U0002"


def test_no_cursor_starts_at_the_beginning() -> None:
    assert decode_cursor("users", "") == ""


@pytest.mark.parametrize(
    "cursor", [encode_cursor("channels", "C1"), "not base64!", "dXNlcnM6", "dXNlcnM="]
)
def test_foreign_or_broken_cursors_are_invalid_cursor(cursor: str) -> None:
    with pytest.raises(SlackError) as raised:
        decode_cursor("users", cursor)
    assert raised.value.code is SlackErrorCode.INVALID_CURSOR


@pytest.mark.parametrize("raw", [None, "", "0"])
def test_a_missing_or_zero_limit_is_the_default(raw: str | None) -> None:
    assert page_limit(raw) == DEFAULT_PAGE_LIMIT


def test_a_limit_is_capped_at_one_thousand() -> None:
    assert page_limit("5000") == MAX_PAGE_LIMIT


def test_a_small_limit_is_kept() -> None:
    assert page_limit("7") == 7


@pytest.mark.parametrize("raw", ["-1", "ten", "1.5"])
def test_a_limit_that_is_not_a_whole_number_is_invalid_limit(raw: str) -> None:
    with pytest.raises(SlackError) as raised:
        page_limit(raw)
    assert raised.value.code is SlackErrorCode.INVALID_LIMIT
