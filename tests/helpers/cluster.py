"""Several real ``slackline serve`` processes on one database and one broker, for e2e tests.

- :class:`Cluster` starts processes (all at once, as a deployment restarting would), waits
  for each to say it is ready, and stops, kills and reads the log of each.
- :class:`FailoverProxy` is a TCP load balancer in front of them: each new connection goes to
  the first process in its list that accepts one, as nginx's ``proxy_next_upstream error``
  does, so a client pointed at it reconnects through a surviving process when one dies.
- :class:`RecordedSession` is a plain RTM socket client whose every frame is kept by a
  reader thread, so a test can wait for frames, count them and see how the socket ended.

Nothing here sleeps as a wait: waits are on conditions (a new frame, a ready line) with a
deadline, or bounded polling of a condition where nothing can be waited on.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import secrets
import select
import signal
import socket
import subprocess
import threading
import time
import uuid
from collections.abc import Callable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any
from urllib.parse import urlencode, urlsplit, urlunsplit

from redis import Redis
from websockets.sync.client import ClientConnection, connect

from tests.helpers.http import HttpResult, http_request

ROOT = Path(__file__).resolve().parents[2]
SLACKLINE = ROOT / ".venv" / "bin" / "slackline"
SHARED_REDIS = "redis://127.0.0.1:6379/0"
ADMIN_TOKEN = "cluster-admin-token"
READY_TIMEOUT_SECS = 30.0
STOP_TIMEOUT_SECS = 15.0
FRAME_TIMEOUT_SECS = 15.0
POLL_SECS = 0.05
PRESENCE_GRACE_SECS = 0.5
UPSTREAM_CONNECT_TIMEOUT_SECS = 2.0
PROXY_BUFFER_BYTES = 65536
TEAM = "T0001"
GENERAL = "C0001"
BUSY = "C0002"
SECRET = "G0001"
BOT_TOKEN = "xoxb-cluster-bot"
BOT_USER = "U0BOT"
# Users and their user tokens (xoxp-<name>); tests take disjoint users so that presence
# and sessions of one test never show in another on a shared cluster.
USERS = {
    "alice": "U01", "bob": "U02", "carol": "U03", "dave": "U04", "erin": "U05",
    "frank": "U06", "grace": "U07", "heidi": "U08", "ivan": "U09", "judy": "U10",
}  # fmt: skip
SECRET_MEMBERS = ("alice", "bob")
BUSY_MEMBERS = ("carol", "dave", "erin")
_RECORD_START = re.compile(r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d")


def token_of(name: str) -> str:
    """The user token of a user of the cluster workspace."""
    return f"xoxp-{name}"


def workspace_yaml() -> str:
    """The cluster tests' workspace: one team, ten users with user tokens, one bot."""
    user_lines = "\n".join(
        f"      - {{id: {uid}, name: {name}, real_name: {name.title()} Example}}"
        for name, uid in USERS.items()
    )
    token_lines = "\n".join(
        f"      - {{token: {token_of(name)}, user: {uid}, type: user, scopes: [client]}}"
        for name, uid in USERS.items()
    )
    everyone = ", ".join([*USERS.values(), BOT_USER])
    secret = ", ".join([*(USERS[n] for n in SECRET_MEMBERS), BOT_USER])
    busy = ", ".join(USERS[n] for n in BUSY_MEMBERS)
    return f"""teams:
  - id: {TEAM}
    name: Acme
    domain: acme
    users:
{user_lines}
    bots:
      - {{id: B0001, user_id: {BOT_USER}, name: pybot}}
    conversations:
      - {{id: {GENERAL}, name: general, is_general: true, members: [{everyone}]}}
      - {{id: {BUSY}, name: busy, members: [{busy}]}}
      - {{id: {SECRET}, name: secret, is_private: true, members: [{secret}]}}
    tokens:
      - {{token: {BOT_TOKEN}, user: {BOT_USER}, type: classic_bot}}
{token_lines}
"""


def unique_redis_url(base: str = SHARED_REDIS) -> str:
    """A broker URL with a channel of its own, so tests on one Redis never hear each other."""
    return f"{base}?channel=slackline-test-{uuid.uuid4().hex[:12]}"


def forget_redis_keys(channel: str, url: str = SHARED_REDIS) -> None:
    """Delete the keys a test's Redis channel left behind (``{channel}:*``)."""
    client = Redis.from_url(url)
    try:
        keys = list(client.scan_iter(match=f"{channel}:*"))
        if keys:
            client.delete(*keys)
    finally:
        client.close()


def free_port() -> int:
    """A TCP port on 127.0.0.1 nothing listens on right now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def wait_until(condition: Callable[[], bool], what: str, timeout: float) -> float:
    """Poll a condition nothing can signal (another process's state) until it holds.

    Returns the seconds it took; raises ``TimeoutError`` naming ``what`` after ``timeout``.
    """
    started = time.monotonic()
    pause = threading.Event()
    while not condition():
        if time.monotonic() - started > timeout:
            raise TimeoutError(f"not within {timeout} s: {what}")
        pause.wait(POLL_SECS)  # bounded polling: the state lives in another process
    return time.monotonic() - started


def call(
    port: int,
    method: str,
    token: str | None = None,
    args: Mapping[str, str] | None = None,
    timeout_secs: float = 10.0,
) -> HttpResult:
    """One Web API call (POST, urlencoded, Bearer token) to the process on ``port``."""
    headers = {"Content-Type": "application/x-www-form-urlencoded"}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    body = urlencode(args or {})
    return http_request(port, "POST", f"/api/{method}", body, headers, timeout_secs)


class ClusterNode:
    """One ``slackline serve`` process: its port, its log, and how to end it."""

    def __init__(self, name: str, port: int, argv: list[str], log_path: Path) -> None:
        self.name = name
        self.port = port
        self.log_path = log_path
        self._log = log_path.open("wb")
        self.process = subprocess.Popen(
            argv, stdout=subprocess.PIPE, stderr=self._log, env=_server_environment()
        )

    @property
    def base_url(self) -> str:
        """``http://127.0.0.1:PORT``."""
        return f"http://127.0.0.1:{self.port}"

    def wait_ready(self, deadline: float) -> None:
        """Wait for the ready line on stdout; fail with the log if the process dies first."""
        stdout = self.process.stdout
        assert stdout is not None
        line = b""
        while not line.endswith(b"\n"):
            remaining = deadline - time.monotonic()
            readable, _, _ = select.select([stdout], [], [], max(remaining, 0))
            if not readable:
                raise TimeoutError(f"{self.name} not ready in time:\n{self.log()[-3000:]}")
            chunk = os.read(stdout.fileno(), 1)
            if not chunk:
                raise RuntimeError(f"{self.name} exited before ready:\n{self.log()[-3000:]}")
            line += chunk
        assert b"ready" in line, line

    def api(self, method: str, token: str | None = None, **args: str) -> HttpResult:
        """A Web API call to this process."""
        return call(self.port, method, token, args)

    def alive(self) -> bool:
        """Whether the process is still running."""
        return self.process.poll() is None

    def kill(self) -> None:
        """SIGKILL, as a crash or the OOM killer would; returns once it is gone."""
        self.process.kill()
        self.process.wait(timeout=STOP_TIMEOUT_SECS)

    def stop(self) -> None:
        """SIGTERM twice (drain skipped), then SIGKILL if it lingers; always reaps it."""
        if self.alive():
            self.process.send_signal(signal.SIGTERM)
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=STOP_TIMEOUT_SECS)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=STOP_TIMEOUT_SECS)
        if self.process.stdout is not None:
            self.process.stdout.close()
        self._log.close()

    def log(self) -> str:
        """Everything the process has logged so far."""
        return self.log_path.read_text(errors="replace")


def _server_environment() -> dict[str, str]:
    """This environment without SLACKLINE_* settings or proxies; the admin token in it."""
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith("SLACKLINE_") and "proxy" not in key.lower()
    }
    env["SLACKLINE_ADMIN_TOKEN"] = ADMIN_TOKEN  # not in argv, as docs/admin.md advises
    return env


class Cluster:
    """Server processes sharing one database, one broker, one secret and one workspace."""

    def __init__(
        self, root: Path, database: str, broker: str, workspace: str | None = None
    ) -> None:
        self.root = root
        self.database = database
        self.broker = broker
        self.workspace = root / "cluster-workspace.yaml"
        self.workspace.write_text(workspace if workspace is not None else workspace_yaml())
        # Written before any process starts, as docs/deployment.md says: processes starting
        # together must not each create one.
        self.secret_file = root / "cluster.secret"
        self.secret_file.write_text(secrets.token_hex(32))
        self.secret_file.chmod(0o600)
        self.nodes: list[ClusterNode] = []

    def _argv(self, port: int, public_url: str | None, extra: Sequence[str]) -> list[str]:
        argv = [
            str(SLACKLINE), "serve", "--port", str(port),
            "--database", self.database, "--broker", self.broker,
            "--workspace", str(self.workspace), "--secret-file", str(self.secret_file),
            "--rate-limits", "off", "--drain-secs", "1",
            "--presence-grace-secs", str(PRESENCE_GRACE_SECS),
        ]  # fmt: skip
        if public_url:
            argv += ["--public-url", public_url]
        return [*argv, *extra]

    def start(self, count: int, extra: Sequence[str] = ()) -> list[ClusterNode]:
        """Start ``count`` processes at the same moment; return once every one is ready."""
        started = [self._spawn(None, extra) for _ in range(count)]
        deadline = time.monotonic() + READY_TIMEOUT_SECS
        for node in started:
            node.wait_ready(deadline)
        return started

    def add_node(self, public_url: str | None = None, extra: Sequence[str] = ()) -> ClusterNode:
        """Start one more process and wait until it is ready."""
        node = self._spawn(public_url, extra)
        node.wait_ready(time.monotonic() + READY_TIMEOUT_SECS)
        return node

    def _spawn(self, public_url: str | None, extra: Sequence[str]) -> ClusterNode:
        # A port chosen up front, so --public-url may name it before the process runs.
        port = free_port()
        name = f"node{len(self.nodes) + 1}"
        node = ClusterNode(
            name, port, self._argv(port, public_url, extra), self.root / f"{name}.log"
        )
        self.nodes.append(node)
        return node

    def stop(self) -> None:
        """Stop every process still running."""
        for node in self.nodes:
            node.stop()

    def unexpected_log_records(self) -> list[str]:
        """Log records showing a bug: ``fatal_error`` or a traceback of anything else than an
        ``internal_error`` (which decisions B.6 logs with its traceback on purpose)."""
        found = []
        for node in self.nodes:
            for record in log_records(node.log()):
                if "fatal_error" in record or (
                    "Traceback" in record and "internal_error" not in record.split("\n", 1)[0]
                ):
                    found.append(f"{node.name}: {record}")
        return found

    def __enter__(self) -> Cluster:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.stop()


def log_records(log: str) -> list[str]:
    """A log split into records: a record starts with a timestamp; tracebacks follow it."""
    records: list[str] = []
    for line in log.splitlines():
        if _RECORD_START.match(line) or not records:
            records.append(line)
        else:
            records[-1] += "\n" + line
    return records


def with_port(url: str, port: int) -> str:
    """The URL with its host:port replaced by 127.0.0.1:``port`` (another process)."""
    parts = urlsplit(url)
    return urlunsplit(parts._replace(netloc=f"127.0.0.1:{port}"))


class RecordedSession:
    """A plain RTM socket client; a reader thread keeps every frame and how the socket ended."""

    def __init__(self, url: str, label: str) -> None:
        self.label = label
        self._connection: ClientConnection = connect(
            url, open_timeout=FRAME_TIMEOUT_SECS, proxy=None, legacy=True
        )
        self._frames: list[dict[str, Any]] = []
        self._changed = threading.Condition()
        self.ended = False
        self.close_code: int | None = None  # the close frame received; None: none came
        self._reader = threading.Thread(target=self._read, name=f"rtm-{label}", daemon=True)
        self._reader.start()

    def _read(self) -> None:
        with contextlib.suppress(Exception):
            for raw in self._connection:
                frame = json.loads(raw)
                with self._changed:
                    self._frames.append(frame if isinstance(frame, dict) else {"raw": frame})
                    self._changed.notify_all()
        received = self._connection.protocol.close_rcvd
        with self._changed:
            self.close_code = received.code if received is not None else None
            self.ended = True
            self._changed.notify_all()

    def frames(self) -> list[dict[str, Any]]:
        """Every frame received so far, in order."""
        with self._changed:
            return list(self._frames)

    def wait_for(
        self,
        predicate: Callable[[dict[str, Any]], bool],
        what: str,
        timeout: float = FRAME_TIMEOUT_SECS,
    ) -> dict[str, Any]:
        """The first frame (from the start) that matches; fail after ``timeout``."""
        deadline = time.monotonic() + timeout
        with self._changed:
            while True:
                for frame in self._frames:
                    if predicate(frame):
                        return frame
                remaining = deadline - time.monotonic()
                if remaining <= 0 or self.ended:
                    raise AssertionError(f"{self.label}: no frame {what}; got {self._frames[-20:]}")
                self._changed.wait(remaining)

    def wait_for_text(self, text: str, timeout: float = FRAME_TIMEOUT_SECS) -> dict[str, Any]:
        """The ``message`` frame with this text."""
        return self.wait_for(
            lambda f: f.get("type") == "message" and f.get("text") == text, repr(text), timeout
        )

    def wait_for_messages(
        self, channel: str, count: int, timeout: float = FRAME_TIMEOUT_SECS
    ) -> list[str]:
        """Wait until ``count`` messages of the channel have arrived; their texts."""
        with self._changed:
            if not self._changed.wait_for(lambda: len(self.texts(channel)) >= count, timeout):
                raise AssertionError(f"{self.label}: {self.texts(channel)} short of {count}")
        return self.texts(channel)

    def wait_ended(self, timeout: float = FRAME_TIMEOUT_SECS) -> None:
        """Wait until the socket is closed (by either side or by the network)."""
        with self._changed:
            if not self._changed.wait_for(lambda: self.ended, timeout):
                raise AssertionError(f"{self.label}: still open after {timeout} s")

    def texts(self, channel: str | None = None) -> list[str]:
        """The texts of the ``message`` frames received, in order (of one channel)."""
        return [
            str(f.get("text"))
            for f in self.frames()
            if f.get("type") == "message" and (channel is None or f.get("channel") == channel)
        ]

    def send(self, document: dict[str, Any]) -> None:
        """Send one JSON frame."""
        self._connection.send(json.dumps(document))

    def close(self) -> None:
        """Close the socket (handshake included) and stop the reader."""
        with contextlib.suppress(Exception):
            self._connection.close()
        self._reader.join(timeout=FRAME_TIMEOUT_SECS)


def reply_to(frame_id: int) -> Callable[[dict[str, Any]], bool]:
    """A predicate matching the reply to the client frame with this ``id``."""
    return lambda frame: frame.get("reply_to") == frame_id


def open_session(port: int, token: str, label: str) -> RecordedSession:
    """rtm.connect on the process (or proxy) at ``port``, open the URL, wait for ``hello``."""
    result = call(port, "rtm.connect", token)
    assert result.body.get("ok"), (label, result.body)
    session = RecordedSession(str(result.body["url"]), label)
    first = session.wait_for(lambda f: True, "hello")
    assert first == {"type": "hello"}, (label, first)
    return session


@contextlib.contextmanager
def closing_all(sessions: list[RecordedSession]) -> Iterator[list[RecordedSession]]:
    """Close every session in the list (as it is when the block ends)."""
    try:
        yield sessions
    finally:
        for session in sessions:
            session.close()


class FailoverProxy:
    """A TCP load balancer: each connection goes to the first backend that accepts one.

    Bytes are relayed unchanged (the ``Host`` header too, so Slackline hands out socket URLs
    that point back at the proxy). When a backend dies, its relayed connections are closed
    on the client's side, as a real balancer does, and new ones go to the next backend.
    """

    def __init__(self, backends: Sequence[int]) -> None:
        self.backends = list(backends)
        self._listener = socket.create_server(("127.0.0.1", 0))
        self.port = int(self._listener.getsockname()[1])
        self._lock = threading.Lock()
        self._open: set[socket.socket] = set()
        self._threads: list[threading.Thread] = []
        self._spawn(self._accept)

    @property
    def base_url(self) -> str:
        """``http://127.0.0.1:PORT`` of the proxy."""
        return f"http://127.0.0.1:{self.port}"

    def _spawn(self, target: Callable[..., None], *args: Any) -> None:
        thread = threading.Thread(target=target, args=args, daemon=True)
        with self._lock:
            self._threads.append(thread)
        thread.start()

    def _accept(self) -> None:
        while True:
            try:
                client, _ = self._listener.accept()
            except OSError:
                return  # the listener was shut down
            upstream = self._connect_upstream()
            if upstream is None:
                client.close()
                continue
            with self._lock:
                self._open.update((client, upstream))
            self._spawn(self._relay, client, upstream)
            self._spawn(self._relay, upstream, client)

    def _connect_upstream(self) -> socket.socket | None:
        for port in self.backends:
            try:
                upstream = socket.create_connection(
                    ("127.0.0.1", port), timeout=UPSTREAM_CONNECT_TIMEOUT_SECS
                )
            except OSError:
                continue  # refused: that process is down, try the next
            upstream.settimeout(None)
            return upstream
        return None

    def _relay(self, source: socket.socket, sink: socket.socket) -> None:
        try:
            while data := source.recv(PROXY_BUFFER_BYTES):
                sink.sendall(data)
        except OSError:
            pass
        # Either side ending ends both, so the client sees a dead backend at once.
        for sock in (source, sink):
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)

    def close(self) -> None:
        """Stop accepting, end every relayed connection and wait for the relay threads."""
        with contextlib.suppress(OSError):
            self._listener.shutdown(socket.SHUT_RDWR)
        self._listener.close()
        with self._lock:
            sockets, threads = list(self._open), list(self._threads)
        for sock in sockets:
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)
        for thread in threads:
            thread.join(timeout=STOP_TIMEOUT_SECS)
        for sock in sockets:
            sock.close()
