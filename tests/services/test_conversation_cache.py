"""The conversation cache behind the fast paths (services/conversation_cache.py) stays
correct: joins, leaves, archives and workspace documents apply at once, and a read that races
a change is not kept."""

from __future__ import annotations

import asyncio

from slackline.app import App
from slackline.services.channels import ChannelService
from slackline.services.membership import MembershipService
from slackline.services.workspace import parse_workspace_text


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


def test_the_member_count_follows_a_join_at_once(running: tuple[asyncio.Runner, App]) -> None:
    runner, app = running
    access = app.services.access
    assert runner.run(access.count_members("C0002")) == 1
    dave = runner.run(app.store.get_user("U0004"))
    conversation = runner.run(access.visible("T0001", "U0001", "C0002"))[0]
    assert dave is not None
    runner.run(app.services.membership.join(conversation, dave))
    assert runner.run(access.count_members("C0002")) == runner.run(app.store.count_members("C0002"))
    assert runner.run(access.is_member("C0002", "U0004"))
