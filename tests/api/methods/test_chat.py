"""chat.postMessage: shapes, storage before ``ok``, the message event, and every error."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest

from slackline.testing.server import ServerThread
from tests.helpers.events import recorded_events
from tests.helpers.http import WORKSPACE_FILE, api, http_request, start_server

# Added to the test workspace's team T0001: an archived channel the bot is in, and a bot
# token granted chat:write.public.
EXTRA_WORKSPACE = """
teams:
  - id: T0001
    conversations:
      - {id: C0009, name: old-news, is_archived: true, members: [U0001, U0BOT]}
    tokens:
      - {token: xoxb-public-poster, user: U0BOT, type: granular_bot,
         scopes: ["chat:write", "chat:write.public"]}
"""
ALICE = "xoxp-1-client"
BOT = "xoxb-1-classic"
GRANULAR_BOT = "xoxb-2-granular"
GRANULAR_USER = "xoxp-3-granular"  # bob, with chat:write
PUBLIC_POSTER = "xoxb-public-poster"


@pytest.fixture(scope="module")
def acme(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerThread]:
    """The test workspace plus the archived channel and token above."""
    tmp_path = tmp_path_factory.mktemp("chat")
    extra = tmp_path / "extra.yaml"
    extra.write_text(EXTRA_WORKSPACE)
    thread = start_server(tmp_path, workspaces=(WORKSPACE_FILE, str(extra)))
    yield thread
    thread.stop()


def post(server: ServerThread, token: str, **args: str) -> dict[str, Any]:
    """chat.postMessage; returns the body whatever it says."""
    return api(server, "chat.postMessage", token, **args).body


def error_of(server: ServerThread, token: str, **args: str) -> str:
    """chat.postMessage that must fail; returns its error code."""
    body = post(server, token, **args)
    assert body["ok"] is False
    return str(body["error"])


def test_a_bot_post_returns_channel_ts_and_message(acme: ServerThread) -> None:
    body = post(acme, BOT, channel="C0001", text="hello from the bot")
    assert body["ok"] is True
    assert body["channel"] == "C0001"
    message = body["message"]
    assert message["ts"] == body["ts"]
    assert (message["type"], message["text"]) == ("message", "hello from the bot")
    assert (message["user"], message["bot_id"]) == ("U0BOT", "B0001")


def test_a_user_post_carries_the_user_and_no_bot_id(acme: ServerThread) -> None:
    message = post(acme, ALICE, channel="C0002", text="hi")["message"]
    assert message["user"] == "U0001"
    assert "bot_id" not in message


def test_a_posted_message_is_in_history_as_soon_as_ok_arrives(acme: ServerThread) -> None:
    ts = post(acme, BOT, channel="C0001", text="committed")["ts"]
    history = api(acme, "conversations.history", BOT, channel="C0001", limit="1").body
    assert [(m["ts"], m["text"]) for m in history["messages"]] == [(ts, "committed")]


def test_a_post_publishes_a_message_event_to_the_members(acme: ServerThread) -> None:
    with recorded_events(acme) as events:
        ts = post(acme, BOT, channel="C0001", text="to everyone")["ts"]
    (event,) = events
    assert event.audience == frozenset({"U0001", "U0002", "U0BOT"})
    assert event.payload["type"] == "message"
    assert (event.payload["channel"], event.payload["ts"]) == ("C0001", ts)
    assert (event.payload["user"], event.payload["bot_id"]) == ("U0BOT", "B0001")


def test_successive_posts_get_increasing_ts(acme: ServerThread) -> None:
    stamps = [post(acme, BOT, channel="G0002", text=str(n))["ts"] for n in range(5)]
    assert stamps == sorted(set(stamps))


def test_a_granular_bot_with_chat_write_may_post_where_it_is_a_member(acme: ServerThread) -> None:
    assert post(acme, GRANULAR_BOT, channel="C0001", text="granular")["ok"] is True


def test_a_json_body_is_accepted(acme: ServerThread) -> None:
    result = http_request(
        acme.port,
        "POST",
        "/api/chat.postMessage",
        json.dumps({"channel": "C0001", "text": "as json"}),
        {"Authorization": f"Bearer {BOT}", "Content-Type": "application/json; charset=utf-8"},
    )
    assert result.body["message"]["text"] == "as json"


def test_blocks_without_text_are_a_message(acme: ServerThread) -> None:
    blocks = json.dumps([{"type": "section", "text": {"type": "mrkdwn", "text": "*hi*"}}])
    body = post(acme, BOT, channel="C0001", blocks=blocks)
    assert body["message"]["blocks"][0]["type"] == "section"


def test_a_reply_keeps_its_thread_ts(acme: ServerThread) -> None:
    parent = post(acme, BOT, channel="C0001", text="parent")["ts"]
    reply = post(acme, BOT, channel="C0001", text="reply", thread_ts=parent)["message"]
    assert reply["thread_ts"] == parent


def test_text_of_exactly_forty_thousand_characters_is_accepted(acme: ServerThread) -> None:
    assert post(acme, BOT, channel="C0001", text="x" * 40_000)["ok"] is True


def test_empty_text_is_no_text(acme: ServerThread) -> None:
    assert error_of(acme, BOT, channel="C0001", text="") == "no_text"


def test_whitespace_only_text_is_no_text(acme: ServerThread) -> None:
    assert error_of(acme, BOT, channel="C0001", text="  \n ") == "no_text"


def test_text_above_forty_thousand_characters_is_msg_too_long(acme: ServerThread) -> None:
    assert error_of(acme, BOT, channel="C0001", text="x" * 40_001) == "msg_too_long"


def test_an_unknown_channel_is_channel_not_found(acme: ServerThread) -> None:
    assert error_of(acme, BOT, channel="C9999", text="hi") == "channel_not_found"


def test_a_missing_channel_is_channel_not_found(acme: ServerThread) -> None:
    assert error_of(acme, BOT, text="hi") == "channel_not_found"


def test_another_teams_channel_is_channel_not_found(acme: ServerThread) -> None:
    assert error_of(acme, BOT, channel="C1001", text="hi") == "channel_not_found"


def test_a_private_channel_the_poster_is_not_in_is_channel_not_found(acme: ServerThread) -> None:
    assert error_of(acme, BOT, channel="G0001", text="hi") == "channel_not_found"


def test_a_dm_the_poster_is_not_in_is_channel_not_found(acme: ServerThread) -> None:
    assert error_of(acme, GRANULAR_USER, channel="D0001", text="hi") == "channel_not_found"


def test_a_public_channel_the_bot_is_not_in_is_not_in_channel(acme: ServerThread) -> None:
    assert error_of(acme, BOT, channel="C0002", text="hi") == "not_in_channel"


def test_chat_write_public_allows_posting_to_a_public_channel_not_joined(
    acme: ServerThread,
) -> None:
    assert post(acme, PUBLIC_POSTER, channel="C0002", text="drive-by")["ok"] is True


def test_chat_write_public_does_not_open_private_channels(acme: ServerThread) -> None:
    assert error_of(acme, PUBLIC_POSTER, channel="G0001", text="hi") == "channel_not_found"


def test_an_archived_channel_is_is_archived(acme: ServerThread) -> None:
    assert error_of(acme, BOT, channel="C0009", text="hi") == "is_archived"


def test_blocks_that_are_not_a_json_array_are_invalid_blocks_format(acme: ServerThread) -> None:
    assert error_of(acme, BOT, channel="C0001", blocks='{"type":"x"}') == "invalid_blocks_format"


def test_attachments_that_are_not_json_are_invalid_attachments(acme: ServerThread) -> None:
    assert error_of(acme, BOT, channel="C0001", attachments="[{") == "invalid_attachments"


def test_more_than_a_hundred_attachments_is_too_many_attachments(acme: ServerThread) -> None:
    attachments = json.dumps([{"text": str(n)} for n in range(101)])
    error = error_of(acme, BOT, channel="C0001", attachments=attachments)
    assert error == "too_many_attachments"


def test_a_token_without_chat_write_is_missing_scope(acme: ServerThread) -> None:
    body = post(acme, "xoxp-2-stream", channel="C0001", text="hi")
    assert (body["error"], body["needed"]) == ("missing_scope", "chat:write")
