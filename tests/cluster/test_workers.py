"""``slackline serve --workers N``: real worker processes sharing one port (issue 5 item 4).

Which worker serves a connection is read from the kernel: the server side of the TCP
connection in ``/proc/net/tcp`` names a socket inode, and ``/proc/<pid>/fd`` shows which
worker holds it.
"""

from __future__ import annotations

import json
import os
import re
import select
import signal
import subprocess
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from websockets.sync.client import ClientConnection, connect

from slackline.cli import build_parser, settings_from_args
from tests.helpers.cluster import SHARED_REDIS, forget_redis_keys
from tests.helpers.http import WORKSPACE_FILE, http_request

ROOT = Path(__file__).resolve().parents[2]
SLACKLINE = ROOT / ".venv" / "bin" / "slackline"
READY_TIMEOUT_SECS = 60.0
WAIT_TIMEOUT_SECS = 30.0
POLL_SECS = 0.05
SOCKETS = 12  # the chance that the kernel puts all of them on one of two workers: 2 ** -11
_READY = re.compile(r"Web API at (http://\S+)/api/")
_PIDS = re.compile(r"^(\d+) workers \(pids ([\d ]+)\)$")


@dataclass
class Workers:
    """A running ``slackline serve --workers N`` and what it printed."""

    process: subprocess.Popen[bytes]
    base_url: str = ""
    pids: list[int] = field(default_factory=list)
    log: Path = Path()

    @property
    def port(self) -> int:
        """The shared port."""
        return int(self.base_url.rsplit(":", 1)[1])


def _env() -> dict[str, str]:
    return {k: v for k, v in os.environ.items() if not k.startswith("SLACKLINE_")}


def _serve(tmp_path: Path, *argv: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(SLACKLINE), "serve", "--port", "0", "--secret-file", str(tmp_path / "secret"),
         "--database", f"sqlite:///{tmp_path / 'slackline.db'}", *argv],
        capture_output=True, text=True, timeout=WAIT_TIMEOUT_SECS, env=_env(), check=False,
    )  # fmt: skip


@pytest.fixture
def channel() -> Iterator[str]:
    """A Redis channel of this test's own; its keys are removed afterwards."""
    name = f"slackline-test-workers-{uuid.uuid4().hex}"
    yield name
    forget_redis_keys(name)


@pytest.fixture
def workers(tmp_path: Path, channel: str) -> Iterator[Workers]:
    """Two workers on a SQLite file and the shared Redis, port 0 (127.0.0.1 only)."""
    log = tmp_path / "stderr.log"
    with log.open("w") as stderr:
        process = subprocess.Popen(
            [str(SLACKLINE), "serve", "--workers", "2", "--host", "127.0.0.1", "--port", "0",
             "--broker", f"{SHARED_REDIS}?channel={channel}",
             "--database", f"sqlite:///{tmp_path / 'slackline.db'}",
             "--workspace", WORKSPACE_FILE, "--secret-file", str(tmp_path / "secret"),
             "--rate-limits", "off", "--drain-secs", "1", "--presence-grace-secs", "0"],
            stdout=subprocess.PIPE, stderr=stderr, env=_env(),
        )  # fmt: skip
    running = Workers(process, log=log)
    try:
        _read_ready(running)
        yield running
    finally:
        _stop(running)


def _read_ready(workers: Workers) -> None:
    """Read the ready line and the workers' pids off the parent's output."""
    stdout = workers.process.stdout
    assert stdout is not None
    deadline = time.monotonic() + READY_TIMEOUT_SECS
    pending = b""
    while not workers.pids:
        remaining = deadline - time.monotonic()
        readable, _, _ = select.select([stdout], [], [], max(remaining, 0))
        chunk = os.read(stdout.fileno(), 4096) if readable else b""
        if not chunk:
            raise AssertionError(f"not ready: {workers.log.read_text()[-2000:]}")
        *lines, pending = (pending + chunk).split(b"\n")
        for line in (raw.decode() for raw in lines):
            if match := _READY.search(line):
                workers.base_url = match.group(1)
            elif match := _PIDS.match(line.strip()):
                workers.pids = [int(pid) for pid in match.group(2).split()]


def _stop(workers: Workers) -> None:
    """Leave nothing behind: the parent and every worker this test saw."""
    process = workers.process
    if process.poll() is None:
        process.kill()
        process.wait(timeout=WAIT_TIMEOUT_SECS)
    for pid in [*workers.pids, *_restarted_pids(workers)]:
        if _alive(pid):
            os.kill(pid, signal.SIGKILL)
    assert process.stdout is not None
    process.stdout.close()


def _alive(pid: int) -> bool:
    """Whether the process exists and is not a zombie."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat.rsplit(")", 1)[1].split()[0] != "Z"


def _restarted_pids(workers: Workers) -> list[int]:
    text = workers.log.read_text()
    return [int(pid) for pid in re.findall(r"started again \(pid (\d+)\)", text)]


def _wait_until(condition: Callable[[], bool], what: str) -> None:
    deadline = time.monotonic() + WAIT_TIMEOUT_SECS
    while not condition():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(POLL_SECS)  # bounded polling of a condition nothing signals


def _api(workers: Workers, method: str, token: str, **args: str) -> dict[str, Any]:
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
    result = http_request(workers.port, "POST", f"/api/{method}", json.dumps(args), headers)
    return result.body


def _answers(workers: Workers) -> bool:
    try:
        return bool(_api(workers, "auth.test", "xoxb-1-classic")["ok"])
    except ConnectionError:
        return False


def _open_socket(workers: Workers, token: str) -> ClientConnection:
    connected = _api(workers, "rtm.connect", token)
    assert connected["ok"], connected
    socket = connect(connected["url"], open_timeout=WAIT_TIMEOUT_SECS, legacy=True)
    assert json.loads(socket.recv(timeout=WAIT_TIMEOUT_SECS)) == {"type": "hello"}
    return socket


def _recv_until(socket: ClientConnection, match: Callable[[dict[str, Any]], bool]) -> None:
    while not match(json.loads(socket.recv(timeout=WAIT_TIMEOUT_SECS))):
        pass


def _serving_pid(socket: ClientConnection, pids: list[int]) -> int:
    """The worker holding the server side of this client's TCP connection."""
    client_port = socket.socket.getsockname()[1]
    server_port = socket.socket.getpeername()[1]
    inode = ""
    for line in Path("/proc/net/tcp").read_text().splitlines()[1:]:
        fields = line.split()
        local, remote = fields[1], fields[2]
        if int(local.split(":")[1], 16) == server_port and int(remote.split(":")[1], 16) == (
            client_port
        ):
            inode = fields[9]
    assert inode, "the server side of the connection is not in /proc/net/tcp"
    for pid in pids:
        for fd in Path(f"/proc/{pid}/fd").iterdir():
            try:
                if os.readlink(fd) == f"socket:[{inode}]":
                    return pid
            except OSError:
                continue
    raise AssertionError(f"no worker holds socket inode {inode}")


# refusals


def test_more_than_one_worker_without_a_shared_broker_is_refused(tmp_path: Path) -> None:
    refused = _serve(tmp_path, "--workers", "2")
    assert refused.returncode == 2
    assert "--workers 2 needs a broker the workers share" in refused.stderr
    assert "--broker redis://" in refused.stderr
    assert refused.stdout == ""
    assert not (tmp_path / "slackline.db").exists()  # refused before touching anything


def test_an_in_memory_database_is_refused_for_several_workers(tmp_path: Path) -> None:
    refused = _serve(
        tmp_path, "--workers", "2", "--broker", SHARED_REDIS, "--database", "sqlite:///:memory:"
    )
    assert refused.returncode == 2
    assert "needs a database the workers share" in refused.stderr


def test_zero_workers_is_refused(tmp_path: Path) -> None:
    refused = _serve(tmp_path, "--workers", "0")
    assert refused.returncode == 2
    assert "--workers must be 1 or more" in refused.stderr


def test_the_workers_flag_reads_its_slackline_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SLACKLINE_WORKERS", "3")
    assert settings_from_args(build_parser().parse_args(["serve"])).workers == 3
    monkeypatch.delenv("SLACKLINE_WORKERS")
    assert settings_from_args(build_parser().parse_args(["serve"])).workers == 1


# running workers


def test_both_workers_serve_sockets_and_events_cross_between_them(workers: Workers) -> None:
    assert len(workers.pids) == 2
    sockets = [_open_socket(workers, "xoxb-1-classic") for _ in range(SOCKETS)]
    try:
        serving = {socket: _serving_pid(socket, workers.pids) for socket in sockets}
        assert set(serving.values()) == set(workers.pids)
        posted = _api(workers, "chat.postMessage", "xoxp-1-client", channel="C0001", text="hi")
        assert posted["ok"], posted
        for socket in sockets:  # on both workers, whichever served the post
            _recv_until(socket, lambda f: f.get("type") == "message" and f.get("text") == "hi")
    finally:
        for socket in sockets:
            socket.close()


def test_sigterm_drains_every_worker_and_the_parent_exits(workers: Workers) -> None:
    sockets = [_open_socket(workers, "xoxb-1-classic") for _ in range(SOCKETS)]
    try:
        assert {_serving_pid(s, workers.pids) for s in sockets} == set(workers.pids)
        workers.process.send_signal(signal.SIGTERM)
        for socket in sockets:
            _recv_until(socket, lambda f: f == {"type": "goodbye"})
        assert workers.process.wait(timeout=WAIT_TIMEOUT_SECS) == 0
    finally:
        for socket in sockets:
            socket.close()
    assert not any(_alive(pid) for pid in workers.pids)
    assert "second SIGTERM" not in workers.log.read_text()  # one drain each, not cut short


def test_a_killed_worker_is_started_again_and_the_others_keep_serving(
    workers: Workers,
) -> None:
    victim, survivor = workers.pids
    os.kill(victim, signal.SIGKILL)
    # Connections the kernel had queued on the victim's listening socket are reset with it
    # (SO_REUSEPORT gives each worker its own queue), and the socket may outlive the
    # process for a moment; a client retries, as it would after any reset.
    _wait_until(lambda: _answers(workers), "the surviving worker to answer")
    _wait_until(lambda: bool(_restarted_pids(workers)), "the worker to start again")
    (replacement,) = _restarted_pids(workers)
    assert replacement not in (victim, survivor) and _alive(replacement)
    sockets = [_open_socket(workers, "xoxb-1-classic") for _ in range(SOCKETS)]
    try:
        assert {_serving_pid(s, [survivor, replacement]) for s in sockets} == {
            survivor,
            replacement,
        }
    finally:
        for socket in sockets:
            socket.close()


def test_workers_drain_and_exit_when_the_parent_is_killed(workers: Workers) -> None:
    with _open_socket(workers, "xoxb-1-classic") as socket:
        workers.process.kill()
        workers.process.wait(timeout=WAIT_TIMEOUT_SECS)
        _recv_until(socket, lambda f: f == {"type": "goodbye"})
    _wait_until(lambda: not any(_alive(pid) for pid in workers.pids), "the workers to exit")
