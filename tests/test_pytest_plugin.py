"""The pytest plugin, used as a bot developer would: a test file run by pytest itself."""

from __future__ import annotations

import subprocess
import sys

import pytest

pytest_plugins = ["pytester"]

BOT_TEST_FILE = '''
import threading

from slack_sdk.rtm_v2 import RTMClient


def start_echo_bot(api_url, token):
    """The bot under test: answers every human message with 'echo: <text>'."""
    rtm = RTMClient(token=token, base_url=api_url)

    @rtm.on("message")
    def echo(client, event):
        if not event.get("bot_id"):
            text = "echo: " + event["text"]
            client.web_client.chat_postMessage(channel=event["channel"], text=text)

    threading.Thread(target=rtm.connect, daemon=True).start()
    return rtm


def test_the_bot_echoes_what_a_person_says(slackline):
    team = slackline.team("Acme")
    bot = slackline.bot(team, "echobot")
    alice = slackline.user(team, "alice")
    channel = slackline.channel(team, "general", [bot, alice])
    rtm = start_echo_bot(slackline.api_url, bot.token)
    try:
        slackline.wait_for_connection(bot)
        slackline.post(alice, channel, "hello")
        reply = slackline.wait_for_message(channel=channel, user=bot.id, text="echo: hello")
        assert reply["bot_id"] == bot.bot_id
        call = slackline.wait_for_call("chat.postMessage", channel=channel)
        assert call.user_id == bot.id and call.response["ok"] is True
        assert [c.args["text"] for c in slackline.calls("chat.postMessage")] == ["echo: hello"]
    finally:
        rtm.auto_reconnect_enabled = False
        rtm.close()


def test_each_test_starts_from_a_clean_workspace(slackline):
    team = slackline.team("Fresh")
    alice = slackline.user(team, "alice")
    history = slackline.act(alice, "conversations.list")
    assert history["channels"] == []
'''


def test_a_bot_developers_test_file_passes_with_the_plugin(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_bot=BOT_TEST_FILE)
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider", timeout=120)
    result.assert_outcomes(passed=2)


def test_the_workspace_ini_option_loads_a_file_before_each_test(pytester: pytest.Pytester) -> None:
    pytester.makefile(".yaml", team="""
teams:
  - id: T0001
    name: Acme
    domain: acme
    users: [{id: U0001, name: alice}]
    conversations: [{id: C0001, name: general, members: [U0001]}]
""")  # fmt: skip
    pytester.makeini("[pytest]\nslackline_workspace = team.yaml\n")
    pytester.makepyfile(
        test_seeded="""
def test_first(slackline):
    assert slackline.post("U0001", "C0001", "one")

def test_second_sees_only_its_own_messages(slackline):
    slackline.post("U0001", "C0001", "two")
    history = slackline.act("U0001", "conversations.history", channel="C0001")
    assert [m["text"] for m in history["messages"]] == ["two"]
"""
    )
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider", timeout=120)
    result.assert_outcomes(passed=2)


def test_importing_the_plugin_does_not_import_the_server() -> None:
    code = (
        "import sys, slackline.pytest_plugin; "
        "print('slackline.app' in sys.modules, 'uvloop' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False False"
