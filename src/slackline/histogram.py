"""A histogram cheap enough to observe every fanned-out event (the metrics read it)."""

from __future__ import annotations

import bisect

# Fan-out lag buckets (seconds): from an event reaching the hub to its frames' first write.
LAG_BUCKETS_SECS = (0.0005, 0.001, 0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5)


class LagHistogram:
    """Counts of observations per bucket, and their sum (cheap enough for every event)."""

    __slots__ = ("counts", "sum_secs", "total")

    def __init__(self) -> None:
        self.counts = [0] * (len(LAG_BUCKETS_SECS) + 1)
        self.total = 0
        self.sum_secs = 0.0

    def observe(self, secs: float) -> None:
        """Count one observation."""
        self.counts[bisect.bisect_left(LAG_BUCKETS_SECS, secs)] += 1
        self.total += 1
        self.sum_secs += secs

    def cumulative(self) -> list[tuple[str, float]]:
        """Prometheus's cumulative buckets, ``+Inf`` last."""
        running, buckets = 0, []
        for bound, count in zip((*LAG_BUCKETS_SECS, float("inf")), self.counts, strict=True):
            running += count
            buckets.append(("+Inf" if bound == float("inf") else repr(bound), float(running)))
        return buckets
