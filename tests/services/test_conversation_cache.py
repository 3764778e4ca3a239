"""The caches behind the fast paths stay correct: changes apply at once, warm-ups lose races."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path

import pytest

from slackline.app import App, Components, create_app
from slackline.config import Settings
from slackline.services.channels import ChannelService
from slackline.services.identity import WARM_AFTER_MISSES
from slackline.services.membership import MembershipService
from slackline.services.workspace import parse_workspace_text
from tests.conftest import TEST_SECRET, WORKSPACE_FILE

ALL_TOKENS = (
    "xoxb-1-classic", "xoxp-1-client", "xoxp-2-stream", "xoxp-3-granular", "xoxp-4-deleted",
    "xoxb-2-granular", "xoxb-3-revoked", "xoxb-4-expired", "xoxb-5-ipbound", "xoxb-6-deadbot",
    "xoxb-7-denied", "xapp-1-app", "xoxa-1-workspace", "xoxe-1-org", "xoxb-8-new",
    "xoxb-grid-bot",
)  # fmt: skip


@pytest.fixture
def running(tmp_path: Path) -> Iterator[tuple[asyncio.Runner, App]]:
    """An application on a fresh SQLite file with the test workspace, started."""
    settings = Settings(
        database=f"sqlite:///{tmp_path / 'db'}",
        workspaces=(WORKSPACE_FILE,),
        secret_file=str(tmp_path / "secret"),
    )
    with asyncio.Runner() as runner:
        app = create_app(settings, Components(secret=TEST_SECRET))
        runner.run(app.start())
        yield runner, app
        runner.run(app.close())


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


def _services(app: App) -> tuple[MembershipService, ChannelService]:
    return app.services.membership, app.services.channels


def test_joining_and_leaving_change_the_cached_members_at_once(
    running: tuple[asyncio.Runner, App],
) -> None:
    runner, app = running
    cache = app.services.messages.conversations
    assert runner.run(cache.members("C0002")) == {"U0001"}
    dave = runner.run(app.store.get_user("U0004"))
    conversation = runner.run(cache.conversation("C0002"))
    assert dave is not None and conversation is not None
    membership, _ = _services(app)
    assert runner.run(membership.join(conversation, dave))
    assert runner.run(cache.members("C0002")) == {"U0001", "U0004"}
    assert runner.run(membership.kick(conversation, dave))
    assert runner.run(cache.members("C0002")) == {"U0001"}


def test_archiving_changes_the_cached_conversation_at_once(
    running: tuple[asyncio.Runner, App],
) -> None:
    runner, app = running
    cache = app.services.messages.conversations
    conversation = runner.run(cache.conversation("C0002"))
    alice = runner.run(app.store.get_user("U0001"))
    assert conversation is not None and alice is not None
    _, channels = _services(app)
    runner.run(channels.archive(conversation, alice))
    archived = runner.run(cache.conversation("C0002"))
    assert archived is not None and archived.is_archived


def test_a_workspace_document_changes_the_cached_members_at_once(
    running: tuple[asyncio.Runner, App],
) -> None:
    runner, app = running
    cache = app.services.messages.conversations
    assert runner.run(cache.members("C0002")) == {"U0001"}
    document = "teams: [{id: T0001, conversations: [{id: C0002, members: [U0005]}]}]"
    runner.run(app.workspaces.load_document(parse_workspace_text(document)))
    assert runner.run(cache.members("C0002")) == {"U0001", "U0005"}


def test_a_change_made_while_members_are_read_is_not_cached(
    running: tuple[asyncio.Runner, App],
) -> None:
    runner, app = running
    cache = app.services.messages.conversations
    dave = runner.run(app.store.get_user("U0004"))
    conversation = runner.run(app.store.get_conversation("C0002"))
    assert dave is not None and conversation is not None
    membership, _ = _services(app)

    async def race() -> None:
        reading = asyncio.ensure_future(cache.members("C0002"))
        await asyncio.sleep(0)  # the read is on its way to storage
        await membership.join(conversation, dave)
        await reading

    runner.run(race())
    assert runner.run(cache.members("C0002")) == {"U0001", "U0004"}
