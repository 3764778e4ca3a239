"""``slackline bench``: the benchmark harness of a source checkout (``python -m bench``).

The harness compiles a C load generator and installs the Node baselines, so it ships with
the repository, not the wheel; this command finds it next to the installed sources.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

COMMAND = "bench"


def checkout_root() -> Path | None:
    """The source checkout holding ``bench/``, or None for an installed wheel."""
    root = Path(__file__).resolve().parents[2]
    return root if (root / "bench" / "__main__.py").is_file() else None


def add_bench_command(commands: Any) -> None:
    """Register ``bench`` for ``slackline --help``; :func:`run_bench` parses its arguments."""
    commands.add_parser(
        COMMAND,
        help="run the benchmarks against Slackline or any Slack-compatible server "
        "(arguments as for python -m bench; see docs/performance.md)",
        add_help=False,
    )


def run_bench(argv: Sequence[str]) -> int:
    """Run the harness with ``argv`` (everything after ``slackline bench``)."""
    root = checkout_root()
    if root is None:
        print(
            "slackline: error: `slackline bench` runs from a source checkout "
            "(it builds bench/loadgen.c and the Node baselines); clone the repository",
            file=sys.stderr,
        )
        return 2
    if str(root) not in sys.path:
        sys.path.insert(0, str(root))
    from bench.__main__ import main  # noqa: PLC0415 (only a checkout has it)

    return main(argv)


def bench_argv(argv: Sequence[str]) -> list[str] | None:
    """The harness's arguments when ``argv`` is a ``bench`` command line, else None."""
    if argv and argv[0] == COMMAND:
        return list(argv[1:])
    return None


__all__ = ["add_bench_command", "bench_argv", "run_bench"]
