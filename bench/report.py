"""Results files (``bench/results/<date>-<workload>.json``) and the table on stdout."""

from __future__ import annotations

import json
import statistics
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
HEADLINES["W7"] = [
    ("requests_per_sec", "requests/s (median)", ",.0f"),
    ("p50_ms", "p50 ms (median)", ".2f"),
    ("p99_ms", "p99 ms (median)", ".2f"),
    ("chat.postMessage.per_sec", "posts/s (median)", ",.0f"),
    ("server_cpu_us_per_request", "CPU us/request", ".0f"),
]
HEADLINES["W8"] = [
    ("rss_reference_mib", "RSS MiB after the first minute", ".1f"),
    ("rss_end_mib", "RSS MiB at the end", ".1f"),
    ("rss_drift", "RSS drift", "+.1%"),
    ("open", "sessions open at the end", "d"),
    ("p99_ms", "p99 ms", ".2f"),
]
HEADLINES["W4R"] = HEADLINES["W4B"] = HEADLINES["W4"]
HEADLINES["W5R"] = HEADLINES["W5B"] = HEADLINES["W5"]


def _cell(value: Any, spec: str) -> str:
    if value is None:
        return "-"
    try:
        return format(value, spec)
    except (TypeError, ValueError):
        return str(value)


def _figure(side: dict[str, Any], key: str, spec: str) -> str:
    """The median, and its repeats' range when there were several: ``5.10 (4.90-5.80)``."""
    text = _cell(side.get(key), spec)
    spread = side.get(f"{key}_spread")
    if isinstance(spread, dict) and len(side.get("runs", ())) > 1:
        text += f" ({_cell(spread['min'], spec)}-{_cell(spread['max'], spec)})"
    return text


# Figures whose quotient means nothing (a signed change): no ratio column.
NO_RATIO = frozenset({"rss_drift"})


def _paired(result: Result, key: str) -> str:
    """Slackline over baseline per repeat pair: the median and its range; with one repeat
    (or a figure of no repeats), the plain quotient."""
    if key in NO_RATIO:
        return "-"
    mine, theirs = result.slackline.get(key), result.baseline.get(key)
    pairs = zip(result.slackline.get("runs", ()), result.baseline.get("runs", ()), strict=False)
    shares = [
        own[key] / other[key]
        for own, other in pairs
        if isinstance(own.get(key), int | float) and isinstance(other.get(key), int | float)
        and other[key] and key in own
    ]  # fmt: skip
    if len(shares) > 1:
        return f"{statistics.median(shares):.2f}x ({min(shares):.2f}-{max(shares):.2f})"
    if isinstance(mine, int | float) and isinstance(theirs, int | float) and theirs:
        return f"{mine / theirs:.2f}x"
    return "-"


def table(results: list[Result]) -> str:
    """A Markdown table: each headline figure for Slackline and the baseline (the median of
    the repeats and, in brackets, their min-max), and the ratio (the median of the repeat
    pairs' ratios and their min-max)."""
    lines = [
        "| workload | figure | Slackline | baseline | ratio |",
        "|---|---|---:|---:|---:|",
    ]
    for result in results:
        for key, label, spec in HEADLINES.get(result.workload, []):
            lines.append(
                f"| {result.workload} {result.title} | {label} | "
                f"{_figure(result.slackline, key, spec)} | "
                f"{_figure(result.baseline, key, spec)} ({result.baseline_name}) | "
                f"{_paired(result, key)} |"
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
