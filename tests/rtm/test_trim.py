"""Trimming the C heap after a burst of sessions opening or closing (rtm/trim.py)."""

from __future__ import annotations

import asyncio

import pytest

from slackline.rtm.trim import HeapTrim, trim_heap

QUIET_SECS = 0.01
WAIT_SECS = 0.2  # many quiet periods: every timer has fired by then


def run(churns: list[int], min_churn: int = 3) -> HeapTrim:
    """Churn in bursts (each burst in one callback), waiting between bursts; the trimmer."""

    async def scenario() -> HeapTrim:
        trim = HeapTrim(quiet_secs=QUIET_SECS, min_churn=min_churn)
        for burst in churns:
            for _ in range(burst):
                trim.churned()
            await asyncio.sleep(WAIT_SECS)
        trim.close()
        return trim

    return asyncio.run(scenario())


needs_malloc_trim = pytest.mark.skipif(not trim_heap(), reason="no malloc_trim (not glibc)")


@needs_malloc_trim
def test_a_burst_is_trimmed_once_it_is_quiet() -> None:
    assert run([5]).trims == 1


@needs_malloc_trim
def test_each_quiet_burst_is_trimmed() -> None:
    assert run([5, 5]).trims == 2


def test_a_few_sessions_coming_and_going_trim_nothing() -> None:
    assert run([1, 1], min_churn=3).trims == 0


@needs_malloc_trim
def test_sessions_still_coming_postpone_the_trim() -> None:
    async def scenario() -> HeapTrim:
        trim = HeapTrim(quiet_secs=QUIET_SECS, min_churn=1)
        trim.churned()
        loop = asyncio.get_running_loop()
        # The timer was armed by the first churn; this one lands before it fires.
        loop.call_soon(trim.churned)
        await asyncio.sleep(0)
        assert trim.trims == 0
        await asyncio.sleep(WAIT_SECS)
        trim.close()
        return trim

    assert asyncio.run(scenario()).trims == 1


def test_closing_cancels_a_waiting_trim() -> None:
    async def scenario() -> HeapTrim:
        trim = HeapTrim(quiet_secs=QUIET_SECS, min_churn=1)
        trim.churned()
        trim.close()
        await asyncio.sleep(WAIT_SECS)
        return trim

    assert asyncio.run(scenario()).trims == 0
