"""The benchmark harness runs end to end in quick mode (tiny counts, a few seconds)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from bench.__main__ import main
from slackline import cli

pytestmark = pytest.mark.skipif(
    any(shutil.which(tool) is None for tool in ("gcc", "node", "npm")),
    reason="the benchmark needs gcc, node and npm",
)


# Every workload twice per server (quick mode's repeats): some 170 s on a loaded machine.
QUICK_RUN_TIMEOUT_SECS = 600


@pytest.mark.timeout(QUICK_RUN_TIMEOUT_SECS)
def test_quick_run_writes_results_for_every_workload(tmp_path: Path) -> None:
    assert main(["--quick", "--results", str(tmp_path)]) == 0

    files = sorted(tmp_path.glob("*.json"))
    names = sorted(f.name.rsplit("-", 1)[1] for f in files)
    expected = [*(f"W{i}.json" for i in range(1, 8)), "W4B.json", "W5B.json"]
    expected += ["W4R.json", "W5R.json"]
    assert names == sorted(expected)
    for file in files:
        document = json.loads(file.read_text())
        assert document["machine"]["cores"] >= 1
        assert document["git"]["commit"]
        for result in document["results"]:
            assert result["slackline"] and result["baseline"]
            assert result["targets"]
            # Every workload repeats, alternating with the baseline, and keeps each repeat.
            assert result["parameters"]["repeats"] == 2
            assert len(result["slackline"]["runs"]) == len(result["baseline"]["runs"]) == 2


def test_an_unknown_workload_is_refused() -> None:
    assert main(["--workloads", "W9"]) == 1


def test_slackline_bench_is_the_harness(tmp_path: Path) -> None:
    assert cli.main(["bench", "--quick", "--workloads", "W1", "--results", str(tmp_path)]) == 0

    assert [f.name.rsplit("-", 1)[1] for f in tmp_path.glob("*.json")] == ["W1.json"]
    assert cli.main(["bench", "--workloads", "W9"]) == 1
