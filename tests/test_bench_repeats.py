"""The shared repeat summary of the bench (median, spread, sums, paired ratios), and a
pipelining poster shape run end to end against both servers."""

from __future__ import annotations

import dataclasses
import shutil
from pathlib import Path

import pytest

from bench import build, workloads
from bench.harness import Harness
from bench.workloads import PostShape, Result, paired_ratio, spread, summarize


def test_summary_has_medians_spread_sums_and_every_repeat() -> None:
    runs = [
        {"deliveries": 10, "p99_ms": 3.0, "open_loop": {"p99_ms": 1.0}, "name": "a"},
        {"deliveries": 10, "p99_ms": 1.0, "open_loop": {"p99_ms": 5.0}, "name": "b"},
        {"deliveries": 9, "p99_ms": 2.0, "open_loop": {"p99_ms": 2.0}, "name": "c"},
    ]

    summary = summarize(runs, sums=("deliveries",))

    assert summary["deliveries"] == 29
    assert summary["p99_ms"] == 2.0
    assert summary["p99_ms_spread"] == {"median": 2.0, "min": 1.0, "max": 3.0}
    assert summary["open_loop"]["p99_ms"] == 2.0
    assert summary["runs"] == runs
    assert "name" not in summary


def test_ratios_are_paired_per_repeat() -> None:
    runs = {
        "slackline": [{"rate": 10.0}, {"rate": 30.0}, {"rate": 20.0}],
        "baseline": [{"rate": 10.0}, {"rate": 10.0}, {"rate": 40.0}],
    }
    result = Result("W0", "test", {}, {}, {}, "none")

    median = paired_ratio(result, "rate", runs, ["rate"])

    assert median == 1.0
    assert (result.ratios["rate_min"], result.ratios["rate_max"]) == (0.5, 3.0)
    assert spread([1.0, 3.0, 2.0]) == {"median": 2.0, "min": 1.0, "max": 3.0}


@pytest.mark.skipif(
    any(shutil.which(tool) is None for tool in ("gcc", "node", "npm")),
    reason="the benchmark needs gcc, node and npm",
)
def test_pipelined_user_posters_deliver_everything(tmp_path: Path) -> None:
    # Two user-token posters with four chat.postMessage calls pipelined on each connection.
    sizes = dataclasses.replace(workloads.QUICK, repeats=1)
    harness = Harness(tmp_path, build.build_loadgen(), build.install_baselines(), 20)

    result = workloads.fanout_burst(
        harness, sizes, 20, 40, shape=PostShape(2, 4, "user"), workload="W4B"
    )

    for side in (result.slackline, result.baseline):
        assert side["deliveries"] == side["expected"] == 20 * 40
        assert side["post_errors"] == 0
        assert side["posted"] == 40
        (run,) = side["runs"]
        assert (run["posters"], run["in_flight_per_poster"]) == (2, 4)
