"""The identity service (services/identity.py): the installation secret, created once,
whole, even by processes starting together; and the identity cache behind the token lookups,
which warms after enough misses, never keeps unknown tokens, and loses every race to a change."""

from __future__ import annotations

import asyncio
import multiprocessing
import stat
from pathlib import Path

from slackline.app import App
from slackline.services.identity import WARM_AFTER_MISSES, load_or_create_secret


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


# The identity cache


ALL_TOKENS = (
    "xoxb-1-classic", "xoxp-1-client", "xoxp-2-stream", "xoxp-3-granular", "xoxp-4-deleted",
    "xoxb-2-granular", "xoxb-3-revoked", "xoxb-4-expired", "xoxb-5-ipbound", "xoxb-6-deadbot",
    "xoxb-7-denied", "xapp-1-app", "xoxa-1-workspace", "xoxe-1-org", "xoxb-8-new",
    "xoxb-grid-bot",
)  # fmt: skip


def _stored_tokens(runner: asyncio.Runner, app: App) -> int:
    teams = runner.run(app.store.list_teams())
    return sum(len(runner.run(app.store.list_tokens(team.id))) for team in teams)


def test_enough_distinct_misses_warm_the_whole_identity_cache(
    running: tuple[asyncio.Runner, App],
) -> None:
    runner, app = running
    assert len(ALL_TOKENS) >= WARM_AFTER_MISSES
    for token in ALL_TOKENS[:WARM_AFTER_MISSES]:
        assert runner.run(app.identities.resolve(token)) is not None
    assert len(app.identities) == _stored_tokens(runner, app)


def test_unknown_tokens_are_never_cached_even_after_warming(
    running: tuple[asyncio.Runner, App],
) -> None:
    runner, app = running
    for index in range(WARM_AFTER_MISSES + 2):
        assert runner.run(app.identities.resolve(f"xoxb-unknown-{index}")) is None
    assert runner.run(app.identities.resolve("xoxb-1-classic")) is not None
    assert len(app.identities) == _stored_tokens(runner, app)


def test_a_revocation_after_warming_applies_to_the_next_lookup(
    running: tuple[asyncio.Runner, App],
) -> None:
    runner, app = running
    runner.run(app.identities.warm())
    assert runner.run(app.workspaces.revoke_token("xoxb-1-classic"))
    identity = runner.run(app.identities.resolve("xoxb-1-classic"))
    assert identity is not None
    assert identity.token.revoked


def test_a_change_made_while_warming_wins_over_the_warm_up(
    running: tuple[asyncio.Runner, App],
) -> None:
    runner, app = running

    async def race() -> None:
        warming = asyncio.ensure_future(app.identities.warm())
        await asyncio.sleep(0)  # the warm-up is reading storage now
        await app.workspaces.revoke_token("xoxb-1-classic")
        await warming

    runner.run(race())
    identity = runner.run(app.identities.resolve("xoxb-1-classic"))
    assert identity is not None
    assert identity.token.revoked
