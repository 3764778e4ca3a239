"""Processes the harness starts: servers and the load generator, always stopped by it.

Every process is started in its own process group and stopped (SIGINT, then SIGKILL) by
the harness, in ``finally`` blocks, so an error anywhere leaves nothing running.
"""

from __future__ import annotations

import json
import os
import re
import select
import signal
import subprocess
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import IO, Any

READY_TIMEOUT_SECS = 120.0
STOP_TIMEOUT_SECS = 10.0
CLK_TCK = os.sysconf("SC_CLK_TCK")
PAGE_BYTES = os.sysconf("SC_PAGE_SIZE")


class BenchError(RuntimeError):
    """A benchmark could not run (a server did not start, the load generator failed)."""


@dataclass(frozen=True, slots=True)
class ProcStats:
    """A process's resident memory and CPU time used so far, from /proc."""

    rss_bytes: int
    cpu_secs: float
    at: float


def proc_stats(pid: int) -> ProcStats:
    """Resident set size and user+system CPU of ``pid`` (all its threads)."""
    statm = Path(f"/proc/{pid}/statm").read_text().split()
    stat = Path(f"/proc/{pid}/stat").read_text()
    fields = stat[stat.rindex(")") + 2 :].split()
    utime, stime = int(fields[11]), int(fields[12])
    return ProcStats(int(statm[1]) * PAGE_BYTES, (utime + stime) / CLK_TCK, time.monotonic())


def cpu_share(before: ProcStats, after: ProcStats) -> float:
    """CPU used between two samples, as a fraction of one core."""
    wall = after.at - before.at
    return (after.cpu_secs - before.cpu_secs) / wall if wall > 0 else 0.0


def _read_line(stream: IO[str], timeout_secs: float) -> str | None:
    ready, _, _ = select.select([stream], [], [], timeout_secs)
    return stream.readline() if ready else None


class Process:
    """A child process with its stdout as a pipe and its stderr in a log file."""

    def __init__(self, name: str, argv: Sequence[str], log_file: Path, cwd: Path | None = None):
        self.name = name
        self._log = log_file.open("w")
        self.popen = subprocess.Popen(  # noqa: S603 (argv is the harness's own, no shell)
            list(argv),
            cwd=cwd,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=self._log,
            text=True,
            start_new_session=True,
        )

    @property
    def pid(self) -> int:
        """The process id."""
        return self.popen.pid

    def read_line(self, timeout_secs: float) -> str:
        """The next stdout line; BenchError if none comes in time or the process ended."""
        assert self.popen.stdout is not None
        deadline = time.monotonic() + timeout_secs
        while (left := deadline - time.monotonic()) > 0:
            line = _read_line(self.popen.stdout, left)
            if line:
                return line.strip()
            if line == "" or self.popen.poll() is not None:
                break
        raise BenchError(f"{self.name}: no output (exit code {self.popen.poll()})")

    def read_json(self, timeout_secs: float) -> dict[str, Any]:
        """The next stdout line, parsed as a JSON object."""
        return self._json_object(self.read_line(timeout_secs))

    def poll_json(self, timeout_secs: float) -> dict[str, Any] | None:
        """The next stdout line as a JSON object if one comes within ``timeout_secs``, else
        None; BenchError if the process ended without one."""
        assert self.popen.stdout is not None
        line = _read_line(self.popen.stdout, timeout_secs)
        if line is None:
            if self.popen.poll() is not None:
                raise BenchError(f"{self.name}: ended (exit code {self.popen.poll()})")
            return None
        if not line:
            raise BenchError(f"{self.name}: no output (exit code {self.popen.poll()})")
        return self._json_object(line)

    def _json_object(self, line: str) -> dict[str, Any]:
        try:
            document = json.loads(line)
        except ValueError as exc:
            raise BenchError(f"{self.name}: unexpected output {line!r}") from exc
        if not isinstance(document, dict):
            raise BenchError(f"{self.name}: unexpected output {line!r}")
        return document

    def send_line(self, text: str) -> None:
        """Write a line to the process's stdin."""
        assert self.popen.stdin is not None
        self.popen.stdin.write(text + "\n")
        self.popen.stdin.flush()

    def stats(self) -> ProcStats:
        """Memory and CPU of the process now."""
        return proc_stats(self.pid)

    def stop(self) -> None:
        """SIGINT, then SIGKILL after ``STOP_TIMEOUT_SECS``; waits for the exit."""
        if self.popen.poll() is None:
            try:
                os.killpg(self.popen.pid, signal.SIGINT)
                self.popen.wait(STOP_TIMEOUT_SECS)
            except subprocess.TimeoutExpired:
                os.killpg(self.popen.pid, signal.SIGKILL)
                self.popen.wait(STOP_TIMEOUT_SECS)
            except ProcessLookupError:
                pass
        for stream in (self.popen.stdin, self.popen.stdout):
            if stream is not None:
                stream.close()
        self._log.close()

    def __enter__(self) -> Process:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()


class Server(Process):
    """A server that prints a line naming its port once it listens."""

    def __init__(
        self,
        name: str,
        argv: Sequence[str],
        log_file: Path,
        ready: str,
        cwd: Path | None = None,
    ) -> None:
        super().__init__(name, argv, log_file, cwd)
        self.port = 0
        try:
            line = self.read_line(READY_TIMEOUT_SECS)
            match = re.search(ready, line)
            if match is None:
                raise BenchError(f"{name}: unexpected first line {line!r}")
            self.port = int(match.group(1))
        except BaseException:
            self.stop()
            raise

    def __enter__(self) -> Server:
        return self
