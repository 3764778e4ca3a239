"""Each example runs alone, as examples/README.md says: a fresh virtual environment of its
own, ``pip install . -r examples/<name>/requirements.txt`` from the repository's root, then
``pytest examples/<name>`` (node_bot's node modules come from ``npm ci``, which ``make test``
runs first).

The README's own lines are run, with its ``/tmp/bot`` replaced by a directory under pytest's
``tmp_path``, each in a copy of the repository's files (what git tracks or would add, and
node_bot's installed node modules), so that ``pip install .`` builds there and writes
nothing into the work tree. The three examples run at once, in threads. The venvs' pip reads
the environment and pip's own configuration, as the project's does.
"""

from __future__ import annotations

import os
import re
import shlex
import shutil
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
README = ROOT / "examples" / "README.md"
EXAMPLES = ("rtm_v2_bot", "legacy_async_bot", "node_bot")
README_VENV = "/tmp/bot"
# The README's lines, for its first example (the others differ only in the name).
INSTALL_LINE = (
    f"python3.11 -m venv {README_VENV} && "
    f"{README_VENV}/bin/pip install . -r examples/rtm_v2_bot/requirements.txt"
)
TEST_LINE = f"{README_VENV}/bin/pytest examples/rtm_v2_bot"
NODE_LINE = "(cd examples/node_bot && npm ci)"
# Generous: a cold pip cache downloads every pinned wheel; a loaded machine runs slowly.
VENV_TIMEOUT_SECS = 180
INSTALL_TIMEOUT_SECS = 900
PYTEST_TIMEOUT_SECS = 600
TAIL_CHARS = 6000
# Variables of this test run that would make the examples' runs less alone.
UNSET = ("PYTHONPATH", "PYTHONHOME", "VIRTUAL_ENV", "PYTEST_ADDOPTS", "PYTEST_PLUGINS")


@dataclass
class Step:
    """One command run: its words, exit status, output and time."""

    argv: list[str]
    returncode: int
    output: str
    secs: float


@dataclass
class Run:
    """One example's steps, in order."""

    name: str
    steps: list[Step] = field(default_factory=list)

    def describe(self) -> str:
        """Each step's command, status and time, and the failing one's output tail."""
        lines = [f"{s.returncode:>4} {s.secs:6.1f} s  {shlex.join(s.argv)}" for s in self.steps]
        failed = [s for s in self.steps if s.returncode != 0]
        if failed:
            lines.append(failed[0].output[-TAIL_CHARS:])
        return "\n".join(lines)


def readme_lines() -> list[str]:
    """The command lines of the README's ``sh`` block, comments removed."""
    block = re.search(r"```sh\n(.*?)```", README.read_text(), re.DOTALL)
    assert block is not None, "examples/README.md has no sh block"
    return [line.split("#")[0].strip() for line in block.group(1).splitlines()]


def commands(name: str, venv: Path) -> list[list[str]]:
    """The README's lines for ``name``, its venv at ``venv``: create, install, test."""
    install, test = (line.replace("rtm_v2_bot", name) for line in (INSTALL_LINE, TEST_LINE))
    words = [shlex.split(part) for part in [*install.split(" && "), test]]
    words[-1].extend(["-p", "no:cacheprovider"])
    return [[w.replace(README_VENV, str(venv)) for w in argv] for argv in words]


def copy_repository(target: Path) -> Path:
    """The repository's files (tracked, or untracked but not ignored) copied to ``target``,
    with node_bot's node modules linked in (``make test`` installed them)."""
    listed = subprocess.run(
        ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
        cwd=ROOT, capture_output=True, check=True,
    ).stdout.decode().split("\0")  # fmt: skip
    for relative in filter(None, listed):
        source = ROOT / relative
        if source.is_file():
            destination = target / relative
            destination.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, destination)
    modules = ROOT / "examples" / "node_bot" / "node_modules"
    if modules.is_dir():
        (target / "examples" / "node_bot" / "node_modules").symlink_to(modules)
    return target


def alone_environment() -> dict[str, str]:
    """This process's environment (PIP_* included) without this test run's Python."""
    env = {k: v for k, v in os.environ.items() if k not in UNSET}
    env = {k: v for k, v in env.items() if not k.startswith("PYTEST_")}
    own_bin = str(Path(sys.prefix) / "bin")
    path = [p for p in env.get("PATH", "").split(os.pathsep) if p and p != own_bin]
    env["PATH"] = os.pathsep.join(path)
    return env


class Runner:
    """Runs the examples at once; ``pip install .`` one at a time. Kills what it started if
    stopped early."""

    def __init__(self, root: Path) -> None:
        self._root = root
        self._env = alone_environment()
        self._processes: set[subprocess.Popen[str]] = set()
        self._guard = threading.Lock()
        self._stopping = False

    def run(self, name: str) -> Run:
        """Create, install and test one example; stops at the first failing step."""
        run = Run(name)
        logs = self._root / name
        logs.mkdir()
        tree = copy_repository(logs / "repository")
        create, install, test = commands(name, self._root / name / "venv")
        for argv, timeout in [
            (create, VENV_TIMEOUT_SECS),
            (install, INSTALL_TIMEOUT_SECS),
            (test, PYTEST_TIMEOUT_SECS),
        ]:
            step = self._step(argv, timeout, tree)
            run.steps.append(step)
            (logs / f"step{len(run.steps)}.log").write_text(step.output)
            if step.returncode != 0:
                break
        return run

    def _step(self, argv: list[str], timeout: float, cwd: Path) -> Step:
        started = time.monotonic()
        with self._guard:
            if self._stopping:
                return Step(argv, -1, "not started: the test run is stopping", 0.0)
            process = subprocess.Popen(
                argv,
                cwd=cwd,
                env=self._env,
                stdin=subprocess.DEVNULL,
                stdout=subprocess.PIPE,
                stderr=subprocess.STDOUT,
                text=True,
            )
            self._processes.add(process)
        try:
            output, _ = process.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            process.kill()
            output, _ = process.communicate()
            output += f"\n[killed after {timeout} s]"
        finally:
            with self._guard:
                self._processes.discard(process)
        return Step(argv, process.returncode, output, time.monotonic() - started)

    def stop(self) -> None:
        """Kill every process still running (each by its own id)."""
        with self._guard:
            self._stopping = True
            for process in self._processes:
                process.kill()


def requested(request: pytest.FixtureRequest) -> list[str]:
    """The examples whose tests this session runs (a ``-k`` may leave some out)."""
    names = []
    for item in request.session.items:
        if isinstance(item, pytest.Function) and item.module is sys.modules[__name__]:
            callspec = getattr(item, "callspec", None)
            if callspec is not None:
                names.append(callspec.params["name"])
    return [name for name in EXAMPLES if name in names]


@pytest.fixture(scope="module")
def runs(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[dict[str, Future[Run]]]:
    """Every requested example's run, started together the first time one is asked for."""
    runner = Runner(tmp_path_factory.mktemp("examples"))
    names = requested(request)
    with ThreadPoolExecutor(max_workers=len(names), thread_name_prefix="example") as pool:
        try:
            yield {name: pool.submit(runner.run, name) for name in names}
        finally:
            runner.stop()


def test_the_readme_says_what_these_tests_run() -> None:
    lines = readme_lines()
    assert INSTALL_LINE in lines
    assert TEST_LINE in lines
    assert NODE_LINE in lines
    assert f"{README_VENV}/bin/pytest examples/node_bot" in lines
    for name in EXAMPLES:
        assert (ROOT / "examples" / name / "requirements.txt").is_file(), name


@pytest.mark.timeout(VENV_TIMEOUT_SECS + INSTALL_TIMEOUT_SECS * 3 + PYTEST_TIMEOUT_SECS)
@pytest.mark.parametrize("name", EXAMPLES)
def test_the_example_passes_alone_in_a_fresh_virtual_environment(
    name: str, runs: dict[str, Future[Run]], record_property: Callable[[str, object], None]
) -> None:
    if name == "node_bot" and not (ROOT / "examples" / "node_bot" / "node_modules").is_dir():
        pytest.fail(f"examples/node_bot has no node_modules: run `{NODE_LINE}` (make test does)")
    if shutil.which("python3.11") is None:
        pytest.fail("python3.11 is not on PATH")
    run = runs[name].result()
    for number, step in enumerate(run.steps, 1):
        record_property(f"step{number}_secs", round(step.secs, 1))
    print(f"{name}:\n{run.describe()}")
    assert [s.returncode for s in run.steps] == [0, 0, 0], run.describe()
    assert re.search(r"\b\d+ passed\b", run.steps[-1].output), run.describe()
    assert " failed" not in run.steps[-1].output.splitlines()[-1], run.describe()
