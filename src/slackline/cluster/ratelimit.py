"""Web API rate limits counted across processes: token buckets in Redis (decisions C.3).

One Lua script per request takes a token from the bucket atomically, timed by the Redis
server's own clock (``TIME``), so every process counts into the same bucket and no two hosts'
clocks are compared. Buckets expire once idle long enough to be full again.

When Redis does not answer, the request is not refused for it: this process counts on its
own (:class:`~slackline.domain.ratelimit.RateLimiter`) for :data:`LOCAL_FALLBACK_SECS`
before asking Redis again, so an outage costs at most one failed round trip per period.
"""

from __future__ import annotations

import logging

from redis.asyncio import Redis

from slackline.clock import Clock
from slackline.cluster.batch import CommandBatches
from slackline.domain.ratelimit import SECS_PER_MINUTE, Rate, RateLimiter
from slackline.errors import BrokerError

logger = logging.getLogger("slackline.cluster")

LOCAL_FALLBACK_SECS = 1.0

# KEYS[1]: the bucket. ARGV: refill per second, burst, expiry (ms).
# Returns 0 when a token was taken, else the whole seconds until one is free.
_TAKE_TOKEN = """
local now_parts = redis.call('TIME')
local now = tonumber(now_parts[1]) + tonumber(now_parts[2]) / 1000000
local per_sec = tonumber(ARGV[1])
local burst = tonumber(ARGV[2])
local bucket = redis.call('HMGET', KEYS[1], 'tokens', 'updated')
local tokens = tonumber(bucket[1])
local updated = tonumber(bucket[2])
if tokens == nil or updated == nil then
  tokens = burst
  updated = now
end
tokens = math.min(burst, tokens + math.max(0, now - updated) * per_sec)
if tokens >= 1 then
  redis.call('HSET', KEYS[1], 'tokens', tostring(tokens - 1), 'updated', tostring(now))
  redis.call('PEXPIRE', KEYS[1], ARGV[3])
  return 0
end
return math.max(1, math.ceil((1 - tokens) / per_sec))
"""


class RedisRateLimiter:
    """Token buckets shared by every process (keys under ``<prefix>:rate:``)."""

    def __init__(self, redis: Redis, *, prefix: str, clock: Clock) -> None:
        self._redis = redis
        self._prefix = prefix
        self._clock = clock
        self._takes = CommandBatches(redis, transaction=False)  # see cluster/batch.py
        self._local = RateLimiter()
        self._local_until = 0.0

    async def close(self) -> None:
        """Stop the batches on the wire."""
        await self._takes.close()

    def forget_all(self) -> None:
        """Forget this process's fallback buckets (the shared ones expire in Redis)."""
        self._local = RateLimiter()
        self._local_until = 0.0

    async def acquire(self, key: tuple[str, ...], rate: Rate) -> int | None:
        """Take one token; None on success, else the whole seconds until one is free."""
        now = self._clock.monotonic()
        if now < self._local_until:
            return self._local.acquire(key, rate, now)
        per_sec = rate.per_minute / SECS_PER_MINUTE
        expiry_ms = int(rate.burst / max(per_sec, 1e-9) * 1000) + 1000
        bucket = self._bucket(key)
        try:
            (retry_after,) = await self._takes.execute(
                lambda pipe: pipe.eval(
                    _TAKE_TOKEN, 1, bucket, repr(per_sec), rate.burst, expiry_ms
                ),
                1,
            )
        except BrokerError as exc:
            logger.warning("rate limits counted in this process only for now: %s", exc)
            self._local_until = now + LOCAL_FALLBACK_SECS
            return self._local.acquire(key, rate, now)
        return int(retry_after) or None

    def _bucket(self, key: tuple[str, ...]) -> str:
        # Parts are a token's keyed hash, a method name and a channel id (bounded: the
        # channel comes from the caller).
        return ":".join((self._prefix, "rate", *(part[:128] for part in key)))
