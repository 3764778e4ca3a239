"""The SIGTERM drain of a real ``slackline serve`` process (decisions B.7)."""

from __future__ import annotations

import signal
import socket
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from slackline.testing.server import ServerThread, exchange
from tests.helpers.http import WORKSPACE_FILE, HttpResult, api, http_request, start_server

SLACKLINE = Path(__file__).resolve().parents[1] / ".venv" / "bin" / "slackline"
DRAIN_SECS = 2.0
READY_TIMEOUT_SECS = 20.0
EXIT_TIMEOUT_SECS = 10.0


@dataclass
class Served:
    """A running ``slackline serve`` process and its port."""

    process: subprocess.Popen[str]
    port: int


def free_port() -> int:
    """A port nothing listens on right now (bind to 0, read it, release it)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
    return port


@pytest.fixture
def served(tmp_path: Path) -> Iterator[Served]:
    """``slackline serve`` on a free port, waited on until it says it is ready."""
    port = free_port()
    process = subprocess.Popen(
        [
            str(SLACKLINE),
            "serve",
            "--port",
            str(port),
            "--database",
            f"sqlite:///{tmp_path / 'db'}",
            "--secret-file",
            str(tmp_path / "secret"),
            "--workspace",
            WORKSPACE_FILE,
            "--drain-secs",
            str(DRAIN_SECS),
            "--rate-limits",
            "off",
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stdout is not None
        line = process.stdout.readline()
        assert "ready" in line, process.stderr.read() if process.stderr else line
        yield Served(process, port)
    finally:
        if process.poll() is None:
            process.kill()
        process.communicate(timeout=EXIT_TIMEOUT_SECS)


def test_healthz_answers_503_as_soon_as_the_drain_starts(served: Served) -> None:
    assert http_request(served.port, "GET", "/healthz").status == 200
    served.process.send_signal(signal.SIGTERM)
    result = wait_for_draining(served.port)
    assert result.status == 503
    assert result.body == {"status": "draining"}


def test_api_requests_during_the_drain_are_service_unavailable(served: Served) -> None:
    served.process.send_signal(signal.SIGTERM)
    wait_for_draining(served.port)
    result = http_request(
        served.port, "GET", "/api/rtm.connect", headers={"Authorization": "Bearer xoxb-1-classic"}
    )
    assert result.status == 503
    assert result.body == {"ok": False, "error": "service_unavailable"}
    assert result.headers["retry-after"] == "1"
    assert result.headers["content-type"] == "application/json; charset=utf-8"
    assert result.headers["x-slack-req-id"]


def test_the_process_exits_0_after_the_drain_period(served: Served) -> None:
    started = time.monotonic()
    served.process.send_signal(signal.SIGTERM)
    assert served.process.wait(timeout=EXIT_TIMEOUT_SECS) == 0
    assert time.monotonic() - started >= DRAIN_SECS * 0.9


def test_a_second_sigterm_exits_at_once(served: Served) -> None:
    served.process.send_signal(signal.SIGTERM)
    wait_for_draining(served.port)
    started = time.monotonic()
    served.process.send_signal(signal.SIGTERM)
    assert served.process.wait(timeout=EXIT_TIMEOUT_SECS) == 0
    assert time.monotonic() - started < DRAIN_SECS / 2


def test_the_process_log_never_contains_a_token(served: Served) -> None:
    http_request(served.port, "GET", "/api/rtm.connect?token=xoxp-1-client")
    api_result = http_request(
        served.port, "GET", "/api/rtm.connect", headers={"Authorization": "Bearer xoxb-1-classic"}
    )
    ticket = api_result.body["url"].rsplit("/", 1)[-1]
    served.process.send_signal(signal.SIGTERM)
    served.process.send_signal(signal.SIGTERM)
    _, stderr = served.process.communicate(timeout=EXIT_TIMEOUT_SECS)
    assert "rtm.connect" in stderr
    for secret in ("xoxp-1-client", "xoxb-1-classic", ticket):
        assert secret not in stderr


def wait_for_draining(port: int) -> HttpResult:
    """Poll /healthz until the signal has been handled (it is asynchronous to the sender)."""
    deadline = time.monotonic() + EXIT_TIMEOUT_SECS
    while True:
        result = http_request(port, "GET", "/healthz")
        if result.status == 503 or time.monotonic() > deadline:
            return result


@pytest.fixture
def draining(tmp_path: Path) -> Iterator[ServerThread]:
    """An in-process server already in its drain period."""
    thread = start_server(tmp_path)
    thread.begin_drain()
    yield thread
    thread.stop()


def test_draining_beats_a_bad_token(draining: ServerThread) -> None:
    result = api(draining, "rtm.connect", "xoxb-no-such-token")
    assert result.status == 503
    assert result.body == {"ok": False, "error": "service_unavailable"}


def test_draining_beats_a_format_error(draining: ServerThread) -> None:
    result = http_request(draining.port, "POST", "/api/rtm.connect", body="a=1")
    assert result.status == 503
    assert result.body == {"ok": False, "error": "service_unavailable"}


def test_a_socket_upgrade_during_the_drain_gets_503(draining: ServerThread) -> None:
    upgrade = (
        b"GET /websocket/anything HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\n"
        b"Connection: Upgrade\r\nSec-WebSocket-Version: 13\r\n"
        b"Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n"
    )
    [response] = exchange(draining.port, upgrade)
    assert response.status == 503
