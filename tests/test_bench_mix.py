"""W7 (the Web API mix) runs end to end in quick mode against Slackline and its Node
``http`` + ``better-sqlite3`` baseline, and every request Slackline answered was ok."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from bench import build
from bench.harness import Harness
from bench.webapi_mix import METHODS, webapi_mix

pytestmark = pytest.mark.skipif(
    any(shutil.which(tool) is None for tool in ("gcc", "node", "npm")),
    reason="the benchmark needs gcc, node and npm",
)
# A few bots are enough: users.info asks for them in turn.
SESSIONS = 4


def test_quick_mix_measures_both_servers_and_every_request_is_ok(tmp_path: Path) -> None:
    # W7 runs no loadgen.c (its client is mixgen.c, built by webapi_mix): the path is unused.
    harness = Harness(tmp_path, build.LOADGEN, build.install_baselines(), SESSIONS)

    result = webapi_mix(harness, quick=True, repeats=2).as_json()

    assert result["workload"] == "W7"
    for side in (result["slackline"], result["baseline"]):
        assert side["requests_per_sec"] > 0
        assert side["errors"] == 0
        assert side["reconnects"] == 0
        for method in METHODS:
            assert side[f"{method}.count"] > 0
        assert side["sqlite_insert_ceiling_per_sec"] > 0
        assert len(side["runs"]) == 2
    assert result["ratios"]["requests_per_sec"] is not None
    targets = {target["name"]: target for target in result["targets"]}
    assert any(name.startswith("requests/s >=") for name in targets)
    ok = [target for name, target in targets.items() if name.startswith("every request ok")]
    assert ok and ok[0]["met"], ok
