"""W8, the soak, in its quick variant (``--soak --quick``: 30 sessions for 20 s)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from bench.__main__ import main

pytestmark = pytest.mark.skipif(
    any(shutil.which(tool) is None for tool in ("gcc", "node", "npm")),
    reason="the benchmark needs gcc, node and npm",
)


def test_quick_soak_keeps_every_session_and_delivers_every_post(tmp_path: Path) -> None:
    assert main(["--soak", "--quick", "--results", str(tmp_path)]) == 0

    files = list(tmp_path.glob("*.json"))
    assert [f.name.rsplit("-", 1)[1] for f in files] == ["W8.json"]
    (result,) = json.loads(files[0].read_text())["results"]
    slack, base = result["slackline"], result["baseline"]
    for side in (slack, base):
        assert side["open"] == 30
        assert side["fewest_per_session"] == side["most_per_session"] == 20
        # RSS sampled every 2 s over the 20 s, each sample with its time and CPU.
        assert len(side["samples"]) >= 5
        assert {"t", "rss_bytes", "cpu_secs"} <= set(side["samples"][0])
        assert side["rss_reference_at_secs"] >= 6
    met = {target["name"]: target["met"] for target in result["targets"]}
    assert met["no session lost: every session still open at the end"]
    assert met["every post delivered to every receiver"]
    assert any(name.startswith("RSS at the end within 5%") for name in met)
