"""The workloads W1-W6 and the load generator's headroom check.

Each measures the baseline and Slackline one after the other in the same run, and returns
a result: both sides' figures, their ratios, and every target of the issue with whether it
was met. Only ratios count: the machine is shared, so absolute times vary between runs.
"""

from __future__ import annotations

import json
import statistics
import time
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager
from dataclasses import asdict, dataclass, field
from typing import Any

from bench.harness import Harness, Subject, ratio, rounded
from bench.procs import cpu_share
from bench.workspace import (
    CHANNEL_1K,
    CHANNEL_ALL,
    CHANNEL_SOCKET,
    POSTER_TOKEN,
    SOCKET_APP_TOKEN,
)

STORM_TIMEOUT_SECS = 90.0
SETTLE_SECS = 3.0
POSTER_WINDOW = 16
IDLE_CPU_TARGET = 0.02
WITHIN_NOISE = 1.10
# W6: Slack's maximum of an app's Socket Mode connections, the server's acknowledgement
# deadline (Slackline's default socket_mode_ack_secs, the baseline's too) and a margin.
SOCKET_CONNECTIONS = 10
SOCKET_ACK_SECS = 3.0
SOCKET_LINGER_SECS = SOCKET_ACK_SECS + 0.5
SOCKET_WARMUP = 20
# Regression floors picked from the first three full runs of W6 (medians 0.31x-0.54x and
# 1.37x-2.34x): chat.postMessage itself (about 670 us of server CPU per post, measured
# with no app connected) limits Slackline, not the Socket Mode path (docs/performance.md).
SOCKET_RATE_TARGET = 0.25
SOCKET_P99_TARGET = 3.0
# The Python client reached 87% of a core at 6,300 envelopes/s (64 posts in flight).
SOCKET_CLIENT_CPU_LIMIT = 0.8

ServerFactory = Callable[[], AbstractContextManager[Subject]]


@dataclass(frozen=True, slots=True)
class Sizes:
    """Counts and durations of one run (all bounded)."""

    http_connections: int = 32
    http_secs: int = 5
    storm_sessions: int = 10_000
    idle_secs: int = 30
    bursts: tuple[tuple[int, int], ...] = ((1000, 200), (10_000, 20))
    steady_sessions: int = 10_000
    steady_rate: int = 20
    steady_secs: int = 30
    flood_sessions: int = 1000
    flood_frames: int = 2000
    # W1's open-loop phase: a rate both servers sustain, so p99 compares equal loads.
    http_open_rate: int = 4000
    # W6: posts per repeat, repeats per server (interleaved), posts in flight.
    socket_messages: int = 2000
    socket_repeats: int = 3
    socket_window: int = 16

    @property
    def max_sessions(self) -> int:
        """The most sessions any workload opens (the workspace has one token each)."""
        return max(self.storm_sessions, self.steady_sessions, *(s for s, _ in self.bursts))


FULL = Sizes()
QUICK = Sizes(
    http_connections=4,
    http_secs=1,
    storm_sessions=30,
    idle_secs=1,
    bursts=((20, 10),),
    steady_sessions=30,
    steady_rate=20,
    steady_secs=1,
    flood_sessions=10,
    http_open_rate=200,
    flood_frames=200,
    socket_messages=100,
    socket_repeats=2,
)


@dataclass(slots=True)
class Target:
    """One target of the issue and whether this run met it."""

    name: str
    met: bool
    detail: str


@dataclass(slots=True)
class Result:
    """One workload's figures for both servers, their ratios and the targets."""

    workload: str
    title: str
    parameters: dict[str, Any]
    slackline: dict[str, Any]
    baseline: dict[str, Any]
    baseline_name: str
    ratios: dict[str, float | None] = field(default_factory=dict)
    targets: list[Target] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def check(self, name: str, met: bool, detail: str) -> None:
        """Record a target."""
        self.targets.append(Target(name, met, detail))

    def as_json(self) -> dict[str, Any]:
        """The result as a JSON-ready dict."""
        document = asdict(self)
        document["slackline"] = rounded(self.slackline)
        document["baseline"] = rounded(self.baseline)
        document["all_targets_met"] = all(t.met for t in self.targets)
        return document


def _sides(harness: Harness, baseline: ServerFactory) -> Iterator[tuple[str, ServerFactory]]:
    """Baseline first, then Slackline: both measured in this run."""
    yield "baseline", baseline
    yield "slackline", harness.slackline


def _rtm_options(sessions: int, extra: list[str]) -> list[str]:
    return ["-n", str(sessions), *extra]


def rtm_connect_throughput(harness: Harness, sizes: Sizes) -> Result:
    """W1: keep-alive connections posting rtm.connect with distinct bot tokens."""
    figures: dict[str, dict[str, Any]] = {}
    options = ["-c", str(sizes.http_connections), "-s", str(sizes.http_secs)]
    open_loop = [*options, "-r", str(sizes.http_open_rate)]
    for side, server in _sides(harness, harness.http_baseline):
        with server() as subject:
            before = subject.stats()
            with harness.loadgen("http", subject.port, options) as loadgen:
                done = loadgen.read_json(sizes.http_secs + 60)
            after = subject.stats()
            with harness.loadgen("http", subject.port, open_loop) as loadgen:
                paced = loadgen.read_json(sizes.http_secs + 60)
        if before and after:
            done["server_cpu_share"] = cpu_share(before, after)
        done["open_loop"] = paced
        figures[side] = done
    return _rtm_connect_result(sizes, figures["slackline"], figures["baseline"])


def _rtm_connect_result(sizes: Sizes, slack: dict[str, Any], base: dict[str, Any]) -> Result:
    result = Result(
        "W1",
        "rtm.connect throughput",
        {
            "connections": sizes.http_connections,
            "secs": sizes.http_secs,
            "open_loop_rate": sizes.http_open_rate,
        },
        slack,
        base,
        "node http (fixed body)",
    )
    result.ratios["requests_per_sec"] = ratio(slack["requests_per_sec"], base["requests_per_sec"])
    result.ratios["p99"] = ratio(slack["p99_ms"], base["p99_ms"])
    paced_slack, paced_base = slack["open_loop"], base["open_loop"]
    result.ratios["p99_open_loop"] = ratio(paced_slack["p99_ms"], paced_base["p99_ms"])
    rps = result.ratios["requests_per_sec"] or 0
    result.check("requests/s >= 0.4x baseline", rps >= 0.4, f"{rps:.2f}x")
    # At saturation each of the closed loop's connections waits its turn, so p99 follows
    # connections / throughput (Little's law); the open-loop phase compares equal loads.
    result.check(
        "p99 no worse than baseline (closed loop, at saturation)",
        slack["p99_ms"] <= base["p99_ms"],
        f"{slack['p99_ms']:.2f} ms vs {base['p99_ms']:.2f} ms",
    )
    result.check(
        f"p99 no worse than baseline (open loop, {sizes.http_open_rate} requests/s)",
        paced_slack["p99_ms"] <= paced_base["p99_ms"] * WITHIN_NOISE,
        f"{paced_slack['p99_ms']:.2f} ms vs {paced_base['p99_ms']:.2f} ms",
    )
    errors = slack["errors"] + paced_slack["errors"]
    result.check("no errors", errors == 0, f"{errors} errors")
    return result


def storm_and_idle(harness: Harness, sizes: Sizes) -> tuple[Result, Result]:
    """W2 (connect storm) and W3 (the same sessions held idle), one pass per server.

    Memory per session is the server's RSS a few seconds after the storm minus its RSS
    before, divided by the sessions that got ``hello``; idle CPU is measured after that.
    """
    storm: dict[str, dict[str, Any]] = {}
    idle: dict[str, dict[str, Any]] = {}
    settle = min(SETTLE_SECS, sizes.idle_secs / 3)
    hold = sizes.idle_secs
    for side, server in _sides(harness, harness.ws_baseline):
        with server() as subject:
            time.sleep(settle)
            before = subject.stats()
            options = _rtm_options(sizes.storm_sessions, ["-H", str(hold)])
            with harness.loadgen("rtm", subject.port, options) as loadgen:
                connected = loadgen.read_json(STORM_TIMEOUT_SECS)
                time.sleep(settle)
                held = subject.stats()
                time.sleep(max(hold - 2 * settle, settle))
                after = subject.stats()
                loadgen.read_json(hold + 30)
        storm[side] = connected
        sessions = connected["hello"]
        figures: dict[str, Any] = {"sessions": sessions}
        if before and held and after:
            figures["rss_before_mib"] = before.rss_bytes / 2**20
            figures["rss_idle_mib"] = held.rss_bytes / 2**20
            figures["bytes_per_session"] = (held.rss_bytes - before.rss_bytes) / max(sessions, 1)
            figures["idle_cpu_share"] = cpu_share(held, after)
            figures["idle_window_secs"] = after.at - held.at
        idle[side] = figures
    return _storm_result(storm, sizes), _idle_result(idle, sizes)


def _storm_result(figures: dict[str, dict[str, Any]], sizes: Sizes) -> Result:
    slack, base = figures["slackline"], figures["baseline"]
    result = Result(
        "W2", "connect storm", {"sessions": sizes.storm_sessions}, slack, base, "node ws"
    )
    result.ratios["storm_secs"] = ratio(slack["storm_secs"], base["storm_secs"])
    result.check(
        "every session reaches hello",
        slack["hello"] == sizes.storm_sessions and slack["failed"] == 0,
        f"{slack['hello']} hello, {slack['failed']} failed",
    )
    result.check(
        "faster than the baseline",
        slack["storm_secs"] < base["storm_secs"],
        f"{slack['storm_secs']:.2f} s vs {base['storm_secs']:.2f} s",
    )
    return result


def _idle_result(figures: dict[str, dict[str, Any]], sizes: Sizes) -> Result:
    slack, base = figures["slackline"], figures["baseline"]
    result = Result(
        "W3",
        "idle sessions",
        {"sessions": sizes.storm_sessions, "secs": sizes.idle_secs},
        slack,
        base,
        "node ws",
    )
    if "bytes_per_session" not in slack:
        result.notes.append("server memory and CPU not measured (no pid for --target)")
        return result
    result.ratios["bytes_per_session"] = ratio(
        slack["bytes_per_session"], base["bytes_per_session"]
    )
    result.check(
        "memory per session <= baseline",
        slack["bytes_per_session"] <= base["bytes_per_session"],
        f"{slack['bytes_per_session'] / 1024:.1f} KiB vs {base['bytes_per_session'] / 1024:.1f}",
    )
    result.check(
        "idle CPU < 2% of a core",
        slack["idle_cpu_share"] < IDLE_CPU_TARGET,
        f"{slack['idle_cpu_share'] * 100:.2f}%",
    )
    return result


def _post_and_receive(
    harness: Harness,
    server: ServerFactory,
    sessions: int,
    post_options: list[str],
) -> dict[str, Any]:
    """Open the sessions, then post and measure deliveries; server CPU over the posting."""
    with server() as subject:
        options = _rtm_options(sessions, ["-w", *post_options])
        if subject.second_port:
            options += ["-q", str(subject.second_port)]
        with harness.loadgen("rtm", subject.port, options) as loadgen:
            connected = loadgen.read_json(STORM_TIMEOUT_SECS)
            time.sleep(SETTLE_SECS)  # presence and other after-connect work settles
            before = subject.stats()
            loadgen.send_line("go")
            done = loadgen.read_json(STORM_TIMEOUT_SECS * 2)
            after = subject.stats()
    done["connect_storm_secs"] = connected["storm_secs"]
    done["connect_failed"] = connected["failed"]
    if before and after and done["deliveries"]:
        done["server_cpu_secs"] = after.cpu_secs - before.cpu_secs
        done["server_cpu_us_per_delivery"] = (
            (after.cpu_secs - before.cpu_secs) / done["deliveries"] * 1e6
        )
    return done


def _channel_for(harness: Harness, sessions: int) -> tuple[str, int]:
    target = harness.target
    if target is not None and target.channel:
        return target.channel, sessions
    channel = (
        CHANNEL_1K if sessions <= harness.workspace.channel_members(CHANNEL_1K) else (CHANNEL_ALL)
    )
    return channel, min(sessions, harness.workspace.channel_members(channel))


def fanout_burst(harness: Harness, sessions: int, messages: int, capacity: float | None) -> Result:
    """W4: ``sessions`` in one channel, ``messages`` posted as fast as the poster can."""
    channel, receivers = _channel_for(harness, sessions)
    post = ["-m", str(messages), "-r", "0", "-C", channel, "-P", harness.poster_token]
    post += ["-k", str(receivers), "-W", str(POSTER_WINDOW)]
    figures = {
        side: _post_and_receive(harness, server, sessions, post)
        for side, server in _sides(harness, harness.ws_baseline)
    }
    slack, base = figures["slackline"], figures["baseline"]
    result = Result(
        "W4",
        f"fan-out burst {sessions}x{messages}",
        {"sessions": sessions, "messages": messages, "poster_window": POSTER_WINDOW},
        slack,
        base,
        "node ws",
    )
    result.ratios["deliveries_per_sec"] = ratio(
        slack["deliveries_per_sec"], base["deliveries_per_sec"]
    )
    result.ratios["p99"] = ratio(slack["p99_ms"], base["p99_ms"])
    wanted = 3.0 if sessions <= 1000 else 2.5
    speedup = result.ratios["deliveries_per_sec"] or 0
    result.check(f"deliveries/s >= {wanted}x baseline", speedup >= wanted, f"{speedup:.2f}x")
    result.check(
        "p99 <= half the baseline's",
        slack["p99_ms"] <= base["p99_ms"] / 2,
        f"{slack['p99_ms']:.1f} ms vs {base['p99_ms']:.1f} ms",
    )
    result.check(
        "every delivery arrived",
        slack["deliveries"] == slack["expected"] and slack["post_errors"] == 0,
        f"{slack['deliveries']}/{slack['expected']}, {slack['post_errors']} post errors",
    )
    _check_headroom(result, capacity)
    return result


def _check_headroom(result: Result, capacity: float | None) -> None:
    if capacity is None:
        return
    fastest = max(result.slackline["deliveries_per_sec"], result.baseline["deliveries_per_sec"])
    headroom = capacity / fastest if fastest else 0.0
    result.ratios["loadgen_headroom"] = round(headroom, 2)
    result.check(
        "load generator receives >= 2x the measured rate",
        headroom >= 2,
        f"{capacity:,.0f}/s capacity vs {fastest:,.0f}/s measured",
    )


def _steady_posts(harness: Harness, sizes: Sizes) -> tuple[list[str], int]:
    """W5's posting options (one at a time, at the steady rate, to the 1,000-member channel
    of the bench workspace) and how many sessions receive each post."""
    channel, receivers = _channel_for(harness, sizes.steady_sessions)
    receivers = min(receivers, harness.workspace.channel_members(CHANNEL_1K))
    if harness.target is None:
        channel = CHANNEL_1K
    messages = sizes.steady_rate * sizes.steady_secs
    post = ["-m", str(messages), "-r", str(sizes.steady_rate), "-C", channel]
    post += ["-P", harness.poster_token, "-k", str(receivers), "-W", "1"]
    return post, receivers


def steady_chat(harness: Harness, sizes: Sizes) -> Result:
    """W5: many sessions, one channel's worth receiving, a steady rate of posts."""
    sessions = sizes.steady_sessions
    post, receivers = _steady_posts(harness, sizes)
    figures = {
        side: _post_and_receive(harness, server, sessions, post)
        for side, server in _sides(harness, harness.ws_baseline)
    }
    slack, base = figures["slackline"], figures["baseline"]
    result = Result(
        "W5",
        "steady chat",
        {
            "sessions": sessions,
            "receivers": receivers,
            "rate_per_sec": sizes.steady_rate,
            "secs": sizes.steady_secs,
        },
        slack,
        base,
        "node ws",
    )
    for key in ("p50", "p99"):
        result.ratios[key] = ratio(slack[f"{key}_ms"], base[f"{key}_ms"])
        result.check(
            f"{key} no worse than baseline (within 10%)",
            slack[f"{key}_ms"] <= base[f"{key}_ms"] * WITHIN_NOISE,
            f"{slack[f'{key}_ms']:.2f} ms vs {base[f'{key}_ms']:.2f} ms",
        )
    if "server_cpu_us_per_delivery" in slack:
        cost = ratio(slack["server_cpu_us_per_delivery"], base["server_cpu_us_per_delivery"])
        result.ratios["cpu_per_delivery"] = cost
        result.check(
            "server CPU per delivery lower",
            cost is not None and cost < 1,
            f"{slack['server_cpu_us_per_delivery']:.2f} us vs "
            f"{base['server_cpu_us_per_delivery']:.2f} us",
        )
    result.check(
        "every delivery arrived",
        slack["deliveries"] == slack["expected"] and slack["post_errors"] == 0,
        f"{slack['deliveries']}/{slack['expected']}, {slack['post_errors']} post errors",
    )
    return result


def loadgen_capacity(harness: Harness, sizes: Sizes) -> dict[str, Any]:
    """How fast the load generator receives from a trivial server that floods it."""
    frames = sizes.flood_frames
    with harness.flood_server(sizes.flood_sessions, frames) as flood:
        options = _rtm_options(sizes.flood_sessions, ["-e", str(frames)])
        with harness.loadgen("rtm", flood.port, options) as loadgen:
            loadgen.read_json(STORM_TIMEOUT_SECS)
            done = loadgen.read_json(STORM_TIMEOUT_SECS)
    return rounded(
        {
            "sessions": sizes.flood_sessions,
            "frames_per_session": frames,
            "deliveries": done["deliveries"],
            "secs": done["secs"],
            "deliveries_per_sec": done["deliveries_per_sec"],
        }
    )


def fanout_burst_two_processes(harness: Harness, sessions: int, messages: int) -> Result:
    """W4 on two processes sharing Redis against one process: what the cluster costs."""
    channel, receivers = _channel_for(harness, sessions)
    post = ["-m", str(messages), "-r", "0", "-C", channel, "-P", harness.poster_token]
    post += ["-k", str(receivers), "-W", str(POSTER_WINDOW)]
    return _two_processes(
        harness,
        "W4R",
        f"fan-out burst {sessions}x{messages}, two processes + Redis",
        {"sessions": sessions, "messages": messages, "poster_window": POSTER_WINDOW},
        lambda server: _post_and_receive(harness, server, sessions, post),
    )


def steady_chat_two_processes(harness: Harness, sizes: Sizes) -> Result:
    """W5 on two processes sharing Redis against one process."""
    sessions = sizes.steady_sessions
    post, receivers = _steady_posts(harness, sizes)
    return _two_processes(
        harness,
        "W5R",
        "steady chat, two processes + Redis",
        {"sessions": sessions, "receivers": receivers, "rate_per_sec": sizes.steady_rate},
        lambda server: _post_and_receive(harness, server, sessions, post),
    )


def _two_processes(
    harness: Harness,
    workload: str,
    title: str,
    parameters: dict[str, Any],
    measure: Callable[[ServerFactory], dict[str, Any]],
) -> Result:
    """Measure one process, then two sharing Redis (half the sessions on each, every post
    through the first, so half the deliveries cross Redis), and report the difference."""
    one = measure(harness.slackline)
    two = measure(harness.slackline_pair)
    result = Result(workload, title, parameters, two, one, "one Slackline process")
    result.ratios["deliveries_per_sec"] = ratio(
        two["deliveries_per_sec"], one["deliveries_per_sec"]
    )
    for key in ("p50", "p99"):
        result.ratios[key] = ratio(two[f"{key}_ms"], one[f"{key}_ms"])
        result.ratios[f"extra_{key}_ms"] = round(two[f"{key}_ms"] - one[f"{key}_ms"], 3)
    result.check(
        "every delivery arrived",
        two["deliveries"] == two["expected"] and two["post_errors"] == 0,
        f"{two['deliveries']}/{two['expected']}, {two['post_errors']} post errors",
    )
    return result


def _server_counts(port: int) -> dict[str, Any] | None:
    """The baseline's own envelope counters (``GET /stats``); None when it has none."""
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/stats", timeout=5) as answer:
            document = json.loads(answer.read())
    except (OSError, ValueError):
        return None
    return document if isinstance(document, dict) else None


def _socket_mode_run(harness: Harness, server: ServerFactory, sizes: Sizes) -> dict[str, Any]:
    """One repeat on a fresh server: connect the app 10 times, post, count, acknowledge."""
    options = ["-a", SOCKET_APP_TOKEN, "-n", str(SOCKET_CONNECTIONS), "-C", CHANNEL_SOCKET]
    options += ["-P", POSTER_TOKEN, "-m", str(sizes.socket_messages)]
    options += ["-W", str(sizes.socket_window), "-u", str(SOCKET_WARMUP)]
    options += ["-l", str(SOCKET_LINGER_SECS)]
    with server() as subject, harness.socket_mode_client(subject.port, options) as client:
        connected = client.read_json(STORM_TIMEOUT_SECS)
        before = subject.stats()
        client.send_line("go")
        done = client.read_json(STORM_TIMEOUT_SECS * 2)
        after = subject.stats()
        counts = _server_counts(subject.port)
    done["connect_secs"] = connected["connect_secs"]
    if before and after and done["unique"]:
        done["server_cpu_us_per_envelope"] = (
            (after.cpu_secs - before.cpu_secs) / (done["unique"] + SOCKET_WARMUP) * 1e6
        )
    done["server_counts"] = counts
    return rounded(done)


def _spread(values: list[float]) -> dict[str, float]:
    return {
        "median": round(statistics.median(values), 4),
        "min": round(min(values), 4),
        "max": round(max(values), 4),
    }


def _summary(runs: list[dict[str, Any]]) -> dict[str, Any]:
    """Medians of the repeats (the headline figures), their spread, and the sums checked."""
    summary: dict[str, Any] = {}
    for key in ("deliveries_per_sec", "p50_ms", "p99_ms", "max_ms", "client_cpu_share"):
        values = [float(run[key]) for run in runs]
        summary[key] = statistics.median(values)
        summary[f"{key}_spread"] = _spread(values)
    for key in ("expected", "envelopes", "unique", "duplicates", "missing", "retried",
                "acks_sent", "post_errors"):  # fmt: skip
        summary[key] = sum(int(run[key]) for run in runs)
    summary["per_connection_min"] = min(int(run["per_connection_min"]) for run in runs)
    summary["per_connection_max"] = max(int(run["per_connection_max"]) for run in runs)
    costs = [
        run["server_cpu_us_per_envelope"] for run in runs if "server_cpu_us_per_envelope" in run
    ]
    if costs:
        summary["server_cpu_us_per_envelope"] = statistics.median(costs)
    counted = [run["server_counts"] for run in runs if run.get("server_counts")]
    if counted:
        summary["server_acknowledged"] = sum(int(c["acknowledged"]) for c in counted)
        summary["server_in_flight"] = sum(int(c["in_flight"]) for c in counted)
    summary["runs"] = runs
    return summary


def _exactly_once(side: dict[str, Any]) -> tuple[bool, str]:
    met = (
        side["unique"] == side["expected"]
        and side["envelopes"] == side["expected"]
        and side["duplicates"] == 0
        and side["retried"] == 0
        and side["post_errors"] == 0
    )
    detail = (
        f"{side['unique']}/{side['expected']} posts, {side['envelopes']} envelopes, "
        f"{side['duplicates']} duplicates, {side['retried']} redelivered, "
        f"{side['post_errors']} post errors"
    )
    return met, detail


def socket_mode_fanout(harness: Harness, sizes: Sizes) -> Result:
    """W6: one Socket Mode app with 10 connections; each post is one ``events_api`` envelope
    to one of them, acknowledged at once. Baseline and Slackline alternate, each repeat on
    a fresh server; the figures are the repeats' medians, the ratios paired per repeat.
    The client is Python asyncio with the ``websockets`` library (``socket_mode_client.py``),
    not ``loadgen.c``; its CPU share is checked so that it is not the limit."""
    runs: dict[str, list[dict[str, Any]]] = {"baseline": [], "slackline": []}
    for _ in range(sizes.socket_repeats):
        for side, server in _sides(harness, harness.socket_mode_baseline):
            runs[side].append(_socket_mode_run(harness, server, sizes))
    slack, base = _summary(runs["slackline"]), _summary(runs["baseline"])
    result = Result(
        "W6",
        f"Socket Mode fan-out {SOCKET_CONNECTIONS} connections x {sizes.socket_messages}",
        {
            "connections": SOCKET_CONNECTIONS,
            "messages": sizes.socket_messages,
            "repeats": sizes.socket_repeats,
            "poster_window": sizes.socket_window,
            "warmup_posts": SOCKET_WARMUP,
            "linger_secs": SOCKET_LINGER_SECS,
            "client": "python asyncio + websockets (bench/socket_mode_client.py)",
        },
        slack,
        base,
        "node ws socket mode",
    )
    paired = {
        "deliveries_per_sec": [
            s["deliveries_per_sec"] / b["deliveries_per_sec"]
            for s, b in zip(runs["slackline"], runs["baseline"], strict=True)
        ],
        "p99": [
            s["p99_ms"] / b["p99_ms"]
            for s, b in zip(runs["slackline"], runs["baseline"], strict=True)
        ],
    }
    for key, values in paired.items():
        spread = _spread(values)
        result.ratios[key] = spread["median"]
        result.ratios[f"{key}_min"] = spread["min"]
        result.ratios[f"{key}_max"] = spread["max"]
    speed = result.ratios["deliveries_per_sec"] or 0.0
    result.check(
        f"envelopes/s >= {SOCKET_RATE_TARGET}x baseline (median of {sizes.socket_repeats})",
        speed >= SOCKET_RATE_TARGET,
        f"{speed:.2f}x ({paired_text(paired['deliveries_per_sec'])})",
    )
    p99 = result.ratios["p99"] or 0.0
    result.check(
        f"p99 <= {SOCKET_P99_TARGET}x baseline's (median of {sizes.socket_repeats})",
        p99 <= SOCKET_P99_TARGET,
        f"{p99:.2f}x ({paired_text(paired['p99'])}); {slack['p99_ms']:.1f} ms vs "
        f"{base['p99_ms']:.1f} ms",
    )
    met, detail = _exactly_once(slack)
    result.check("every envelope arrived exactly once, none redelivered", met, detail)
    acked = slack["acks_sent"] == slack["envelopes"] + SOCKET_WARMUP * sizes.socket_repeats
    result.check(
        "every envelope acknowledged (client side; no redelivery within the ack deadline)",
        acked and slack["retried"] == 0,
        f"{slack['acks_sent']} acks sent for {slack['envelopes']} envelopes + "
        f"{SOCKET_WARMUP * sizes.socket_repeats} warm-up; {slack['retried']} redelivered "
        f"within {SOCKET_LINGER_SECS:.1f} s",
    )
    spread = slack["per_connection_max"] - slack["per_connection_min"]
    result.check(
        "round robin: every connection got its share (within 1)",
        spread <= 1,
        f"{slack['per_connection_min']}-{slack['per_connection_max']} envelopes per connection",
    )
    base_ok, base_detail = _exactly_once(base)
    if not base_ok:
        result.notes.append(f"the baseline itself lost or repeated envelopes: {base_detail}")
    result.notes.append(
        "Slackline's envelope counters (SocketModeHub.stats) are not reachable from outside "
        "(not in /metrics nor the control API): its acknowledgements are counted client side, "
        "and checked by listening past its 3 s redelivery deadline; the baseline's own counts "
        f"say {base.get('server_acknowledged')} acknowledged, {base.get('server_in_flight')} "
        "left in flight"
    )
    busiest = max(float(run["client_cpu_share"]) for run in (*runs["slackline"], *runs["baseline"]))
    result.check(
        f"the client is not the limit (< {SOCKET_CLIENT_CPU_LIMIT:.0%} of a core in every repeat)",
        busiest < SOCKET_CLIENT_CPU_LIMIT,
        f"up to {busiest:.0%} of a core",
    )
    return result


def paired_text(values: list[float]) -> str:
    """Per-repeat ratios, as text."""
    return ", ".join(f"{v:.2f}" for v in values)
