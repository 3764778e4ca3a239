"""W7: the Web API mix, against a Node ``http`` + ``better-sqlite3`` server on the same data.

32 keep-alive connections (``bench/mixgen.c``, one epoll loop in C) each send requests back
to back, cycling per 10 requests through 4 durable ``chat.postMessage`` to the 1,000-member
channel, 3 ``conversations.history`` of it (limit 20), 2 ``users.info`` and 1
``conversations.list`` (limit 100), all with the poster's token. Baseline and Slackline
alternate, each repeat on a fresh server and a fresh copy of the same database file (WAL,
``synchronous=NORMAL`` on both sides). Before each pair, SQLite's own ceiling for the post's
write transaction is measured on another copy of that file: Python's ``sqlite3`` module, the
driver Slackline uses, one message per ``BEGIN IMMEDIATE`` ... ``COMMIT`` exactly as
``SqliteStore.insert_message`` writes it (the conversation's last ts read, the row inserted
with its full-text trigger, the last ts updated), as fast as one thread can.
"""

from __future__ import annotations

import sqlite3
import statistics
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bench.build import build_mixgen
from bench.harness import SQLITE_SYNCHRONOUS, Harness, Subject, ratio, rounded
from bench.procs import cpu_share
from bench.workloads import (
    Result,
    ServerFactory,
    paired_ratio,
    ratio_text,
    spread,
    summarize,
)
from bench.workspace import CHANNEL_1K, POSTER_TOKEN, POSTER_USER, TEAM_ID

METHODS = ("chat.postMessage", "conversations.history", "users.info", "conversations.list")
POST = METHODS[0]
# mixgen.c's cycle, as it walks it (documented there): the share of each method.
MIX_PER_10 = {POST: 4, "conversations.history": 3, "users.info": 2, "conversations.list": 1}
# Issue 16's target: the mix's requests/s at least twice the Node baseline's.
RATE_TARGET = 2.0
# users.info asks for the first bench bots in turn (mixgen takes at most 64).
INFO_USERS = 32
MIX_TIMEOUT_MARGIN_SECS = 30
BUSY_TIMEOUT_MS = 5000


@dataclass(frozen=True, slots=True)
class MixSizes:
    """W7's counts and durations (all bounded)."""

    connections: int
    warmup_secs: int
    secs: int
    ceiling_secs: float


FULL_MIX = MixSizes(connections=32, warmup_secs=1, secs=5, ceiling_secs=2.0)
QUICK_MIX = MixSizes(connections=4, warmup_secs=0, secs=1, ceiling_secs=0.3)


def insert_ceiling(database: Path, secs: float) -> dict[str, Any]:
    """SQLite's rate for the post's write transaction, one message per transaction, on
    ``database`` (a copy) in WAL mode with Slackline's synchronous setting, for ``secs``."""
    db = sqlite3.connect(database, isolation_level=None)
    try:
        db.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        db.execute("PRAGMA journal_mode = WAL")
        db.execute(f"PRAGMA synchronous = {SQLITE_SYNCHRONOUS}")
        db.execute("PRAGMA foreign_keys = ON")
        insert = (
            "INSERT INTO messages (conversation_id, ts, team_id, user_id, bot_id, text, "
            "subtype, thread_ts, edited, extra) VALUES (?, ?, ?, ?, ?, ?, NULL, NULL, NULL, '{}')"
        )
        row = db.execute("SELECT last_ts FROM conversations WHERE id = ?", (CHANNEL_1K,))
        last = _ts_micros(row.fetchone()[0])
        inserts = 0
        cpu_started = time.process_time()
        started = time.perf_counter()
        deadline = started + secs
        while time.perf_counter() < deadline:
            db.execute("BEGIN IMMEDIATE")
            found = db.execute("SELECT last_ts FROM conversations WHERE id = ?", (CHANNEL_1K,))
            last = max(int(time.time() * 1e6), _ts_micros(found.fetchone()[0]), last) + 1
            ts = f"{last // 1_000_000}.{last % 1_000_000:06d}"
            text = f"ceiling n{inserts}"
            db.execute(insert, (CHANNEL_1K, ts, TEAM_ID, POSTER_USER, "B0POSTER", text))
            db.execute("UPDATE conversations SET last_ts = ? WHERE id = ?", (ts, CHANNEL_1K))
            db.execute("COMMIT")
            inserts += 1
        elapsed = time.perf_counter() - started
        cpu = time.process_time() - cpu_started
    finally:
        db.close()
    # Below a whole core, the rest of the time went to waiting: the disk (WAL writes and
    # the checkpoints' fsyncs) or the other processes on the machine.
    return {
        "inserts": inserts,
        "secs": elapsed,
        "inserts_per_sec": inserts / elapsed,
        "cpu_share": cpu / elapsed,
    }


def _ts_micros(ts: str | None) -> int:
    if not ts:
        return 0
    seconds, _, fraction = ts.partition(".")
    return int(seconds) * 1_000_000 + int(fraction.ljust(6, "0")[:6])


def _mix_options(harness: Harness, sizes: MixSizes) -> list[str]:
    users = ",".join(f"U{i:05d}" for i in range(1, min(INFO_USERS, harness.workspace.sessions) + 1))
    return [
        "-c", str(sizes.connections), "-w", str(sizes.warmup_secs), "-s", str(sizes.secs),
        "-T", POSTER_TOKEN, "-C", CHANNEL_1K, "-u", users,
    ]  # fmt: skip


def _mix_run(
    harness: Harness, server: ServerFactory, mixgen: Path, sizes: MixSizes
) -> dict[str, Any]:
    """One repeat on a fresh server: the mix for the warm-up and the measured seconds."""
    subject: Subject
    with server() as subject:
        before = subject.stats()
        with harness.mixgen(mixgen, subject.port, _mix_options(harness, sizes)) as client:
            done = client.read_json(sizes.warmup_secs + sizes.secs + MIX_TIMEOUT_MARGIN_SECS)
        after = subject.stats()
    if before and after:
        # Over warm-up and measured seconds alike: the server is saturated throughout.
        done["server_cpu_share"] = cpu_share(before, after)
        if done["all_responses"]:
            cpu = after.cpu_secs - before.cpu_secs
            done["server_cpu_us_per_request"] = cpu / done["all_responses"] * 1e6
    for name in METHODS:
        for key, value in done["methods"][name].items():
            done[f"{name}.{key}"] = value
    return done


# Counts that must be whole over the run: added up over the repeats, not their median.
SUMMED = ("requests", "all_responses", "errors", "warmup_errors", "reconnects", "count")


def _summary(runs: list[dict[str, Any]], ceilings: list[float]) -> dict[str, Any]:
    """One side's repeats: medians with their spread, the counts summed, each repeat's post
    rate as a fraction of the insert ceiling measured before it, and the first errors."""
    for run, ceiling in zip(runs, ceilings, strict=True):
        run["sqlite_insert_ceiling_per_sec"] = ceiling
        run["posts_of_insert_ceiling"] = float(run[f"{POST}.per_sec"]) / ceiling
    summary = summarize(runs, sums=SUMMED)
    summary["first_errors"] = [run["first_error"] for run in runs if run.get("first_error")]
    summary["runs"] = [rounded({k: v for k, v in run.items() if k != "methods"}) for run in runs]
    return summary


def webapi_mix(harness: Harness, quick: bool, repeats: int) -> Result:
    """W7: the Web API mix over keep-alive connections; Slackline against Node ``http`` +
    ``better-sqlite3`` on the same database, alternating, each repeat on a fresh server; the
    figures are the repeats' medians, the ratios paired per repeat, and both servers' post
    rates are given as a fraction of SQLite's own insert ceiling measured in the same run."""
    sizes = QUICK_MIX if quick else FULL_MIX
    mixgen = build_mixgen()
    runs: dict[str, list[dict[str, Any]]] = {"baseline": [], "slackline": []}
    ceilings: list[dict[str, Any]] = []
    for _ in range(repeats):
        copy = harness.database_copy("insert-ceiling")
        ceilings.append(insert_ceiling(copy / "db", sizes.ceiling_secs))
        runs["baseline"].append(_mix_run(harness, harness.webapi_baseline, mixgen, sizes))
        runs["slackline"].append(_mix_run(harness, harness.slackline, mixgen, sizes))
    ceiling_rates = [float(c["inserts_per_sec"]) for c in ceilings]
    slack = _summary(runs["slackline"], ceiling_rates)
    base = _summary(runs["baseline"], ceiling_rates)
    result = Result(
        "W7",
        f"Web API mix {sizes.connections} connections",
        {
            "connections": sizes.connections,
            "warmup_secs": sizes.warmup_secs,
            "secs": sizes.secs,
            "repeats": repeats,
            "mix_per_10_requests": MIX_PER_10,
            "history_limit": 20,
            "list_limit": 100,
            "channel": CHANNEL_1K,
            "sqlite": f"WAL, synchronous={SQLITE_SYNCHRONOUS} (both servers)",
            "insert_ceiling": {
                "how": "python sqlite3, one message per BEGIN IMMEDIATE..COMMIT as "
                "SqliteStore.insert_message (last ts read, insert with FTS trigger, last ts "
                "update), one thread",
                "secs": sizes.ceiling_secs,
                "per_repeat": [rounded(c) for c in ceilings],
                "inserts_per_sec": spread(ceiling_rates),
            },
            "client": "bench/mixgen.c (one epoll loop)",
        },
        slack,
        base,
        "node http + better-sqlite3",
    )
    for label, key in (("requests_per_sec", "requests_per_sec"), ("p99", "p99_ms"),
                       ("posts_per_sec", f"{POST}.per_sec")):  # fmt: skip
        paired_ratio(result, label, runs, [key])
    result.ratios["slackline_posts_of_insert_ceiling"] = ratio(
        slack[f"{POST}.per_sec"], slack["sqlite_insert_ceiling_per_sec"]
    )
    result.ratios["baseline_posts_of_insert_ceiling"] = ratio(
        base[f"{POST}.per_sec"], base["sqlite_insert_ceiling_per_sec"]
    )
    speed = result.ratios["requests_per_sec"] or 0.0
    result.check(
        f"requests/s >= {RATE_TARGET:g}x baseline (median of {repeats})",
        speed >= RATE_TARGET,
        f"{ratio_text(result, 'requests_per_sec')}; {slack['requests_per_sec']:,.0f} vs "
        f"{base['requests_per_sec']:,.0f} requests/s",
    )
    counts = ", ".join(f"{slack[f'{name}.count']} {name}" for name in METHODS)
    result.check(
        'every request ok (HTTP 200 and "ok":true, no connection lost)',
        not slack["errors"]
        and not slack["warmup_errors"]
        and not slack["reconnects"]
        and slack["requests"] > 0,
        f"{slack['requests']} requests ({counts}), {slack['errors']} errors "
        f"({slack['warmup_errors']} in warm-up), {slack['reconnects']} reconnects",
    )
    ceiling = slack["sqlite_insert_ceiling_per_sec"]
    ceiling_cpu = statistics.median(float(c["cpu_share"]) for c in ceilings)
    result.check(
        "SQLite's insert ceiling measured in the same run",
        ceiling > 0,
        f"{ceiling:,.0f} post transactions/s at {ceiling_cpu:.0%} of a core; Slackline posts "
        f"{slack[f'{POST}.per_sec']:,.0f}/s ({slack['posts_of_insert_ceiling']:.1%} of it), "
        f"the baseline {base[f'{POST}.per_sec']:,.0f}/s ({base['posts_of_insert_ceiling']:.1%})",
    )
    if base["errors"] or base["requests"] == 0:
        result.notes.append(
            f"the baseline itself had {base['errors']} errors in {base['requests']} requests: "
            f"{base['first_errors'][:1]}"
        )
    result.notes.append(
        "server CPU share is over warm-up and measured seconds; mixgen and the server share "
        "the machine's 2 cores (client_cpu_share is mixgen's own)"
    )
    return result
