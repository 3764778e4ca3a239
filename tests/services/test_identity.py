"""The installation secret: created once, whole, even by processes starting together."""

from __future__ import annotations

import multiprocessing
import stat
from pathlib import Path

from slackline.services.identity import load_or_create_secret


def test_the_secret_is_created_private_and_then_reused(tmp_path: Path) -> None:
    path = tmp_path / "conf" / "secret"

    first = load_or_create_secret(str(path))

    assert len(first) == 32
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert load_or_create_secret(str(path)) == first
    assert [p.name for p in path.parent.iterdir()] == ["secret"]


def _load(path: str) -> bytes:
    return load_or_create_secret(path)


def test_processes_starting_together_share_one_secret(tmp_path: Path) -> None:
    path = str(tmp_path / "secret")
    with multiprocessing.get_context("spawn").Pool(8) as pool:
        secrets = pool.map(_load, [path] * 32)

    assert len(set(secrets)) == 1
    assert [p.name for p in tmp_path.iterdir()] == ["secret"]
