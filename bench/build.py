"""Bench-time builds: the C load generator (gcc) and the Node baselines' packages (npm ci)."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

from bench.procs import BenchError

BENCH_DIR = Path(__file__).resolve().parent
BUILD_DIR = BENCH_DIR / "build"
BASELINES_DIR = BENCH_DIR / "baselines"
LOADGEN_SOURCE = BENCH_DIR / "loadgen.c"
LOADGEN = BUILD_DIR / "loadgen"
BUILD_TIMEOUT_SECS = 300


def missing_tools() -> list[str]:
    """The tools a run needs that are not on PATH."""
    return [tool for tool in ("gcc", "node", "npm") if shutil.which(tool) is None]


def _run(argv: list[str], cwd: Path) -> None:
    done = subprocess.run(  # noqa: S603 (argv is the harness's own, no shell)
        argv, cwd=cwd, capture_output=True, text=True, timeout=BUILD_TIMEOUT_SECS, check=False
    )
    if done.returncode != 0:
        raise BenchError(f"{' '.join(argv)} failed:\n{done.stdout}{done.stderr}")


def build_loadgen() -> Path:
    """Compile the load generator unless the binary is newer than its source."""
    if LOADGEN.exists() and LOADGEN.stat().st_mtime >= LOADGEN_SOURCE.stat().st_mtime:
        return LOADGEN
    BUILD_DIR.mkdir(exist_ok=True)
    _run(["gcc", "-O2", "-Wall", "-Wextra", "-o", str(LOADGEN), str(LOADGEN_SOURCE)], BENCH_DIR)
    return LOADGEN


def install_baselines() -> Path:
    """``npm ci`` the baselines' packages unless node_modules matches the lock file."""
    lock = BASELINES_DIR / "package-lock.json"
    installed = BASELINES_DIR / "node_modules" / ".package-lock.json"
    if not installed.exists() or installed.stat().st_mtime < lock.stat().st_mtime:
        _run(["npm", "ci", "--no-audit", "--no-fund", "--loglevel=error"], BASELINES_DIR)
    return BASELINES_DIR
