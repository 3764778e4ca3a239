"""Message ``ts`` values (domain/ts.py, decisions F.2)."""

from __future__ import annotations

import pytest

from slackline.domain.ts import micros_to_ts, next_ts, parse_ts_arg, ts_to_micros


def test_a_ts_round_trips_through_microseconds() -> None:
    assert micros_to_ts(ts_to_micros("1700000000.000123")) == "1700000000.000123"


def test_a_ts_has_ten_digits_a_dot_and_six() -> None:
    assert micros_to_ts(5) == "0000000000.000005"


@pytest.mark.parametrize("text", ["1700000000", "1700000000.12", "abc.000001", ""])
def test_malformed_ts_values_are_refused(text: str) -> None:
    with pytest.raises(ValueError, match="not a ts"):
        ts_to_micros(text)


def test_the_next_ts_is_the_current_time() -> None:
    assert next_ts(None, 1700000000.5) == "1700000000.500000"


def test_the_next_ts_is_one_microsecond_past_a_later_previous() -> None:
    assert next_ts("1700000001.000000", 1700000000.0) == "1700000001.000001"


def test_the_next_ts_is_strictly_greater_even_at_the_same_instant() -> None:
    first = next_ts(None, 1700000000.0)
    assert next_ts(first, 1700000000.0) > first


def test_a_ts_argument_may_be_whole_seconds() -> None:
    assert parse_ts_arg("0") == 0
    assert parse_ts_arg("12") == 12_000_000


def test_a_ts_argument_may_have_a_short_fraction() -> None:
    assert parse_ts_arg("1.5") == 1_500_000


@pytest.mark.parametrize(("text", "micros"), [("1.1234567", 1_123_456), ("1.", 1_000_000)])
def test_a_ts_argument_may_have_any_number_of_decimals(text: str, micros: int) -> None:
    assert parse_ts_arg(text) == micros


@pytest.mark.parametrize("text", ["", "x", "-1", "1.5e3", ".5"])
def test_other_ts_arguments_are_none(text: str) -> None:
    assert parse_ts_arg(text) is None
