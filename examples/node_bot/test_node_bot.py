"""The node bot's tests: the real @slack/rtm-api bot (``node bot.js``) against the plugin's
local Slackline, driven and observed from pytest. ``npm ci`` in this directory first (``make
test`` does it)."""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from slackline.testing.toolkit import Member, Slackline

HERE = Path(__file__).resolve().parent
STOP_TIMEOUT_SECS = 10.0


@dataclass
class Workspace:
    bot: Member
    alice: Member
    general: str


@pytest.fixture
def workspace(slackline: Slackline) -> Workspace:
    team = slackline.team("Acme")
    bot = slackline.bot(team, "nodebot")
    alice = slackline.user(team, "alice")
    return Workspace(bot, alice, slackline.channel(team, "general", [bot, alice]))


def start_node_bot(token: str, api_url: str, log: Path) -> subprocess.Popen[bytes]:
    """``node bot.js`` with the token and the local API (no proxy variables: they would
    change how node connects)."""
    node = shutil.which("node")
    if node is None or not (HERE / "node_modules").exists():
        raise RuntimeError(f"node or {HERE / 'node_modules'} is missing: run `npm ci` there")
    env = {k: v for k, v in os.environ.items() if "proxy" not in k.lower()}
    env.update(SLACK_BOT_TOKEN=token, SLACK_API_URL=api_url)
    with log.open("wb") as output:
        return subprocess.Popen(  # noqa: S603 - our own script, under node
            [node, str(HERE / "bot.js")], cwd=HERE, env=env, stdout=output, stderr=output
        )


def stop(process: subprocess.Popen[bytes]) -> None:
    """SIGTERM (the bot disconnects), then kill if it lingers."""
    process.terminate()
    try:
        process.wait(STOP_TIMEOUT_SECS)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(STOP_TIMEOUT_SECS)


@pytest.fixture
def bot(slackline: Slackline, workspace: Workspace, tmp_path: Path) -> Iterator[None]:
    process = start_node_bot(workspace.bot.token, slackline.api_url, tmp_path / "bot.log")
    try:
        slackline.wait_for_connection(workspace.bot, timeout=20)
        yield
    finally:
        stop(process)


def test_answers_ping_over_the_socket(
    slackline: Slackline, workspace: Workspace, bot: None
) -> None:
    slackline.post(workspace.alice, workspace.general, "ping")
    sent = slackline.wait_for_frame(workspace.bot, direction="in", type="message", text="pong")
    ack = slackline.wait_for_frame(workspace.bot, direction="out", reply_to=sent.frame["id"])
    assert ack.frame["ok"] is True
    slackline.wait_for_message(channel=workspace.general, user=workspace.bot.id, text="pong")
    assert slackline.calls("chat.postMessage") == []  # the socket, not the Web API


def test_shouts_through_the_web_api(slackline: Slackline, workspace: Workspace, bot: None) -> None:
    slackline.post(workspace.alice, workspace.general, "shout quiet please")
    call = slackline.wait_for_call("chat.postMessage", channel=workspace.general)
    assert call.args["text"] == "QUIET PLEASE" and call.user_id == workspace.bot.id


def test_ignores_chatter(slackline: Slackline, workspace: Workspace, bot: None) -> None:
    slackline.post(workspace.alice, workspace.general, "nice weather")
    slackline.settle()
    sent = [f.frame.get("type") for f in slackline.frames(workspace.bot, direction="in")]
    assert "message" not in sent
    assert slackline.calls("chat.postMessage") == []
