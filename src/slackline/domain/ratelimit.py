"""Token-bucket rate limits per key (decisions C.3); time comes from the caller."""

from __future__ import annotations

import enum
import math
from dataclasses import dataclass

SECS_PER_MINUTE = 60.0
MAX_IDLE_BUCKETS = 100_000


class Tier(enum.IntEnum):
    """Slack's Web API tiers, valued at their default allowance per minute."""

    TIER_1 = 10
    TIER_2 = 20
    TIER_3 = 50
    TIER_4 = 100


@dataclass(slots=True)
class _Bucket:
    tokens: float
    updated: float


@dataclass(frozen=True, slots=True)
class Rate:
    """``per_minute`` requests refilled evenly, with a burst of ``burst``."""

    per_minute: float
    burst: int


# chat.postMessage's own limit: one message per second per channel, with a burst (C.3).
POST_MESSAGE_RATE = Rate(per_minute=60, burst=20)
PER_CHANNEL_METHODS = frozenset({"chat.postMessage"})


@dataclass(frozen=True, slots=True)
class BucketShape:
    """How a method's calls are counted (decisions C.3): at what rate, and whether each
    channel of a token has a bucket of its own or the token one for the method."""

    rate: Rate
    per_channel: bool = False


def bucket_shape(method: str, tier: Tier | None) -> BucketShape | None:
    """The bucket shape of a method, or None for one without a limit."""
    if method in PER_CHANNEL_METHODS:
        return BucketShape(POST_MESSAGE_RATE, per_channel=True)
    if tier is not None:
        return BucketShape(Rate(per_minute=int(tier), burst=int(tier)))
    return None


def refilled(tokens: float, updated: float, now: float, rate: Rate) -> float:
    """What a bucket that held ``tokens`` at ``updated`` holds at ``now`` (at most the burst)."""
    return min(float(rate.burst), tokens + (now - updated) * rate.per_minute / SECS_PER_MINUTE)


def retry_after_secs(tokens: float, rate: Rate) -> int:
    """Whole seconds until a bucket holding ``tokens`` (less than one) has one again."""
    return max(1, math.ceil((1.0 - tokens) * SECS_PER_MINUTE / rate.per_minute))


class RateLimiter:
    """Token buckets keyed by any hashable; a rejected request takes nothing from its bucket."""

    def __init__(self) -> None:
        self._buckets: dict[object, _Bucket] = {}

    def acquire(self, key: object, rate: Rate, now: float) -> int | None:
        """Take one token; return None on success, else the whole seconds until one is free."""
        bucket = self._buckets.get(key)
        if bucket is None:
            if len(self._buckets) >= MAX_IDLE_BUCKETS:
                self._forget_full(now, rate)
            bucket = self._buckets[key] = _Bucket(float(rate.burst), now)
        bucket.tokens = refilled(bucket.tokens, bucket.updated, now, rate)
        bucket.updated = now
        if bucket.tokens >= 1.0:
            bucket.tokens -= 1.0
            return None
        return retry_after_secs(bucket.tokens, rate)

    def _forget_full(self, now: float, rate: Rate) -> None:
        """Drop buckets idle long enough to have refilled: they carry no state."""
        horizon = rate.burst * SECS_PER_MINUTE / max(rate.per_minute, 1e-9)
        self._buckets = {k: b for k, b in self._buckets.items() if now - b.updated < horizon}
