"""The echo bot's tests: the real bot, a local Slackline, and waits instead of sleeps."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from echo_bot import start_bot, stop_bot
from slack_sdk.rtm_v2 import RTMClient

from slackline.testing.toolkit import Member, Slackline


@dataclass
class Workspace:
    bot: Member
    alice: Member
    bob: Member
    general: str


@pytest.fixture
def workspace(slackline: Slackline) -> Workspace:
    team = slackline.team("Acme")
    bot = slackline.bot(team, "echobot")
    alice = slackline.user(team, "alice")
    bob = slackline.user(team, "bob")
    return Workspace(bot, alice, bob, slackline.channel(team, "general", [bot, alice]))


@pytest.fixture
def bot(slackline: Slackline, workspace: Workspace) -> Iterator[RTMClient]:
    rtm = start_bot(workspace.bot.token, slackline.api_url)
    assert rtm is not None, "the bot got no hello"
    try:
        slackline.wait_for_connection(workspace.bot)
        yield rtm
    finally:
        stop_bot(rtm)


def test_answers_ping_with_pong(slackline: Slackline, workspace: Workspace, bot: RTMClient) -> None:
    slackline.post(workspace.alice, workspace.general, "ping")
    reply = slackline.wait_for_message(channel=workspace.general, user=workspace.bot.id)
    assert reply["text"] == "pong"


def test_echoes_what_follows_echo(
    slackline: Slackline, workspace: Workspace, bot: RTMClient
) -> None:
    slackline.post(workspace.alice, workspace.general, "echo hi there")
    slackline.wait_for_message(channel=workspace.general, user=workspace.bot.id, text="hi there")


def test_waves_at_hello(slackline: Slackline, workspace: Workspace, bot: RTMClient) -> None:
    ts = slackline.post(workspace.alice, workspace.general, "hello everyone")
    call = slackline.wait_for_call("reactions.add", timestamp=ts)
    assert call.args["name"] == "wave" and call.response["ok"] is True


def test_welcomes_whoever_joins(slackline: Slackline, workspace: Workspace, bot: RTMClient) -> None:
    slackline.join(workspace.bob, workspace.general)
    slackline.wait_for_message(
        channel=workspace.general, user=workspace.bot.id, text=f"welcome <@{workspace.bob.id}>!"
    )


def test_says_nothing_to_chatter_or_to_itself(
    slackline: Slackline, workspace: Workspace, bot: RTMClient
) -> None:
    slackline.post(workspace.alice, workspace.general, "just chatting")
    slackline.post(workspace.bot, workspace.general, "ping")  # its own message
    slackline.settle()
    assert slackline.calls("chat.postMessage") == []


def test_comes_back_after_slack_says_goodbye(
    slackline: Slackline, workspace: Workspace, bot: RTMClient
) -> None:
    first = slackline.wait_for_connection(workspace.bot)
    slackline.end_sessions(workspace.bot)
    slackline.wait_for_connection(workspace.bot, after=first, timeout=15)
    slackline.post(workspace.alice, workspace.general, "ping")
    slackline.wait_for_message(channel=workspace.general, user=workspace.bot.id, text="pong")
