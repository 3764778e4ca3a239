"""The notes bot's tests: an asyncio bot on the test's own loop, a local Slackline, and the
toolkit's ``async_`` waits, which leave the loop free for the bot while they wait."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

import pytest
from notes_bot import NOTES, running_bot

from slackline.testing.toolkit import Member, Slackline


@dataclass
class Workspace:
    bot: Member
    alice: Member
    general: str


@pytest.fixture
def workspace(slackline: Slackline) -> Workspace:
    NOTES.clear()
    team = slackline.team("Acme")
    bot = slackline.bot(team, "notesbot")
    alice = slackline.user(team, "alice")
    return Workspace(bot, alice, slackline.channel(team, "general", [bot, alice]))


def with_bot(
    slackline: Slackline, workspace: Workspace, scenario: Callable[[], Awaitable[None]]
) -> None:
    """Run the bot and the scenario on one loop, the bot connected first."""

    async def run() -> None:
        async with running_bot(workspace.bot.token, slackline.api_url):
            await slackline.async_wait_for_connection(workspace.bot)
            await scenario()

    asyncio.run(run())


def test_notes_are_kept_and_listed_in_threads(slackline: Slackline, workspace: Workspace) -> None:
    async def scenario() -> None:
        say = slackline.async_act
        first = await say(workspace.alice, "chat.postMessage", channel=workspace.general,
                          text="note buy milk")  # fmt: skip
        reply = await slackline.async_wait_for_message(text="noted (1)", user=workspace.bot.id)
        assert reply["thread_ts"] == first["ts"]
        await say(workspace.alice, "chat.postMessage", channel=workspace.general,
                  text="note call bob")  # fmt: skip
        await slackline.async_wait_for_message(text="noted (2)")
        await say(workspace.alice, "chat.postMessage", channel=workspace.general, text="notes")
        await slackline.async_wait_for_message(text="buy milk\ncall bob", user=workspace.bot.id)

    with_bot(slackline, workspace, scenario)


def test_an_empty_notebook_says_so_and_chatter_gets_no_answer(
    slackline: Slackline, workspace: Workspace
) -> None:
    async def scenario() -> None:
        await slackline.async_act(
            workspace.alice, "chat.postMessage", channel=workspace.general, text="hi all"
        )
        await slackline.async_settle()
        assert slackline.calls("chat.postMessage") == []
        await slackline.async_act(
            workspace.alice, "chat.postMessage", channel=workspace.general, text="notes"
        )
        await slackline.async_wait_for_message(text="no notes yet", user=workspace.bot.id)

    with_bot(slackline, workspace, scenario)


def test_the_bot_survives_a_dropped_connection(slackline: Slackline, workspace: Workspace) -> None:
    async def scenario() -> None:
        first = await slackline.async_wait_for_connection(workspace.bot)
        slackline.end_sessions(workspace.bot, goodbye=False)
        await slackline.async_wait_for_connection(workspace.bot, after=first, timeout=20)
        await slackline.async_act(
            workspace.alice, "chat.postMessage", channel=workspace.general, text="note still here"
        )
        await slackline.async_wait_for_message(text="noted (1)", user=workspace.bot.id)

    with_bot(slackline, workspace, scenario)
