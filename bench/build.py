"""Bench-time builds: the C load generators (gcc) and the Node baselines' packages (npm ci)."""

from __future__ import annotations

import fcntl
import shutil
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from bench.procs import BenchError

BENCH_DIR = Path(__file__).resolve().parent
BUILD_DIR = BENCH_DIR / "build"
BASELINES_DIR = BENCH_DIR / "baselines"
LOADGEN_SOURCE = BENCH_DIR / "loadgen.c"
LOADGEN = BUILD_DIR / "loadgen"
MIXGEN_SOURCE = BENCH_DIR / "mixgen.c"
MIXGEN = BUILD_DIR / "mixgen"
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


@contextmanager
def _exclusive() -> Iterator[None]:
    """Hold the build lock: test workers running at once (pytest -n) would otherwise
    compile one binary or run one ``npm ci`` twice over each other."""
    BUILD_DIR.mkdir(exist_ok=True)
    with (BUILD_DIR / ".lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        yield


def _compile(source: Path, binary: Path) -> Path:
    """Compile a C client unless the binary is newer than its source."""
    with _exclusive():
        if not binary.exists() or binary.stat().st_mtime < source.stat().st_mtime:
            _run(["gcc", "-O2", "-Wall", "-Wextra", "-o", str(binary), str(source)], BENCH_DIR)
    return binary


def build_loadgen() -> Path:
    """The load generator, compiled if its source changed."""
    return _compile(LOADGEN_SOURCE, LOADGEN)


def build_mixgen() -> Path:
    """W7's Web API mix client, compiled if its source changed."""
    return _compile(MIXGEN_SOURCE, MIXGEN)


def install_baselines() -> Path:
    """``npm ci`` the baselines' packages unless node_modules matches the lock file.

    better-sqlite3 (W7's baseline) finds no prebuilt binary it can download here, so its
    install script compiles it with node-gyp against the system's Node headers (g++ and
    make, about a minute on 2 cores, once per lock change).
    """
    lock = BASELINES_DIR / "package-lock.json"
    installed = BASELINES_DIR / "node_modules" / ".package-lock.json"
    with _exclusive():
        if not installed.exists() or installed.stat().st_mtime < lock.stat().st_mtime:
            _run(["npm", "ci", "--no-audit", "--no-fund", "--loglevel=error"], BASELINES_DIR)
    return BASELINES_DIR
