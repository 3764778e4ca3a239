"""chat.update, chat.delete and conversations.replies, and who hears of edits."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from slackline.testing.server import ServerThread
from tests.helpers.events import (
    ALICE,
    BOB,
    BOT,
    DAVE,
    GINA,
    GRID_BOT,
    barrier,
    error_of,
    frames_until,
    of_type,
    ok,
    start_event_server,
    types_until,
)
from tests.helpers.rtm import open_socket, recv_until


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerThread]:
    thread = start_event_server(tmp_path_factory.mktemp("messages"))
    yield thread
    thread.stop()


def post(
    server: ServerThread, text: str, channel: str = "C0001", token: str = ALICE, **args: str
) -> str:
    return str(ok(server, "chat.postMessage", token, channel=channel, text=text, **args)["ts"])


def history(server: ServerThread, channel: str = "C0001") -> list[dict[str, Any]]:
    messages: list[dict[str, Any]] = ok(server, "conversations.history", ALICE, channel=channel)[
        "messages"
    ]
    return messages


# chat.update


def test_an_update_reaches_members_as_message_changed(server: ServerThread) -> None:
    ts = post(server, "first draft")
    with open_socket(server, BOB) as bob:
        body = ok(server, "chat.update", ALICE, channel="C0001", ts=ts, text="second draft")
        event = recv_until(bob, of_type("message", "message_changed"))
    stamp = event["event_ts"]
    assert event == {
        "type": "message",
        "subtype": "message_changed",
        "hidden": True,
        "message": {
            "type": "message",
            "text": "second draft",
            "user": "U0001",
            "ts": ts,
            "team": "T0001",
            "edited": {"user": "U0001", "ts": stamp},
        },
        "channel": "C0001",
        "previous_message": {
            "type": "message",
            "text": "first draft",
            "user": "U0001",
            "ts": ts,
            "team": "T0001",
        },
        "ts": stamp,
        "event_ts": stamp,
    }
    assert body["message"] == event["message"]


def test_an_update_answers_channel_ts_text_and_message(server: ServerThread) -> None:
    ts = post(server, "answer me")
    body = ok(server, "chat.update", ALICE, channel="C0001", ts=ts, text="answered")
    assert (body["channel"], body["ts"], body["text"]) == ("C0001", ts, "answered")


def test_an_updated_message_shows_its_new_text_in_history(server: ServerThread) -> None:
    ts = post(server, "history before")
    ok(server, "chat.update", ALICE, channel="C0001", ts=ts, text="history after")
    stored = next(m for m in history(server) if m["ts"] == ts)
    assert stored["text"] == "history after" and stored["edited"]["user"] == "U0001"


def test_an_update_keeps_attachments_it_does_not_mention(server: ServerThread) -> None:
    ts = post(server, "with attachment", attachments='[{"text": "kept"}]')
    body = ok(server, "chat.update", ALICE, channel="C0001", ts=ts, text="new text")
    assert body["message"]["attachments"] == [{"text": "kept"}]


def test_an_update_with_an_empty_array_removes_attachments(server: ServerThread) -> None:
    ts = post(server, "drop attachment", attachments='[{"text": "gone"}]')
    body = ok(server, "chat.update", ALICE, channel="C0001", ts=ts, text="bare", attachments="[]")
    assert "attachments" not in body["message"]


def test_a_bot_may_update_its_own_message(server: ServerThread) -> None:
    ts = post(server, "bot draft", token=BOT)
    body = ok(server, "chat.update", BOT, channel="C0001", ts=ts, text="bot final")
    assert body["message"]["bot_id"] == "B0001"


@pytest.mark.parametrize(
    ("args", "error"),
    [
        ({"channel": "C9999", "ts": "1.000000"}, "channel_not_found"),
        ({"channel": "G0002", "ts": "1.000000"}, "channel_not_found"),
        ({"channel": "C0001", "ts": "1.000000"}, "message_not_found"),
        ({"channel": "C0001", "ts": "not-a-ts"}, "message_not_found"),
    ],
)
def test_a_bad_update_target_is_refused(
    server: ServerThread, args: dict[str, str], error: str
) -> None:
    assert error_of(server, "chat.update", ALICE, text="x", **args) == error


def test_only_the_author_may_update_a_message(server: ServerThread) -> None:
    ts = post(server, "alice's words")
    assert (
        error_of(server, "chat.update", BOB, channel="C0001", ts=ts, text="bob's")
        == "cant_update_message"
    )


def test_an_update_without_text_is_no_text(server: ServerThread) -> None:
    ts = post(server, "keep talking")
    assert error_of(server, "chat.update", ALICE, channel="C0001", ts=ts, text=" ") == "no_text"


def test_an_update_over_forty_thousand_characters_is_msg_too_long(server: ServerThread) -> None:
    ts = post(server, "short")
    error = error_of(server, "chat.update", ALICE, channel="C0001", ts=ts, text="x" * 40_001)
    assert error == "msg_too_long"


def test_a_message_in_an_archived_channel_cannot_be_updated(server: ServerThread) -> None:
    channel = ok(server, "conversations.create", ALICE, name="edit-archived")["channel"]["id"]
    ts = post(server, "frozen", channel=channel)
    ok(server, "conversations.archive", ALICE, channel=channel)
    assert (
        error_of(server, "chat.update", ALICE, channel=channel, ts=ts, text="thaw") == "is_archived"
    )


def test_a_system_message_cannot_be_updated(server: ServerThread) -> None:
    channel = ok(server, "conversations.create", ALICE, name="edit-system")["channel"]["id"]
    ok(server, "conversations.join", DAVE, channel=channel)
    join_ts = history(server, channel)[0]["ts"]
    error = error_of(server, "chat.update", DAVE, channel=channel, ts=join_ts, text="x")
    assert error == "cant_update_message"


# chat.delete


def test_a_deletion_reaches_members_as_message_deleted(server: ServerThread) -> None:
    ts = post(server, "regrettable")
    with open_socket(server, BOB) as bob:
        assert ok(server, "chat.delete", ALICE, channel="C0001", ts=ts) == {
            "ok": True,
            "channel": "C0001",
            "ts": ts,
        }
        event = recv_until(bob, of_type("message", "message_deleted"))
    assert event == {
        "type": "message",
        "subtype": "message_deleted",
        "hidden": True,
        "channel": "C0001",
        "ts": event["event_ts"],
        "deleted_ts": ts,
        "event_ts": event["event_ts"],
        "previous_message": {
            "type": "message",
            "text": "regrettable",
            "user": "U0001",
            "ts": ts,
            "team": "T0001",
        },
    }


def test_a_deleted_message_leaves_history(server: ServerThread) -> None:
    ts = post(server, "vanishing")
    ok(server, "chat.delete", ALICE, channel="C0001", ts=ts)
    assert all(m["ts"] != ts for m in history(server))


def test_deleting_twice_is_message_not_found(server: ServerThread) -> None:
    ts = post(server, "once")
    ok(server, "chat.delete", ALICE, channel="C0001", ts=ts)
    assert error_of(server, "chat.delete", ALICE, channel="C0001", ts=ts) == "message_not_found"


def test_a_member_may_not_delete_anothers_message(server: ServerThread) -> None:
    ts = post(server, "mine, not bob's")
    assert error_of(server, "chat.delete", BOB, channel="C0001", ts=ts) == "cant_delete_message"


def test_an_admin_may_delete_anothers_message(server: ServerThread) -> None:
    ts = post(server, "moderated", token=BOB)
    assert ok(server, "chat.delete", ALICE, channel="C0001", ts=ts)["ts"] == ts


def test_a_bot_may_not_delete_anothers_message(server: ServerThread) -> None:
    ts = post(server, "not the bot's")
    assert error_of(server, "chat.delete", BOT, channel="C0001", ts=ts) == "cant_delete_message"


# Audiences


def test_edits_in_a_private_channel_never_reach_non_members(server: ServerThread) -> None:
    ts = post(server, "hush", channel="G0001")
    with open_socket(server, BOB) as bob:
        ok(server, "chat.update", ALICE, channel="G0001", ts=ts, text="hushed")
        ok(server, "chat.delete", ALICE, channel="G0001", ts=ts)
        barrier(server, "after-hush")
        assert types_until(bob, "after-hush") == []


def test_edits_never_reach_another_team(server: ServerThread) -> None:
    ts = post(server, "acme edit")
    with open_socket(server, GINA) as gina:
        ok(server, "chat.update", ALICE, channel="C0001", ts=ts, text="acme edited")
        ok(server, "chat.delete", ALICE, channel="C0001", ts=ts)
        barrier(server, "after-acme-edit", channel="C1001", token=GRID_BOT)
        assert types_until(gina, "after-acme-edit") == []


# conversations.replies


def test_replies_list_the_parent_then_the_replies_oldest_first(server: ServerThread) -> None:
    parent = post(server, "thread root")
    first = post(server, "reply one", token=BOB, thread_ts=parent)
    second = post(server, "reply two", thread_ts=parent)
    body = ok(server, "conversations.replies", ALICE, channel="C0001", ts=parent)
    assert [m["ts"] for m in body["messages"]] == [parent, first, second]
    assert body["has_more"] is False


def test_history_shows_the_thread_parent_but_not_its_replies(server: ServerThread) -> None:
    parent = post(server, "history root")
    reply = post(server, "history reply", token=BOB, thread_ts=parent)
    shown = [
        m["ts"] for m in ok(server, "conversations.history", ALICE, channel="C0001")["messages"]
    ]
    assert parent in shown and reply not in shown


def test_the_parent_carries_the_reply_summary(server: ServerThread) -> None:
    parent = post(server, "summarised root")
    post(server, "r1", token=BOB, thread_ts=parent)
    last = post(server, "r2", thread_ts=parent)
    root = ok(server, "conversations.replies", ALICE, channel="C0001", ts=parent)["messages"][0]
    assert root["thread_ts"] == parent and root["reply_count"] == 2
    assert root["reply_users"] == ["U0002", "U0001"] and root["reply_users_count"] == 2
    assert root["latest_reply"] == last


def test_replies_carry_the_parents_author(server: ServerThread) -> None:
    parent = post(server, "whose root", token=BOB)
    post(server, "answer", thread_ts=parent)
    reply = ok(server, "conversations.replies", ALICE, channel="C0001", ts=parent)["messages"][1]
    assert reply["parent_user_id"] == "U0002" and reply["thread_ts"] == parent


def test_the_ts_of_a_reply_finds_the_whole_thread(server: ServerThread) -> None:
    parent = post(server, "found from below")
    reply = post(server, "below", thread_ts=parent)
    body = ok(server, "conversations.replies", ALICE, channel="C0001", ts=reply)
    assert [m["ts"] for m in body["messages"]] == [parent, reply]


def test_replies_are_paged_with_a_cursor(server: ServerThread) -> None:
    parent = post(server, "paged root")
    replies = [post(server, f"page {n}", thread_ts=parent) for n in range(3)]
    first = ok(server, "conversations.replies", ALICE, channel="C0001", ts=parent, limit="2")
    assert first["has_more"] is True
    cursor = first["response_metadata"]["next_cursor"]
    rest = ok(
        server, "conversations.replies", ALICE, channel="C0001", ts=parent, limit="2", cursor=cursor
    )
    assert [m["ts"] for m in rest["messages"]] == replies[1:]


def test_a_message_without_replies_is_its_own_thread(server: ServerThread) -> None:
    ts = post(server, "alone")
    messages = ok(server, "conversations.replies", ALICE, channel="C0001", ts=ts)["messages"]
    assert len(messages) == 1 and "reply_count" not in messages[0]


@pytest.mark.parametrize("ts", ["1.000000", "garbage", ""])
def test_an_unknown_thread_is_thread_not_found(server: ServerThread, ts: str) -> None:
    assert (
        error_of(server, "conversations.replies", ALICE, channel="C0001", ts=ts)
        == "thread_not_found"
    )


def test_replies_in_a_private_channel_one_is_not_in_are_channel_not_found(
    server: ServerThread,
) -> None:
    ts = post(server, "private root", channel="G0001")
    assert (
        error_of(server, "conversations.replies", BOB, channel="G0001", ts=ts)
        == "channel_not_found"
    )


def test_a_reply_reaches_members_with_its_thread_ts(server: ServerThread) -> None:
    parent = post(server, "live root")
    with open_socket(server, BOB) as bob:
        post(server, "live reply", thread_ts=parent)
        frame = frames_until(bob, "live reply")[-1]
        assert frame["thread_ts"] == parent
