"""The servers under test and the load generator, started fresh for every measurement.

Slackline runs as ``slackline serve --rate-limits off`` on a SQLite file copied from a
template the workspace was loaded into once (loading 10,000 bots takes a while), so every
measurement starts from the same state. With ``--target`` the harness measures a server it
did not start; its memory and CPU are read only when its pid is given.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bench.procs import BenchError, Process, ProcStats, Server, proc_stats
from bench.workspace import POSTER_TOKEN, BenchWorkspace, write_workspace

SLACKLINE_READY = r"127\.0\.0\.1:(\d+)/api/"
NODE_READY = r"ready (\d+)"
LOAD_TIMEOUT_SECS = 600
# The two-process runs use the machine's Redis (the project's services run on every machine).
REDIS_URL = "redis://127.0.0.1:6379/0"
# The flooder batches its writes so that it outpaces the receiver it measures.
FLOOD_FRAMES_PER_WRITE = 16
SOCKET_MODE_CLIENT = Path(__file__).resolve().parent / "socket_mode_client.py"
# W7's baseline runs SQLite as Slackline does by default: WAL, synchronous=NORMAL (the
# harness's sqlite:/// URL sets no synchronous option; decisions F.1 in storage/sqlite.py).
SQLITE_SYNCHRONOUS = "NORMAL"


@dataclass(frozen=True, slots=True)
class Target:
    """A server the harness did not start (``--target``)."""

    port: int
    pid: int | None
    tokens_file: Path | None
    channel: str | None
    poster_token: str | None


class Subject:
    """A server being measured: its port, and its memory and CPU when its pid is known.

    A two-process cluster has a ``second_port`` (half the sessions connect there) and its
    figures are the sum of both processes'.
    """

    def __init__(
        self, port: int, pid: int | None, second_port: int | None = None, second_pid: int = 0
    ) -> None:
        self.port = port
        self.pid = pid
        self.second_port = second_port
        self.second_pid = second_pid

    def stats(self) -> ProcStats | None:
        """Memory and CPU now, or None for a server whose pid is unknown."""
        if self.pid is None:
            return None
        first = proc_stats(self.pid)
        if not self.second_pid:
            return first
        second = proc_stats(self.second_pid)
        return ProcStats(
            first.rss_bytes + second.rss_bytes, first.cpu_secs + second.cpu_secs, first.at
        )


class Harness:
    """Starts servers and load generators for the workloads, in a scratch directory."""

    def __init__(
        self,
        workdir: Path,
        loadgen: Path,
        baselines: Path,
        sessions: int,
        target: Target | None = None,
    ) -> None:
        self.workdir = workdir
        self.loadgen_path = loadgen
        self.baselines = baselines
        self.target = target
        self.workspace: BenchWorkspace = write_workspace(workdir, sessions)
        self.poster_token = (target and target.poster_token) or POSTER_TOKEN
        self._template: Path | None = None
        self._runs = 0

    @property
    def tokens_file(self) -> Path:
        """One session token per line."""
        if self.target is not None and self.target.tokens_file is not None:
            return self.target.tokens_file
        return self.workspace.tokens_file

    def _run_dir(self, name: str) -> Path:
        self._runs += 1
        directory = self.workdir / f"{self._runs:02d}-{name}"
        directory.mkdir()
        return directory

    def _prepare_template(self) -> Path:
        """Load the workspace into a template database once (``slackline workspace load``)."""
        if self._template is None:
            template = self.workdir / "template"
            template.mkdir()
            argv = [
                sys.executable, "-m", "slackline.cli", "workspace", "load",
                "--database", f"sqlite:///{template / 'db'}",
                "--secret-file", str(template / "secret"),
                str(self.workspace.yaml_file),
            ]  # fmt: skip
            done = subprocess.run(  # noqa: S603 (argv is the harness's own, no shell)
                argv, capture_output=True, text=True, timeout=LOAD_TIMEOUT_SECS, check=False
            )
            if done.returncode != 0:
                raise BenchError(f"workspace load failed:\n{done.stdout}{done.stderr}")
            self._template = template
        return self._template

    @contextmanager
    def slackline(self) -> Iterator[Subject]:
        """A fresh Slackline (or the ``--target``), stopped on exit."""
        if self.target is not None:
            yield Subject(self.target.port, self.target.pid)
            return
        run = self._slackline_run_dir()
        argv = self._slackline_argv(run)
        with Server("slackline", argv, run / "server.log", SLACKLINE_READY, cwd=run) as server:
            yield Subject(server.port, server.pid)

    @contextmanager
    def slackline_pair(self) -> Iterator[Subject]:
        """Two Slackline processes on one SQLite file and the local Redis (a channel of
        their own), each handing out sockets on itself."""
        run = self._slackline_run_dir()
        self._runs += 1
        channel = f"slackline-bench-{os.getpid()}-{self._runs}"
        argv = [*self._slackline_argv(run), "--broker", f"{REDIS_URL}?channel={channel}"]
        with (
            Server("slackline-1", argv, run / "server-1.log", SLACKLINE_READY, cwd=run) as one,
            Server("slackline-2", argv, run / "server-2.log", SLACKLINE_READY, cwd=run) as two,
        ):
            yield Subject(one.port, one.pid, two.port, two.pid)

    def _slackline_run_dir(self) -> Path:
        return self.database_copy("slackline")

    @staticmethod
    def _slackline_argv(run: Path) -> list[str]:
        return [
            sys.executable, "-m", "slackline.cli", "serve", "--host", "127.0.0.1", "--port", "0",
            "--rate-limits", "off", "--database", f"sqlite:///{run / 'db'}",
            "--secret-file", str(run / "secret"),
        ]  # fmt: skip

    @contextmanager
    def ws_baseline(self) -> Iterator[Subject]:
        """The Node ``ws`` server, knowing the channels' members."""
        run = self._run_dir("node-ws")
        argv = ["node", str(self.baselines / "ws_server.js"), str(self.workspace.members_file)]
        with Server("node-ws", argv, run / "server.log", NODE_READY, cwd=run) as server:
            yield Subject(server.port, server.pid)

    def database_copy(self, name: str) -> Path:
        """A run directory holding a fresh copy of the template's database and secret (the
        workspace as Slackline starts from it), for a baseline or a measurement on the same
        file."""
        template = self._prepare_template()
        run = self._run_dir(name)
        for file in ("db", "secret"):
            shutil.copy(template / file, run / file)
        return run

    @contextmanager
    def webapi_baseline(self) -> Iterator[Subject]:
        """W7's Node ``http`` + ``better-sqlite3`` Web API server, on a fresh copy of the
        database Slackline starts from, with the same journal mode and synchronous setting."""
        run = self.database_copy("node-webapi")
        argv = ["node", str(self.baselines / "webapi_server.js"), str(run / "db")]
        argv += [str(run / "secret"), SQLITE_SYNCHRONOUS]
        with Server("node-webapi", argv, run / "server.log", NODE_READY, cwd=run) as server:
            yield Subject(server.port, server.pid)

    @contextmanager
    def http_baseline(self) -> Iterator[Subject]:
        """The Node ``http`` server answering rtm.connect with a fixed body."""
        run = self._run_dir("node-http")
        argv = ["node", str(self.baselines / "http_server.js")]
        with Server("node-http", argv, run / "server.log", NODE_READY, cwd=run) as server:
            yield Subject(server.port, server.pid)

    @contextmanager
    def python_floor(self) -> Iterator[Subject]:
        """uvloop and httptools answering rtm.connect with the same fixed body: what Python
        itself costs per request, beside Node's (W1's limit, docs/performance.md)."""
        run = self._run_dir("python-floor")
        argv = [sys.executable, str(self.baselines / "python_floor.py")]
        with Server("python-floor", argv, run / "server.log", NODE_READY, cwd=run) as server:
            yield Subject(server.port, server.pid)

    @contextmanager
    def socket_mode_baseline(self) -> Iterator[Subject]:
        """The Node ``ws`` Socket Mode server (W6): one app, envelopes in turn, acks."""
        run = self._run_dir("node-socket-mode")
        argv = ["node", str(self.baselines / "socket_mode_server.js")]
        with Server("node-socket-mode", argv, run / "server.log", NODE_READY, cwd=run) as server:
            yield Subject(server.port, server.pid)

    @contextmanager
    def mixgen(self, binary: Path, port: int, options: Sequence[str]) -> Iterator[Process]:
        """W7's Web API mix client (``bench/mixgen.c``, built by ``build.build_mixgen``)
        against ``port``, stopped on exit."""
        run = self._run_dir("mixgen")
        argv = [str(binary), "-p", str(port), *options]
        with Process("mixgen", argv, run / "mixgen.log") as process:
            yield process

    @contextmanager
    def socket_mode_client(self, port: int, options: Sequence[str]) -> Iterator[Process]:
        """W6's Python asyncio client (``bench/socket_mode_client.py``), stopped on exit."""
        run = self._run_dir("socket-mode-client")
        argv = [sys.executable, "-I", str(SOCKET_MODE_CLIENT), "-p", str(port), *options]
        with Process("socket-mode-client", argv, run / "client.log") as process:
            yield process

    @contextmanager
    def flood_server(self, sessions: int, frames: int) -> Iterator[Subject]:
        """The load generator's trivial flooding server.

        It writes ``FLOOD_FRAMES_PER_WRITE`` frames per send: one send per frame made the
        flooder, not the receiver under test, the limit (259,500 frames/s against 2.6 M/s).
        """
        run = self._run_dir("flood")
        argv = [str(self.loadgen_path), "flood", "-p", "0", "-n", str(sessions)]
        argv += ["-f", str(frames), "-b", str(FLOOD_FRAMES_PER_WRITE)]
        with Server("flood", argv, run / "server.log", NODE_READY, cwd=run) as server:
            yield Subject(server.port, server.pid)

    @contextmanager
    def loadgen(self, mode: str, port: int, options: Sequence[str]) -> Iterator[Process]:
        """The load generator against ``port``, stopped on exit."""
        run = self._run_dir(f"loadgen-{mode}")
        argv = [str(self.loadgen_path), mode, "-p", str(port), "-t", str(self.tokens_file)]
        with Process("loadgen", [*argv, *options], run / "loadgen.log") as process:
            yield process


def ratio(numerator: float | None, denominator: float | None) -> float | None:
    """``numerator / denominator`` rounded, or None when either is missing or zero."""
    if not numerator or not denominator:
        return None
    return round(numerator / denominator, 3)


def rounded(document: dict[str, Any]) -> dict[str, Any]:
    """Floats rounded to 4 significant places for the results file."""
    return {k: (float(f"{v:.4g}") if isinstance(v, float) else v) for k, v in document.items()}
