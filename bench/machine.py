"""What a result was measured on: the machine, the tool versions and the git revision."""

from __future__ import annotations

import os
import platform
import subprocess
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent


def _first(path: str, prefix: str) -> str:
    try:
        for line in Path(path).read_text().splitlines():
            if line.startswith(prefix):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return "unknown"


def _output(argv: list[str]) -> str:
    try:
        done = subprocess.run(  # noqa: S603 (fixed commands, no shell)
            argv, capture_output=True, text=True, timeout=10, cwd=ROOT, check=False
        )
    except (OSError, subprocess.TimeoutExpired):
        return "unknown"
    return done.stdout.strip() or "unknown"


def git_revision() -> dict[str, Any]:
    """The commit the run measured and whether the tree had uncommitted changes."""
    status = _output(["git", "status", "--porcelain", "--untracked-files=no"])
    return {
        "commit": _output(["git", "rev-parse", "HEAD"]),
        "dirty": status not in ("", "unknown"),
    }


def describe() -> dict[str, Any]:
    """CPU model, cores, memory, kernel and the versions of python, node and gcc."""
    memory_kib = _first("/proc/meminfo", "MemTotal").split()[0]
    return {
        "cpu_model": _first("/proc/cpuinfo", "model name"),
        "cores": os.cpu_count(),
        "memory_gib": round(int(memory_kib) / 1024 / 1024, 1) if memory_kib.isdigit() else None,
        "kernel": platform.release(),
        "python": platform.python_version(),
        "node": _output(["node", "--version"]),
        "gcc": _output(["gcc", "-dumpfullversion"]),
        "open_files_limit": _output(["sh", "-c", "ulimit -n"]),
        # What bounds a connect storm's listen queue (W2): the backlog is cut to somaxconn.
        "somaxconn": _first_line("/proc/sys/net/core/somaxconn"),
        "tcp_max_syn_backlog": _first_line("/proc/sys/net/ipv4/tcp_max_syn_backlog"),
    }


def _first_line(path: str) -> str:
    try:
        return Path(path).read_text().strip()
    except OSError:
        return "unknown"
