"""A private redis-server on a free port that tests may stop and restart."""

from __future__ import annotations

import socket
import subprocess
import time
from types import TracebackType

START_TIMEOUT_SECS = 10.0
POLL_SECS = 0.02


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class PrivateRedis:
    """``redis-server`` on 127.0.0.1 with nothing on disk; never the machine's shared one."""

    def __init__(self) -> None:
        self.port = free_port()
        self._process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        """The ``redis://`` URL of this instance."""
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        """Start (or restart) the server and wait until it answers."""
        self._process = subprocess.Popen(
            ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1",
             "--save", "", "--appendonly", "no"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )  # fmt: skip
        deadline = time.monotonic() + START_TIMEOUT_SECS
        while not self._answers():
            if time.monotonic() > deadline:
                raise TimeoutError("private redis-server did not start")
            time.sleep(POLL_SECS)  # bounded polling for a process to come up

    def stop(self) -> None:
        """Kill the server (as a crash would) and wait for it to exit."""
        if self._process is not None:
            self._process.kill()
            self._process.wait(timeout=START_TIMEOUT_SECS)
            self._process = None

    def _answers(self) -> bool:
        try:
            with socket.create_connection(("127.0.0.1", self.port), timeout=1) as conn:
                conn.sendall(b"PING\r\n")
                return conn.recv(16).startswith(b"+PONG")
        except OSError:
            return False

    def __enter__(self) -> PrivateRedis:
        self.start()
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()
