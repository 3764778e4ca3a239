"""Prometheus metrics on their own listener (metrics.py, histogram.py) and JSON log lines
(logbuffer.py ``JsonLineFormatter``, ``slackline serve --log-format json``)."""

from __future__ import annotations

import http.client
import io
import json
import logging
import re
import signal
import socket
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from prometheus_client.parser import text_string_to_metric_families
from websockets.sync.client import connect

from slackline.logbuffer import JsonLineFormatter
from slackline.testing.server import ServerThread
from tests.helpers.http import WORKSPACE_FILE, api, http_request, start_server
from tests.helpers.rtm import closed_with, recv_json, recv_until, send_json

SLACKLINE = Path(sys.executable).with_name("slackline")
READY_TIMEOUT_SECS = 20.0
EXIT_TIMEOUT_SECS = 10.0
TIME_TEXT = re.compile(r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3}$")

# Every family the server exposes, as prometheus_client names them on the wire (a counter
# family named ``x`` is declared and sampled as ``x_total``), with its type.
FAMILY_TYPES = {
    "slackline_sessions_open": "gauge",
    "slackline_frames_in_total": "counter",
    "slackline_frames_out_total": "counter",
    "slackline_events_delivered_total": "counter",
    "slackline_overflow_closes_total": "counter",
    "slackline_fan_out_lag_seconds": "histogram",
    "slackline_rtm_write_refusals_total": "counter",
    "slackline_api_calls_total": "counter",
    "slackline_api_rate_limit_refusals_total": "counter",
    "slackline_tickets_issued_total": "counter",
    "slackline_tickets_redeemed_total": "counter",
    "slackline_tickets_refused_total": "counter",
    "slackline_socket_mode_connections_open": "gauge",
    "slackline_socket_mode_envelopes_sent_total": "counter",
    "slackline_socket_mode_envelopes_acknowledged_total": "counter",
    "slackline_socket_mode_envelopes_retried_total": "counter",
    "slackline_socket_mode_envelopes_dropped_total": "counter",
    "slackline_events_api_requests_delivered_total": "counter",
    "slackline_events_api_requests_retried_total": "counter",
    "slackline_events_api_requests_dropped_total": "counter",
    "slackline_events_api_requests_suppressed_total": "counter",
    "slackline_events_api_subscriptions_disabled_total": "counter",
    "slackline_app_events_claimed_elsewhere_total": "counter",
    "slackline_dependency_up": "gauge",
    "slackline_dependency_latency_seconds": "gauge",
}
# The samples a fresh server has (a labelled family has none until it counts something).
FRESH_SAMPLES = {
    *(name for name in FAMILY_TYPES if name != "slackline_api_calls_total"),
    "slackline_fan_out_lag_seconds_bucket",
    "slackline_fan_out_lag_seconds_count",
    "slackline_fan_out_lag_seconds_sum",
} - {"slackline_fan_out_lag_seconds"}

Labels = tuple[tuple[str, str], ...]


@dataclass
class Scrape:
    """One GET /metrics: status, content type, the text and its samples."""

    status: int
    content_type: str
    text: str
    samples: dict[tuple[str, Labels], float]

    def value(self, metric: str, /, **labels: str) -> float:
        """A sample's value (0 when absent, as for a counter never incremented)."""
        return self.samples.get((metric, tuple(sorted(labels.items()))), 0.0)

    def label_values(self, name: str, label: str) -> set[str]:
        """Every value one label takes in a family's samples."""
        return {dict(key)[label] for sample, key in self.samples if sample == name}


def scrape(port: int, path: str = "/metrics") -> Scrape:
    """GET the metrics listener and parse its exposition."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        connection.request("GET", path)
        response = connection.getresponse()
        text = response.read().decode()
        content_type = response.getheader("content-type", "")
        status = response.status
    finally:
        connection.close()
    samples: dict[tuple[str, Labels], float] = {}
    if status == 200:
        for family in text_string_to_metric_families(text):
            for sample in family.samples:
                key = (sample.name, tuple(sorted(sample.labels.items())))
                samples[key] = sample.value
    return Scrape(status, content_type, text, samples)


def metrics_port(server: ServerThread) -> int:
    """The metrics listener's bound port."""
    assert server.listeners is not None and server.listeners.metrics_port is not None
    return server.listeners.metrics_port


@pytest.fixture
def metered(tmp_path: Path) -> Iterator[ServerThread]:
    """A fresh server (counters at zero) with metrics on a free port."""
    thread = start_server(tmp_path, metrics_port=0)
    yield thread
    thread.stop()


def test_metrics_answer_200_text_with_every_metric(metered: ServerThread) -> None:
    result = scrape(metrics_port(metered))
    assert result.status == 200
    assert result.content_type.startswith("text/plain")
    declared = {
        tuple(line.split()[2:4]) for line in result.text.splitlines() if line.startswith("# TYPE")
    }
    assert declared == set(FAMILY_TYPES.items())
    assert {name for name, _ in result.samples} == FRESH_SAMPLES
    assert result.value("slackline_sessions_open") == 0
    assert result.value("slackline_dependency_up", name="database") == 1
    assert result.value("slackline_dependency_up", name="broker") == 1
    assert result.label_values("slackline_dependency_latency_seconds", "name") == {
        "database",
        "broker",
    }
    assert result.value("slackline_fan_out_lag_seconds_bucket", le="+Inf") == 0


def test_a_socket_counts_its_ticket_session_frames_and_events(metered: ServerThread) -> None:
    port = metrics_port(metered)
    connected = api(metered, "rtm.connect", "xoxb-1-classic")
    url = connected.body["url"]
    with connect(url, open_timeout=5, legacy=True) as bot:
        assert recv_json(bot) == {"type": "hello"}
        opened = scrape(port)
        assert opened.value("slackline_tickets_issued_total") == 1
        assert opened.value("slackline_tickets_redeemed_total") == 1
        assert opened.value("slackline_tickets_refused_total") == 0
        assert opened.value("slackline_sessions_open") == 1
        assert opened.value("slackline_api_calls_total", method="rtm.connect", code="ok") == 1

        send_json(bot, {"id": 1, "type": "ping"})
        assert recv_until(bot, lambda f: f.get("reply_to") == 1)["type"] == "pong"
        # The bot is a member of #general: alice's post reaches its socket.
        posted = api(metered, "chat.postMessage", "xoxp-1-client", channel="C0001", text="hi")
        assert posted.body["ok"] is True
        assert recv_until(bot, lambda f: f.get("text") == "hi")["user"] == "U0001"
        after = scrape(port)

    assert after.value("slackline_frames_in_total") > opened.value("slackline_frames_in_total")
    for grown in ("slackline_frames_out_total", "slackline_events_delivered_total"):
        assert after.value(grown) > opened.value(grown), grown
    assert after.value("slackline_events_delivered_total") >= 1
    assert after.value("slackline_fan_out_lag_seconds_count") >= 1
    assert after.value("slackline_fan_out_lag_seconds_bucket", le="+Inf") == after.value(
        "slackline_fan_out_lag_seconds_count"
    )
    assert after.value("slackline_fan_out_lag_seconds_sum") > 0
    assert after.value("slackline_api_calls_total", method="chat.postMessage", code="ok") == 1

    # The used ticket opens nothing a second time, and is counted as refused.
    with connect(url, open_timeout=5, legacy=True) as again:
        assert closed_with(again) == 1008  # "socket URL has expired"
    closed = scrape(port)
    assert closed.value("slackline_tickets_refused_total") == 1
    assert closed.value("slackline_tickets_redeemed_total") == 1


def test_unknown_methods_are_one_bounded_label(metered: ServerThread) -> None:
    port = metrics_port(metered)
    assert api(metered, "no.suchMethod", "xoxp-1-client").body["error"] == "unknown_method"
    first = scrape(port)
    unknown = {"method": "unknown", "code": "unknown_method"}
    assert first.value("slackline_api_calls_total", **unknown) == 1
    methods_before = first.label_values("slackline_api_calls_total", "method")
    codes_before = first.label_values("slackline_api_calls_total", "code")

    for number in range(50):
        result = api(metered, f"made.up{number}", "xoxp-1-client")
        assert result.body == {"ok": False, "error": "unknown_method"}
    later = scrape(port)
    assert later.value("slackline_api_calls_total", **unknown) == 51
    assert later.label_values("slackline_api_calls_total", "method") == methods_before
    assert later.label_values("slackline_api_calls_total", "code") == codes_before
    assert "made.up" not in later.text


def listening_addresses(port: int) -> set[str]:
    """The addresses sockets listen on at ``port``, from the kernel's own tables."""
    found = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        with open(table) as rows:
            next(rows)
            for row in rows:
                local, state = row.split()[1], row.split()[3]
                address, _, port_hex = local.partition(":")
                if state != "0A" or int(port_hex, 16) != port:  # 0A: LISTEN
                    continue
                if len(address) == 8:  # IPv4, little-endian
                    found.add(socket.inet_ntoa(bytes.fromhex(address)[::-1]))
                else:
                    found.add(f"ipv6:{address}")
    return found


def test_the_metrics_listener_is_on_loopback_by_default(metered: ServerThread) -> None:
    port = metrics_port(metered)
    assert port not in (0, metered.port)
    assert listening_addresses(port) == {"127.0.0.1"}
    # Another loopback address reaches a socket on 0.0.0.0, never one on 127.0.0.1.
    with pytest.raises(ConnectionRefusedError):
        socket.create_connection(("127.0.0.2", port), timeout=5).close()


def test_metrics_host_chooses_the_address(tmp_path: Path) -> None:
    server = start_server(tmp_path, metrics_port=0, metrics_host="127.0.0.2")
    try:
        assert listening_addresses(metrics_port(server)) == {"127.0.0.2"}
    finally:
        server.stop()


def test_metrics_are_served_on_their_listener_only(metered: ServerThread) -> None:
    main = http_request(metered.port, "GET", "/metrics")
    assert main.status == 404
    port = metrics_port(metered)
    for path in ("/healthz", "/api/auth.test", "/metrics/extra", "/"):
        assert scrape(port, path).status == 404, path
    assert scrape(port).status == 200


def test_no_metrics_listener_unless_asked(tmp_path: Path) -> None:
    server = start_server(tmp_path)
    try:
        assert server.listeners is not None
        assert server.listeners.metrics_port is None
    finally:
        server.stop()


# JSON log lines


def test_json_line_formatter_writes_one_object_per_line() -> None:
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonLineFormatter())
    logger = logging.getLogger("slackline.test_json_lines")
    logger.addHandler(handler)
    logger.propagate = False
    logger.setLevel(logging.INFO)
    try:
        logger.info("plain %s", "message")
        logger.warning('two\nlines and ünïcode "quoted"')
        try:
            raise ValueError("broken")
        except ValueError:
            logger.exception("it failed")
    finally:
        logger.removeHandler(handler)
        logger.propagate = True

    lines = stream.getvalue().splitlines()
    assert len(lines) == 3
    documents = [json.loads(line) for line in lines]
    for document in documents:
        assert TIME_TEXT.match(document["time"]), document
        assert document["logger"] == "slackline.test_json_lines"
    assert [(d["level"], d["message"]) for d in documents] == [
        ("INFO", "plain message"),
        ("WARNING", 'two\nlines and ünïcode "quoted"'),
        ("ERROR", "it failed"),
    ]
    assert [sorted(d) for d in documents[:2]] == [["level", "logger", "message", "time"]] * 2
    assert sorted(documents[2]) == ["exception", "level", "logger", "message", "time"]
    assert documents[2]["exception"].startswith("Traceback (most recent call last):")
    assert documents[2]["exception"].endswith("ValueError: broken")


def test_json_line_formatter_makes_lines_without_records() -> None:
    # The access log's path (LineLogger): a line made from its parts, no LogRecord.
    line = JsonLineFormatter().line(1_700_000_000.25, "INFO", "slackline.access", "GET /x 200")
    assert line is not None and "\n" not in line
    document = json.loads(line)
    assert sorted(document) == ["level", "logger", "message", "time"]
    assert (document["level"], document["logger"], document["message"]) == (
        "INFO",
        "slackline.access",
        "GET /x 200",
    )
    assert TIME_TEXT.match(document["time"])
    assert document["time"].endswith(",250")


def free_port() -> int:
    """A port nothing listens on right now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
    return port


def test_serve_with_log_format_json_logs_json_lines(tmp_path: Path) -> None:
    port, metrics = free_port(), free_port()
    process = subprocess.Popen(
        [
            str(SLACKLINE), "serve", "--port", str(port),
            "--database", f"sqlite:///{tmp_path / 'db'}",
            "--secret-file", str(tmp_path / "secret"),
            "--workspace", WORKSPACE_FILE,
            "--rate-limits", "off",
            "--log-format", "json",
            "--metrics-port", str(metrics),
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )  # fmt: skip
    try:
        assert process.stdout is not None
        line = process.stdout.readline()
        assert "ready" in line, process.stderr.read() if process.stderr else line
        answer = http_request(port, "GET", "/api/auth.test?token=xoxp-1-client")
        assert answer.body["ok"] is True
        assert http_request(port, "GET", "/api/no.such").body["error"] == "unknown_method"
        counted = scrape(metrics)
        assert counted.value("slackline_api_calls_total", method="auth.test", code="ok") == 1
        process.send_signal(signal.SIGINT)
        _, stderr = process.communicate(timeout=EXIT_TIMEOUT_SECS)
    finally:
        if process.poll() is None:
            process.kill()
            process.communicate(timeout=EXIT_TIMEOUT_SECS)
    assert process.returncode == 0, stderr

    lines = [line for line in stderr.splitlines() if line.strip()]
    assert lines, "nothing was logged"
    documents = [json.loads(line) for line in lines]  # every line is one JSON object
    for document in documents:
        assert {"time", "level", "logger", "message"} <= set(document), document
        assert TIME_TEXT.match(document["time"]), document
    access = [d for d in documents if d["logger"] == "slackline.access"]
    assert any("auth.test" in d["message"] for d in access), access
    assert "xoxp-1-client" not in stderr
