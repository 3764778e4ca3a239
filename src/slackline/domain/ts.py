"""Message ``ts`` values: ``<10 digits>.<6 digits>``, strictly increasing per conversation."""

from __future__ import annotations

import re

_TS_PATTERN = re.compile(r"^\d{1,10}\.\d{6}$")
_MICROS_PER_SEC = 1_000_000


def ts_to_micros(ts: str) -> int:
    """The ts as whole microseconds; raises ValueError if it is not a ts."""
    if not _TS_PATTERN.match(ts):
        raise ValueError(f"not a ts: {ts!r}")
    seconds, fraction = ts.split(".")
    return int(seconds) * _MICROS_PER_SEC + int(fraction)


def micros_to_ts(micros: int) -> str:
    """Format whole microseconds as a ts."""
    seconds, fraction = divmod(micros, _MICROS_PER_SEC)
    return f"{seconds:010d}.{fraction:06d}"


def next_ts(previous: str | None, now: float) -> str:
    """The ts for a new message: the current time, or one past ``previous`` if that is later."""
    candidate = int(now * _MICROS_PER_SEC)
    if previous is not None:
        candidate = max(candidate, ts_to_micros(previous) + 1)
    return micros_to_ts(candidate)


def parse_ts_arg(value: str) -> int | None:
    """A ts-like argument (``latest``/``oldest``) in microseconds, or None if malformed.

    Slack accepts whole seconds too (``oldest=0``), so the fraction is optional here.
    """
    if re.fullmatch(r"\d{1,10}", value):
        return int(value) * _MICROS_PER_SEC
    if re.fullmatch(r"\d{1,10}\.\d{1,6}", value):
        seconds, fraction = value.split(".")
        return int(seconds) * _MICROS_PER_SEC + int(fraction.ljust(6, "0"))
    return None
