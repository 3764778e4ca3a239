"""Message ``ts`` values: ``<10 digits>.<6 digits>``, strictly increasing per conversation."""

from __future__ import annotations

import re

_TS_PATTERN = re.compile(r"^\d{1,10}\.\d{6}$")
# Whole seconds, then an optional dot and any number of decimals.
_TS_ARG_PATTERN = re.compile(r"(\d{1,10})(?:\.(\d*))?", re.ASCII)
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
    """A ts-like argument (``ts``, ``thread_ts``, ``latest``, ``oldest``) in microseconds, or
    None if malformed.

    Slack accepts whole seconds (``oldest=0``) and any number of decimals
    (``str(time.time() - 60)`` gives seven), with or without digits after the dot; digits
    beyond the sixth are dropped, since a stored ts has six.
    """
    match = _TS_ARG_PATTERN.fullmatch(value)
    if match is None:
        return None
    seconds, fraction = match.group(1), match.group(2) or ""
    return int(seconds) * _MICROS_PER_SEC + int(fraction[:6].ljust(6, "0"))
