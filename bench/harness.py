"""The servers under test and the load generator, started fresh for every measurement.

Slackline runs as ``slackline serve --rate-limits off`` on a SQLite file copied from a
template the workspace was loaded into once (loading 10,000 bots takes a while), so every
measurement starts from the same state. With ``--target`` the harness measures a server it
did not start; its memory and CPU are read only when its pid is given.
"""

from __future__ import annotations

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
# The flooder batches its writes so that it outpaces the receiver it measures.
FLOOD_FRAMES_PER_WRITE = 16


@dataclass(frozen=True, slots=True)
class Target:
    """A server the harness did not start (``--target``)."""

    port: int
    pid: int | None
    tokens_file: Path | None
    channel: str | None
    poster_token: str | None


class Subject:
    """A server being measured: its port, and its memory and CPU when its pid is known."""

    def __init__(self, port: int, pid: int | None) -> None:
        self.port = port
        self.pid = pid

    def stats(self) -> ProcStats | None:
        """Memory and CPU now, or None for a server whose pid is unknown."""
        return proc_stats(self.pid) if self.pid is not None else None


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
        template = self._prepare_template()
        run = self._run_dir("slackline")
        for name in ("db", "secret"):
            shutil.copy(template / name, run / name)
        argv = [
            sys.executable, "-m", "slackline.cli", "serve", "--host", "127.0.0.1", "--port", "0",
            "--rate-limits", "off", "--database", f"sqlite:///{run / 'db'}",
            "--secret-file", str(run / "secret"),
        ]  # fmt: skip
        with Server("slackline", argv, run / "server.log", SLACKLINE_READY, cwd=run) as server:
            yield Subject(server.port, server.pid)

    @contextmanager
    def ws_baseline(self) -> Iterator[Subject]:
        """The Node ``ws`` server, knowing the channels' members."""
        run = self._run_dir("node-ws")
        argv = ["node", str(self.baselines / "ws_server.js"), str(self.workspace.members_file)]
        with Server("node-ws", argv, run / "server.log", NODE_READY, cwd=run) as server:
            yield Subject(server.port, server.pid)

    @contextmanager
    def http_baseline(self) -> Iterator[Subject]:
        """The Node ``http`` server answering rtm.connect with a fixed body."""
        run = self._run_dir("node-http")
        argv = ["node", str(self.baselines / "http_server.js")]
        with Server("node-http", argv, run / "server.log", NODE_READY, cwd=run) as server:
            yield Subject(server.port, server.pid)

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
