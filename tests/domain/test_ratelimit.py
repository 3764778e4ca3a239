"""Token buckets (domain/ratelimit.py, decisions C.3)."""

from __future__ import annotations

from slackline.domain.ratelimit import BucketShape, Rate, RateLimiter, Tier, bucket_shape

TIER_1 = Rate(per_minute=Tier.TIER_1, burst=Tier.TIER_1)


def test_tiers_are_worth_their_allowance_per_minute() -> None:
    assert [int(t) for t in Tier] == [10, 20, 50, 100]


def test_the_burst_is_granted_at_once() -> None:
    limiter = RateLimiter()
    assert all(limiter.acquire("k", TIER_1, 0.0) is None for _ in range(10))


def test_one_past_the_burst_is_refused_with_whole_seconds_to_wait() -> None:
    limiter = RateLimiter()
    for _ in range(10):
        limiter.acquire("k", TIER_1, 0.0)
    assert limiter.acquire("k", TIER_1, 0.0) == 6


def test_the_bucket_refills_evenly() -> None:
    limiter = RateLimiter()
    for _ in range(10):
        limiter.acquire("k", TIER_1, 0.0)
    assert limiter.acquire("k", TIER_1, 6.0) is None
    assert limiter.acquire("k", TIER_1, 6.0) is not None


def test_a_refused_request_takes_nothing() -> None:
    limiter = RateLimiter()
    for _ in range(10):
        limiter.acquire("k", TIER_1, 0.0)
    for _ in range(100):
        limiter.acquire("k", TIER_1, 0.0)
    assert limiter.acquire("k", TIER_1, 6.0) is None


def test_the_wait_shrinks_as_time_passes() -> None:
    limiter = RateLimiter()
    for _ in range(10):
        limiter.acquire("k", TIER_1, 0.0)
    assert limiter.acquire("k", TIER_1, 4.5) == 2


def test_the_wait_is_never_below_one_second() -> None:
    limiter = RateLimiter()
    fast = Rate(per_minute=6000, burst=1)
    limiter.acquire("k", fast, 0.0)
    assert limiter.acquire("k", fast, 0.0) == 1


def test_keys_are_independent() -> None:
    limiter = RateLimiter()
    for _ in range(11):
        limiter.acquire("a", TIER_1, 0.0)
    assert limiter.acquire("b", TIER_1, 0.0) is None


def test_the_bucket_never_holds_more_than_the_burst() -> None:
    limiter = RateLimiter()
    limiter.acquire("k", TIER_1, 0.0)
    granted = sum(limiter.acquire("k", TIER_1, 3600.0) is None for _ in range(20))
    assert granted == 10


def test_chat_post_message_is_counted_per_channel_at_one_a_second() -> None:
    shape = bucket_shape("chat.postMessage", Tier.TIER_4)
    assert shape == BucketShape(Rate(per_minute=60, burst=20), per_channel=True)


def test_a_tiered_method_is_counted_per_token_at_its_tier() -> None:
    assert bucket_shape("users.info", Tier.TIER_4) == BucketShape(Rate(100, 100))


def test_a_method_without_a_tier_has_no_bucket() -> None:
    assert bucket_shape("api.test", None) is None
