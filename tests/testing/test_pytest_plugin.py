"""The pytest plugin, used as a bot developer would: a test file run by pytest itself."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

pytest_plugins = ["pytester"]

# The bot under test in the bot developers' test files below.
ECHO_BOT = '''
import threading

import pytest
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


@pytest.fixture
def echo_bot(slackline):
    """The bot connected in a fresh team, in a channel with alice: (bot, alice, channel)."""
    team = slackline.team("Acme")
    bot = slackline.bot(team, "echobot")
    alice = slackline.user(team, "alice")
    channel = slackline.channel(team, "general", [bot, alice])
    rtm = start_echo_bot(slackline.api_url, bot.token)
    try:
        slackline.wait_for_connection(bot)
        yield bot, alice, channel
    finally:
        rtm.auto_reconnect_enabled = False
        rtm.close()
'''

BOT_TEST_FILE = (
    ECHO_BOT
    + """

def test_the_bot_echoes_what_a_person_says(slackline, echo_bot):
    bot, alice, channel = echo_bot
    slackline.post(alice, channel, "hello")
    reply = slackline.wait_for_message(channel=channel, user=bot.id, text="echo: hello")
    assert reply["bot_id"] == bot.bot_id
    call = slackline.wait_for_call("chat.postMessage", channel=channel)
    assert call.user_id == bot.id and call.response["ok"] is True
    assert [c.args["text"] for c in slackline.calls("chat.postMessage")] == ["echo: hello"]


def test_each_test_starts_from_a_clean_workspace(slackline):
    team = slackline.team("Fresh")
    alice = slackline.user(team, "alice")
    history = slackline.act(alice, "conversations.list")
    assert history["channels"] == []
"""
)


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
        "import sys, slackline.testing.pytest_plugin; "
        "print('slackline.app' in sys.modules, 'uvloop' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False False"


XDIST_TEST_FILE = (
    "import os\n"
    + ECHO_BOT
    + """

@pytest.mark.parametrize("word", ["one", "two", "three", "four"])
def test_an_echo_bot_per_worker(slackline, echo_bot, word):
    bot, alice, channel = echo_bot
    slackline.post(alice, channel, word)
    slackline.wait_for_message(channel=channel, user=bot.id, text="echo: " + word)
    slackline.settle()
    assert [c.args["text"] for c in slackline.calls("chat.postMessage")] == ["echo: " + word]
    worker = os.environ.get("PYTEST_XDIST_WORKER", "main")
    with open(f"ran-on-{worker}-{slackline.api_url.split(':')[2][:-5]}", "a") as mark:
        mark.write(word + "\\n")
"""
)


def test_a_bot_test_file_passes_under_xdist_with_a_server_per_worker(
    pytester: pytest.Pytester,
) -> None:
    pytester.makepyfile(test_xdist_bot=XDIST_TEST_FILE)
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider", "-n", "2", timeout=180)
    result.assert_outcomes(passed=4)
    marks = sorted(path.name for path in pytester.path.glob("ran-on-*"))
    workers = {name.split("-")[2] for name in marks}
    ports = {name.split("-")[3] for name in marks}
    assert workers == {"gw0", "gw1"} and len(ports) == 2, marks


SNAPSHOT_TEST_FILE = """
import json

from slack_sdk import WebClient


def test_record_what_the_server_hands_out(slackline_deterministic):
    slackline = slackline_deterministic
    team = slackline.team("Acme")
    bot = slackline.bot(team, "bot")
    alice = slackline.user(team, "alice")
    general = slackline.channel(team, "general", [bot, alice])
    web = WebClient(token=bot.token, base_url=slackline.api_url)
    connect = web.rtm_connect()
    snapshot = {
        "created": slackline.act(alice, "conversations.create", name="random")["channel"]["id"],
        "dm": slackline.open_dm(alice, bot),
        "ts": [slackline.post(alice, general, text) for text in ("one", "two")],
        "bot_ts": web.chat_postMessage(channel=general, text="three")["ts"],
        "ticket": connect["url"].rsplit("/", 1)[1],
        "request_id": connect.headers["x-slack-req-id"],
    }
    slackline.advance(10)
    snapshot["later_ts"] = slackline.post(alice, general, "four")
    with open("snapshot.json", "a") as out:
        out.write(json.dumps(snapshot, sort_keys=True) + "\\n")
"""


def test_deterministic_mode_hands_out_the_same_ids_and_ts_in_every_run(
    pytester: pytest.Pytester,
) -> None:
    pytester.makepyfile(test_snapshot=SNAPSHOT_TEST_FILE)
    for _ in range(2):
        result = pytester.runpytest_subprocess("-p", "no:cacheprovider", timeout=120)
        result.assert_outcomes(passed=1)
    first, second = (pytester.path / "snapshot.json").read_text().splitlines()
    assert first == second
    snapshot = json.loads(first)
    assert snapshot["ts"] == ["1700000000.000000", "1700000000.000001"]
    assert snapshot["later_ts"] == "1700000010.000000"


def test_the_deterministic_ini_option_makes_slackline_itself_deterministic(
    pytester: pytest.Pytester,
) -> None:
    pytester.makeini("[pytest]\nslackline_deterministic = true\nslackline_seed = 7\n")
    pytester.makepyfile(
        test_clock="""
def test_one_server_with_a_manual_clock(
    slackline, slackline_server, slackline_deterministic_server
):
    assert slackline_server is slackline_deterministic_server
    team = slackline.team("Acme")
    alice = slackline.user(team, "alice")
    general = slackline.channel(team, "general", [alice])
    assert slackline.post(alice, general, "a") == "1700000000.000000"
    slackline.advance(2.5)
    assert slackline.post(alice, general, "b") == "1700000002.500000"
"""
    )
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider", timeout=120)
    result.assert_outcomes(passed=1)


def test_advance_needs_deterministic_mode(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        test_clock="""
import pytest

def test_advance_refused(slackline):
    with pytest.raises(RuntimeError, match="deterministic"):
        slackline.advance(1)
"""
    )
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider", timeout=120)
    result.assert_outcomes(passed=1)
