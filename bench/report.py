"""Results files (``bench/results/<date>-<workload>.json``) and the table on stdout."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from bench.workloads import Result

# The headline figure of each workload: (key, label, unit, format).
HEADLINES: dict[str, list[tuple[str, str, str]]] = {
    "W1": [("requests_per_sec", "requests/s", ",.0f"), ("p99_ms", "p99 ms", ".2f")],
    "W2": [("storm_secs", "secs to all hello", ".2f"), ("failed", "failed", "d")],
    "W3": [("bytes_per_session", "bytes/session", ",.0f"), ("idle_cpu_share", "idle CPU", ".2%")],
    "W4": [
        ("deliveries_per_sec", "deliveries/s", ",.0f"),
        ("p50_ms", "p50 ms", ".1f"),
        ("p99_ms", "p99 ms", ".1f"),
        ("p999_ms", "p99.9 ms", ".1f"),
    ],
    "W5": [
        ("p50_ms", "p50 ms", ".2f"),
        ("p99_ms", "p99 ms", ".2f"),
        ("server_cpu_us_per_delivery", "CPU us/delivery", ".2f"),
    ],
}
HEADLINES["W6"] = [
    ("deliveries_per_sec", "envelopes/s (median)", ",.0f"),
    ("p50_ms", "p50 ms (median)", ".2f"),
    ("p99_ms", "p99 ms (median)", ".2f"),
    ("server_cpu_us_per_envelope", "CPU us/envelope", ".1f"),
]
HEADLINES["W4R"] = HEADLINES["W4"]
HEADLINES["W5R"] = HEADLINES["W5"]


def _cell(value: Any, spec: str) -> str:
    if value is None:
        return "-"
    try:
        return format(value, spec)
    except (TypeError, ValueError):
        return str(value)


def table(results: list[Result]) -> str:
    """A Markdown table: each headline figure for Slackline and the baseline, and the ratio."""
    lines = [
        "| workload | figure | Slackline | baseline | ratio |",
        "|---|---|---:|---:|---:|",
    ]
    for result in results:
        for key, label, spec in HEADLINES.get(result.workload, []):
            mine, theirs = result.slackline.get(key), result.baseline.get(key)
            share = "-"
            if isinstance(mine, int | float) and isinstance(theirs, int | float) and theirs:
                share = f"{mine / theirs:.2f}x"
            lines.append(
                f"| {result.workload} {result.title} | {label} | {_cell(mine, spec)} | "
                f"{_cell(theirs, spec)} ({result.baseline_name}) | {share} |"
            )
    lines.append("")
    lines.append("| workload | target | met | measured |")
    lines.append("|---|---|---|---|")
    for result in results:
        for target in result.targets:
            mark = "yes" if target.met else "**no**"
            lines.append(f"| {result.workload} | {target.name} | {mark} | {target.detail} |")
    return "\n".join(lines)


def write_results(
    directory: Path, stamp: str, results: list[Result], context: dict[str, Any]
) -> list[Path]:
    """One JSON file per workload (W4's two sizes share one), each with the run's context."""
    directory.mkdir(parents=True, exist_ok=True)
    by_workload: dict[str, list[Result]] = {}
    for result in results:
        by_workload.setdefault(result.workload, []).append(result)
    written = []
    for workload, group in by_workload.items():
        path = directory / f"{stamp}-{workload}.json"
        document = {
            **context,
            "workload": workload,
            "results": [r.as_json() for r in group],
            "all_targets_met": all(t.met for r in group for t in r.targets),
        }
        path.write_text(json.dumps(document, indent=2) + "\n")
        written.append(path)
    return written
