"""The pytest side of the real-client drivers: run one, read its JSON lines, wait for them.

Each driver (``tests/clients/drivers/*.py`` under a client's own interpreter, or
``tests/clients/node/driver.js`` under node) prints a JSON object per line for every event
its unmodified client hands to the application, and takes commands as JSON lines on stdin
(protocol in ``drivers/driverio.py``). :class:`Driver` keeps every line it has read, so
:meth:`Driver.wait_for` finds a line whatever the order threads or callbacks printed it in,
and never sleeps: it waits on a condition until the line comes or the timeout passes.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

ROOT = Path(__file__).resolve().parents[2]
DRIVERS = Path(__file__).resolve().parent / "drivers"
NODE_DRIVER = Path(__file__).resolve().parent / "node" / "driver.js"
LINE_TIMEOUT_SECS = 15.0
STOP_TIMEOUT_SECS = 10.0
PROXY_VARIABLES = ("http_proxy", "https_proxy", "all_proxy", "no_proxy", "ws_proxy", "wss_proxy")

Line = dict[str, Any]


def venv_python(name: str) -> str:
    """A client venv's interpreter (built by ``make clients``); the main one for ``.venv``."""
    if name == ".venv":
        return sys.executable
    python = ROOT / name / "bin" / "python"
    if not python.exists():
        raise RuntimeError(f"{python} is missing: run `make clients` (or `make test`)")
    return str(python)


def node(project: Path = NODE_DRIVER.parent) -> str:
    """The node binary, with the project's modules installed by ``npm ci``."""
    binary = shutil.which("node")
    if binary is None or not (project / "node_modules").exists():
        raise RuntimeError(f"node or {project}/node_modules is missing: run `make clients`")
    return binary


def client_environment(**settings: str) -> dict[str, str]:
    """This process's environment without proxy variables (they change how clients connect:
    libcurl-style clients send every request through one), plus the driver's settings."""
    env = {
        key: value
        for key, value in os.environ.items()
        if key.lower() not in PROXY_VARIABLES and not key.startswith("SLACKLINE_")
    }
    env["PYTHONUNBUFFERED"] = "1"
    env.update(settings)
    return env


class Driver:
    """One running driver process and every line it has printed."""

    def __init__(self, argv: list[str], env: dict[str, str], log_path: Path) -> None:
        self._log_path = log_path
        self._log = log_path.open("w")
        self._lines: list[Line] = []
        self._taken: set[int] = set()
        self._changed = threading.Condition()
        self._ended = False
        self._process = subprocess.Popen(
            argv,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=self._log,
            env=env,
            cwd=str(ROOT),
            text=True,
        )
        assert self._process.stdout is not None
        self._reader = threading.Thread(target=self._read, args=(self._process.stdout,))
        self._reader.start()

    def _read(self, stdout: IO[str]) -> None:
        for raw in stdout:
            try:
                line = json.loads(raw)
            except ValueError:
                line = {"unparsed": raw.rstrip("\n")}
            with self._changed:
                self._lines.append(line if isinstance(line, dict) else {"unparsed": raw})
                self._changed.notify_all()
        with self._changed:
            self._ended = True
            self._changed.notify_all()

    def wait_for(
        self, predicate: Callable[[Line], bool], what: str, timeout: float = LINE_TIMEOUT_SECS
    ) -> Line:
        """The first line not yet taken that matches; fail after ``timeout`` seconds."""
        deadline = time.monotonic() + timeout
        with self._changed:
            while True:
                for index, line in enumerate(self._lines):
                    if index not in self._taken and predicate(line):
                        self._taken.add(index)
                        return line
                remaining = deadline - time.monotonic()
                if remaining <= 0 or self._ended:
                    raise AssertionError(self._failure(f"no line: {what}"))
                self._changed.wait(remaining)

    def wait_for_event(self, timeout: float = LINE_TIMEOUT_SECS, **fields: Any) -> Line:
        """The next RTM event having all these fields, e.g. ``type="hello"``."""

        def matches(line: Line) -> bool:
            event = line.get("event")
            return isinstance(event, dict) and all(event.get(k) == v for k, v in fields.items())

        event: Line = self.wait_for(matches, f"event with {fields}", timeout)["event"]
        return event

    def wait_for_status(self, status: str, timeout: float = LINE_TIMEOUT_SECS) -> Line:
        """The next life-cycle line with this status."""
        return self.wait_for(lambda line: line.get("status") == status, f"status {status}", timeout)

    def request(self, verb: str, argument: Any = True) -> None:
        """Send one command line without waiting for it."""
        self._write({verb: argument})

    def command(self, verb: str, argument: Any = True) -> None:
        """Send one command line and wait until the driver reports it done."""
        self.request(verb, argument)
        done = self.wait_for(
            lambda line: line.get("done") == verb or line.get("failed") == verb, f"{verb} done"
        )
        assert "done" in done, self._failure(f"{verb} failed: {done}")

    def lines(self) -> list[Line]:
        """Every line read so far."""
        with self._changed:
            return list(self._lines)

    def _write(self, command: Line) -> None:
        stdin = self._process.stdin
        assert stdin is not None
        stdin.write(json.dumps(command) + "\n")
        stdin.flush()

    def _failure(self, message: str) -> str:
        self._log.flush()
        log_tail = self._log_path.read_text()[-3000:]
        seen = "\n".join(json.dumps(line) for line in self._lines[-40:])
        return f"{message}\n--- lines (last 40):\n{seen}\n--- stderr (tail):\n{log_tail}"

    def stop(self) -> None:
        """Ask the driver to stop; kill it if it has not exited in time. Always reaps it."""
        stdin, stdout = self._process.stdin, self._process.stdout
        assert stdin is not None and stdout is not None
        try:
            if self._process.poll() is None:
                self._write({"stop": True})
                stdin.close()
                self._process.wait(timeout=STOP_TIMEOUT_SECS)
        except (OSError, subprocess.TimeoutExpired):
            pass
        finally:
            if self._process.poll() is None:
                self._process.kill()
                self._process.wait(timeout=STOP_TIMEOUT_SECS)
            self._reader.join(timeout=STOP_TIMEOUT_SECS)
            stdout.close()
            self._log.close()


@dataclass(frozen=True)
class RealClient:
    """How to run one client's driver and how that client sends a message."""

    name: str
    interpreter: str  # a venv directory name, or "node"
    script: str  # under drivers/, or "" for the node driver
    arguments: tuple[str, ...] = ()
    connect_method: str = "rtm.connect"
    run_async: bool = True
    tls: bool = False
    # How the client's message gets acknowledged: "id" (a raw frame with our id, the client
    # passes the reply on), "client_id" (the client numbers frames itself), "helper" (the
    # client's own send-and-await-reply call).
    ack_style: str = "id"

    def argv(self) -> list[str]:
        """The command line running the driver."""
        if self.interpreter == "node":
            return [node(), str(NODE_DRIVER)]
        return [venv_python(self.interpreter), str(DRIVERS / self.script), *self.arguments]

    def start(self, base_url: str, token: str, log_path: Path, **extra: str) -> Driver:
        """Start the driver against a Slackline at ``base_url`` with ``token``."""
        env = client_environment(
            SLACKLINE_BASE_URL=base_url,
            SLACKLINE_TOKEN=token,
            SLACKLINE_CONNECT_METHOD=self.connect_method,
            SLACKLINE_RUN_ASYNC="1" if self.run_async else "0",
            **extra,
        )
        return Driver(self.argv(), env, log_path)


RTM_V2 = RealClient("slack_sdk.rtm_v2", ".venv", "rtm_v2_driver.py")
SLACK_SDK_RTM = RealClient(
    "slack_sdk.rtm", ".venv", "legacy_rtm_driver.py", ("slack_sdk.rtm",), ack_style="client_id"
)
SLACKCLIENT2 = RealClient(
    "slackclient-2.9.4",
    ".venv-slackclient2",
    "legacy_rtm_driver.py",
    ("slack",),
    ack_style="client_id",
)
SLACKCLIENT2_SYNC = RealClient(
    "slackclient-2.9.4-sync",
    ".venv-slackclient2",
    "legacy_rtm_driver.py",
    ("slack",),
    run_async=False,
    ack_style="client_id",
)
SLACKCLIENT1_START = RealClient(
    "slackclient-1.3.2-rtm.start",
    ".venv-slackclient1",
    "slackclient1_driver.py",
    connect_method="rtm.start",
    tls=True,
)
SLACKCLIENT1_CONNECT = RealClient(
    "slackclient-1.3.2-rtm.connect",
    ".venv-slackclient1",
    "slackclient1_driver.py",
    connect_method="rtm.connect",
    tls=True,
)
RTM_API = RealClient("@slack/rtm-api-7.0.1", "node", "", ack_style="helper")
ALL_CLIENTS = (
    RTM_V2,
    SLACK_SDK_RTM,
    SLACKCLIENT2,
    SLACKCLIENT2_SYNC,
    SLACKCLIENT1_START,
    SLACKCLIENT1_CONNECT,
    RTM_API,
)
