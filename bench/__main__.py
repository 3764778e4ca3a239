"""``python -m bench``: run the workloads against Slackline and the baselines, side by side.

    python -m bench                      # the default workloads, 3 repeats each (~25 min)
    python -m bench --repeats 1          # one repeat per server (~9 min)
    python -m bench --quick              # tiny counts: a smoke run of the harness
    python -m bench --workloads W1,W4    # some workloads
    python -m bench --workloads W6       # Socket Mode fan-out
    python -m bench --soak               # W8 only: 10,000 sessions for 30 minutes (~31 min)
    python -m bench --soak --quick       # W8 in about 20 s
    python -m bench --target http://127.0.0.1:8080 --tokens tokens.txt \
        --channel C123 --poster-token xoxb-...   # a Slack-compatible server already running

Results go to bench/results/<date>-<workload>.json and a table is printed. Everything binds
to 127.0.0.1 and every process the run starts is stopped by it.
"""

from __future__ import annotations

import argparse
import dataclasses
import datetime as dt
import sys
import tempfile
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from bench import build, machine, workloads
from bench.harness import Harness, Target
from bench.procs import BenchError
from bench.report import table, write_results
from bench.webapi_mix import webapi_mix
from bench.workloads import Result, Sizes

# W4R and W5R: W4 (1,000 x 200) and W5 on two processes sharing Redis, against one process.
# W6: Socket Mode fan-out (one app, 10 connections), beside W4.
# W8: the soak, 30 minutes: only with --soak (or --workloads W8), never in the default run.
# W4B, W5B: W4 and W5 in the second load shape (8 posters x 1 in flight, user token).
DEFAULT_WORKLOADS = ("W1", "W2", "W3", "W4", "W4B", "W5", "W5B", "W4R", "W5R", "W6", "W7")
SOAK_WORKLOADS = ("W8",)
ALL_WORKLOADS = (*DEFAULT_WORKLOADS, *SOAK_WORKLOADS)
TWO_PROCESS_WORKLOADS = ("W4R", "W5R")
# Workloads that need the bench workspace's Socket Mode app or its all-members channel, so
# not a --target server.
# W7 posts with the bench workspace's poster and its Node baseline reads a copy of the
# database Slackline starts from.
OWN_SERVER_WORKLOADS = (*TWO_PROCESS_WORKLOADS, "W6", "W7", *SOAK_WORKLOADS)
# W6 opens no RTM sessions: alone, it loads a workspace of a few bots, not 10,000.
NO_SESSION_WORKLOADS = ("W6",)
RESULTS_DIR = build.BENCH_DIR / "results"
QUICK_RESULTS_DIR = build.BUILD_DIR / "results"
LOCAL_HOSTS = ("127.0.0.1", "localhost")


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    """The command line."""
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.split("\n")[0])
    add = parser.add_argument
    add(
        "--workloads",
        default=",".join(DEFAULT_WORKLOADS),
        help=f"comma-separated, e.g. W1,W4 (default {','.join(DEFAULT_WORKLOADS)})",
    )
    add("--quick", action="store_true", help="tiny counts and durations (a smoke run)")
    add(
        "--soak",
        action="store_true",
        help="run W8 only: 10,000 sessions for 30 minutes at 1 post/s (about 20 s with --quick)",
    )
    add(
        "--repeats",
        type=int,
        help=f"repeats per server of every workload, alternating with the baseline "
        f"(default {workloads.FULL.repeats}, {workloads.QUICK.repeats} with --quick; "
        f"at most {workloads.MAX_REPEATS})",
    )
    add("--results", type=Path, help="directory for the JSON results")
    add("--target", help="http://127.0.0.1:PORT of a running Slack-compatible server")
    add("--target-pid", type=int, help="its pid, to measure its memory and CPU")
    add("--tokens", type=Path, help="with --target: one session token per line")
    add("--channel", help="with --target: the channel the sessions are members of")
    add("--poster-token", help="with --target: a token that may post to --channel")
    return parser.parse_args(argv)


def _target(args: argparse.Namespace) -> Target | None:
    if not args.target:
        return None
    url = urlsplit(args.target)
    if url.hostname not in LOCAL_HOSTS or url.port is None:
        raise BenchError("--target must be http://127.0.0.1:PORT (the bench stays local)")
    return Target(url.port, args.target_pid, args.tokens, args.channel, args.poster_token)


def run(args: argparse.Namespace) -> list[Result]:
    """Build what is needed, run the chosen workloads, write the results."""
    chosen = [w.strip().upper() for w in args.workloads.split(",") if w.strip()]
    if args.soak:
        chosen = list(SOAK_WORKLOADS)
    unknown = sorted(set(chosen) - set(ALL_WORKLOADS))
    if unknown:
        raise BenchError(f"unknown workloads: {', '.join(unknown)}")
    missing = build.missing_tools()
    if missing:
        raise BenchError(f"missing tools: {', '.join(missing)}")
    if args.target:
        # The two-process runs start their own cluster: they measure Slackline only; W6
        # needs the bench workspace's Socket Mode app.
        chosen = [w for w in chosen if w not in OWN_SERVER_WORKLOADS]
    sizes: Sizes = workloads.QUICK if args.quick else workloads.FULL
    if args.repeats is not None:
        if not 1 <= args.repeats <= workloads.MAX_REPEATS:
            raise BenchError(f"--repeats must be 1 to {workloads.MAX_REPEATS}")
        sizes = dataclasses.replace(sizes, repeats=args.repeats)
    loadgen = build.build_loadgen()
    baselines = build.install_baselines()
    started = dt.datetime.now(dt.UTC)
    results: list[Result] = []
    context = {
        "date": started.isoformat(timespec="seconds"),
        "quick": args.quick,
        "target": args.target or "slackline (started by the harness)",
        "machine": machine.describe(),
        "git": machine.git_revision(),
        "sizes": _sizes(sizes),
    }
    directory = args.results or (QUICK_RESULTS_DIR if args.quick else RESULTS_DIR)
    stamp = started.strftime("%Y-%m-%dT%H%M")

    def record(result: Result) -> None:
        """Keep a result and write the files so far: a later failure loses nothing."""
        met = sum(t.met for t in result.targets)
        count = len(result.targets)
        print(f"{result.workload} {result.title}: {met}/{count} targets met", flush=True)
        results.append(result)
        write_results(directory, stamp, results, context)

    with tempfile.TemporaryDirectory(prefix="slackline-bench-") as scratch:
        sessions = sizes.max_sessions if set(chosen) - set(NO_SESSION_WORKLOADS) else 1
        harness = Harness(Path(scratch), loadgen, baselines, sessions, _target(args))
        _run_workloads(harness, sizes, chosen, record)
    for path in write_results(directory, stamp, results, context):
        print(f"wrote {path}")
    print(table(results))
    return results


def _run_workloads(
    harness: Harness, sizes: Sizes, chosen: list[str], record: Callable[[Result], None]
) -> None:
    """Each chosen workload in turn, its result recorded as soon as it is known."""
    capacity = None
    flood: dict[str, Any] = {}
    if "W4" in chosen or "W4B" in chosen:
        flood = workloads.loadgen_capacity(harness, sizes)
        capacity = float(flood["deliveries_per_sec"])
        print(f"load generator capacity: {capacity:,.0f} deliveries/s", flush=True)
    if "W1" in chosen:
        record(workloads.rtm_connect_throughput(harness, sizes))
    if "W2" in chosen or "W3" in chosen:
        storm, idle = workloads.storm_and_idle(harness, sizes)
        for result in (storm, idle):
            if result.workload in chosen:
                record(result)
    shapes = {"W4": workloads.BOT_SHAPE, "W4B": workloads.USER_SHAPE}
    for workload in (w for w in shapes if w in chosen):
        for sessions, messages in sizes.bursts:
            burst = workloads.fanout_burst(
                harness,
                sizes,
                sessions,
                messages,
                capacity=capacity,
                shape=shapes[workload],
                workload=workload,
            )
            burst.notes.append(f"load generator flood check: {flood}")
            record(burst)
    if "W5" in chosen:
        record(workloads.steady_chat(harness, sizes))
    if "W5B" in chosen:
        record(workloads.steady_chat(harness, sizes, workloads.USER_SHAPE, "W5B"))
    if "W4R" in chosen:
        sessions, messages = sizes.bursts[0]
        record(workloads.fanout_burst_two_processes(harness, sizes, sessions, messages))
    if "W5R" in chosen:
        record(workloads.steady_chat_two_processes(harness, sizes))
    if "W6" in chosen:
        record(workloads.socket_mode_fanout(harness, sizes))
    if "W7" in chosen:
        record(webapi_mix(harness, quick=sizes.quick, repeats=sizes.repeats))
    if "W8" in chosen:
        record(workloads.soak(harness, sizes))


def _sizes(sizes: Sizes) -> dict[str, object]:
    return {name: getattr(sizes, name) for name in Sizes.__slots__}


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point; 0 when the run completed (targets met or not), 1 when it could not run."""
    args = parse_args(argv)
    try:
        run(args)
    except BenchError as error:
        print(f"bench: {error}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
