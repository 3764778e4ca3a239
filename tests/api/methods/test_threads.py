"""Threads over real HTTP and sockets: parents' summaries in ``conversations.history`` and in
events, ``message_replied``, and ``conversations.replies`` with cursors, ``oldest``,
``latest`` and ``inclusive``; private conversations and other teams stay invisible."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from slack_sdk import WebClient

from slackline.testing.server import ServerThread
from tests.helpers.events import (
    ALICE,
    BOB,
    BOT,
    DAVE,
    GINA,
    barrier,
    error_of,
    frames_until,
    ok,
    start_event_server,
)
from tests.helpers.http import serving
from tests.helpers.rtm import open_socket, recv_until, send_json


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerThread]:
    """The test workspace with bob's, dave's and erin's client tokens."""
    yield from serving(start_event_server(tmp_path_factory.mktemp("threads")))


def post(server: ServerThread, token: str, text: str, **args: str) -> str:
    """Post in C0001 (or ``channel``); the new ts."""
    args.setdefault("channel", "C0001")
    return str(ok(server, "chat.postMessage", token, text=text, **args)["ts"])


def thread_of(server: ServerThread, replies: int, channel: str = "C0001") -> list[str]:
    """A parent by alice and ``replies`` replies alternating bob and alice: every ts."""
    parent = post(server, ALICE, "parent", channel=channel)
    tokens = (BOB, ALICE)
    stamps = [parent]
    for n in range(replies):
        stamps.append(post(server, tokens[n % 2], f"r{n}", channel=channel, thread_ts=parent))
    return stamps


def replies(server: ServerThread, token: str = ALICE, **args: str) -> dict[str, Any]:
    """conversations.replies in C0001 (unless ``channel`` is given)."""
    args.setdefault("channel", "C0001")
    return ok(server, "conversations.replies", token, **args)


def in_history(server: ServerThread, ts: str, token: str = ALICE) -> dict[str, Any]:
    """The message ``ts`` as conversations.history shows it."""
    history = ok(
        server, "conversations.history", token, channel="C0001", latest=ts, inclusive="true",
        limit="1",
    )  # fmt: skip
    message: dict[str, Any] = history["messages"][0]
    assert message["ts"] == ts
    return message


# parents


def test_a_parent_in_history_carries_its_thread_summary(server: ServerThread) -> None:
    parent, *stamps = thread_of(server, 3)
    message = in_history(server, parent)
    assert message["thread_ts"] == parent
    assert (message["reply_count"], message["reply_users_count"]) == (3, 2)
    assert message["reply_users"] == ["U0002", "U0001"]
    assert message["latest_reply"] == stamps[-1]


def test_replies_are_left_out_of_history(server: ServerThread) -> None:
    parent, *stamps = thread_of(server, 2)
    history = ok(server, "conversations.history", ALICE, channel="C0001", limit="3")
    assert history["messages"][0]["ts"] == parent
    assert not set(stamps) & {m["ts"] for m in history["messages"]}


def test_a_message_without_replies_has_no_thread_keys(server: ServerThread) -> None:
    ts = post(server, ALICE, "lonely")
    message = in_history(server, ts)
    assert not {"thread_ts", "reply_count", "latest_reply", "reply_users"} & set(message)


def test_the_parents_author_is_subscribed_with_unread_replies(server: ServerThread) -> None:
    parent, *_ = thread_of(server, 1)  # one reply, by bob
    message = in_history(server, parent, ALICE)
    assert (message["subscribed"], message["last_read"], message["unread_count"]) == (
        True, parent, 1,
    )  # fmt: skip


def test_a_member_outside_the_thread_is_not_subscribed(server: ServerThread) -> None:
    parent, *_ = thread_of(server, 1)
    assert in_history(server, parent, BOT)["subscribed"] is False


def test_a_reply_to_a_reply_joins_the_parents_thread(server: ServerThread) -> None:
    parent, first = thread_of(server, 1)
    reply = ok(server, "chat.postMessage", ALICE, channel="C0001", text="deep", thread_ts=first)
    assert reply["message"]["thread_ts"] == parent
    assert in_history(server, parent)["reply_count"] == 2


def test_a_reply_carries_the_parents_author(server: ServerThread) -> None:
    parent = post(server, ALICE, "p")
    reply = ok(server, "chat.postMessage", BOB, channel="C0001", text="r", thread_ts=parent)
    assert reply["message"]["parent_user_id"] == "U0001"


# events


def test_a_reply_reaches_members_then_message_replied_with_the_new_summary(
    server: ServerThread,
) -> None:
    parent = post(server, ALICE, "watched")
    with open_socket(server, ALICE) as alice:
        reply_ts = post(server, BOB, "answer", thread_ts=parent)
        barrier(server, "after the reply", channel="C0001")
        seen = frames_until(alice, "after the reply")
    kinds = [(f.get("subtype"), f.get("text")) for f in seen if f.get("type") == "message"]
    assert kinds[:2] == [(None, "answer"), ("message_replied", None)]
    reply, replied = seen[0], seen[1]
    assert (reply["thread_ts"], reply["parent_user_id"]) == (parent, "U0001")
    assert (replied["hidden"], replied["channel"]) == (True, "C0001")
    summary = replied["message"]
    assert (summary["ts"], summary["thread_ts"], summary["reply_count"]) == (parent, parent, 1)
    assert (summary["latest_reply"], summary["reply_users"]) == (reply_ts, ["U0002"])


def test_message_replied_does_not_reach_non_members(server: ServerThread) -> None:
    parent = post(server, ALICE, "not for dave")
    with open_socket(server, DAVE) as dave:
        post(server, BOB, "reply dave never sees", thread_ts=parent)
        barrier(server, "dave barrier")  # C0009: dave is a member
        seen = frames_until(dave, "dave barrier")
    assert [f.get("type") for f in seen] == ["message"]


def test_a_reply_to_a_missing_parent_is_stored_without_message_replied(
    server: ServerThread,
) -> None:
    with open_socket(server, ALICE) as alice:
        post(server, BOB, "orphan", thread_ts="1600000000.000001")
        barrier(server, "orphan barrier", channel="C0001")
        seen = frames_until(alice, "orphan barrier")
    assert [f.get("subtype") for f in seen] == [None, None]


# conversations.replies


def test_replies_lists_the_parent_first_then_the_replies_oldest_first(
    server: ServerThread,
) -> None:
    stamps = thread_of(server, 3)
    body = replies(server, ts=stamps[0])
    assert [m["ts"] for m in body["messages"]] == stamps
    assert body["has_more"] is False
    assert body["response_metadata"]["next_cursor"] == ""


def test_replies_parent_carries_its_summary_and_the_replies_their_parent(
    server: ServerThread,
) -> None:
    parent, *stamps = thread_of(server, 2)
    first, *rest = replies(server, ts=parent)["messages"]
    assert (first["reply_count"], first["latest_reply"], first["subscribed"]) == (
        2, stamps[-1], True,
    )  # fmt: skip
    assert all(m["thread_ts"] == parent and m["parent_user_id"] == "U0001" for m in rest)


def test_replies_from_a_replys_ts_list_the_whole_thread(server: ServerThread) -> None:
    stamps = thread_of(server, 2)
    assert [m["ts"] for m in replies(server, ts=stamps[2])["messages"]] == stamps


def test_replies_of_a_message_without_replies_is_that_message_alone(
    server: ServerThread,
) -> None:
    ts = post(server, ALICE, "alone")
    (message,) = replies(server, ts=ts)["messages"]
    assert message["ts"] == ts and "thread_ts" not in message


def test_replies_pages_with_cursors_and_the_parent_counts_toward_limit(
    server: ServerThread,
) -> None:
    stamps = thread_of(server, 5)
    pages: list[list[str]] = []
    cursor = ""
    while True:
        body = replies(server, ts=stamps[0], limit="2", cursor=cursor)
        pages.append([m["ts"] for m in body["messages"]])
        cursor = body["response_metadata"]["next_cursor"]
        assert body["has_more"] is bool(cursor)
        if not cursor:
            break
    assert pages == [stamps[0:2], stamps[2:4], stamps[4:6]]


def test_replies_oldest_and_latest_bound_the_replies_exclusively(server: ServerThread) -> None:
    stamps = thread_of(server, 4)
    body = replies(server, ts=stamps[0], oldest=stamps[1], latest=stamps[4])
    assert [m["ts"] for m in body["messages"]] == [stamps[0], stamps[2], stamps[3]]


def test_replies_inclusive_keeps_both_bounds(server: ServerThread) -> None:
    stamps = thread_of(server, 4)
    body = replies(server, ts=stamps[0], oldest=stamps[1], latest=stamps[3], inclusive="true")
    assert [m["ts"] for m in body["messages"]] == [stamps[0], *stamps[1:4]]


def test_replies_accept_bounds_with_seven_decimals(server: ServerThread) -> None:
    stamps = thread_of(server, 2)
    body = replies(server, ts=stamps[0], oldest=stamps[1] + "9")
    assert [m["ts"] for m in body["messages"]] == [stamps[0], stamps[2]]


def test_replies_of_an_unknown_ts_is_thread_not_found(server: ServerThread) -> None:
    code = error_of(server, "conversations.replies", ALICE, channel="C0001", ts="1600000000.000009")
    assert code == "thread_not_found"


def test_replies_of_a_malformed_ts_is_thread_not_found(server: ServerThread) -> None:
    code = error_of(server, "conversations.replies", ALICE, channel="C0001", ts="yesterday")
    assert code == "thread_not_found"


def test_replies_with_a_malformed_latest_is_invalid_ts_latest(server: ServerThread) -> None:
    parent = post(server, ALICE, "p")
    code = error_of(
        server, "conversations.replies", ALICE, channel="C0001", ts=parent, latest="soon"
    )
    assert code == "invalid_ts_latest"


def test_replies_with_a_forged_cursor_is_invalid_cursor(server: ServerThread) -> None:
    parent = post(server, ALICE, "p")
    code = error_of(
        server, "conversations.replies", ALICE, channel="C0001", ts=parent, cursor="bm9wZQ=="
    )
    assert code == "invalid_cursor"


def test_replies_in_a_private_channel_of_others_is_channel_not_found(
    server: ServerThread,
) -> None:
    parent = post(server, ALICE, "secret thread", channel="G0001")
    post(server, ALICE, "secret reply", channel="G0001", thread_ts=parent)
    code = error_of(server, "conversations.replies", BOB, channel="G0001", ts=parent)
    assert code == "channel_not_found"


def test_replies_in_another_team_is_channel_not_found(server: ServerThread) -> None:
    parent, *_ = thread_of(server, 1)
    code = error_of(server, "conversations.replies", GINA, channel="C0001", ts=parent)
    assert code == "channel_not_found"


def test_replies_through_slack_sdk_following_cursors(server: ServerThread) -> None:
    stamps = thread_of(server, 3)
    client = WebClient(token=BOB, base_url=server.base_url + "/api/")
    seen = [
        m["ts"]
        for page in client.conversations_replies(channel="C0001", ts=stamps[0], limit=2)
        for m in page["messages"]
    ]
    assert seen == stamps


def test_a_parent_in_a_dm_gets_a_summary_too(server: ServerThread) -> None:
    parent = post(server, ALICE, "dm parent", channel="D0001")
    post(server, BOT, "dm reply", channel="D0001", thread_ts=parent)
    with open_socket(server, BOT) as bot:
        post(server, ALICE, "dm reply 2", channel="D0001", thread_ts=parent)
        replied = recv_until(bot, lambda f: f.get("subtype") == "message_replied")
    assert replied["message"]["reply_count"] == 2
    assert replied["message"]["reply_users"] == ["U0BOT", "U0001"]


def test_deleting_a_reply_announces_the_parents_new_summary(server: ServerThread) -> None:
    parent, first, second = thread_of(server, 2)
    with open_socket(server, ALICE) as alice:
        ok(server, "chat.delete", ALICE, channel="C0001", ts=second)
        deleted = recv_until(alice, lambda f: f.get("subtype") == "message_deleted")
        changed = recv_until(alice, lambda f: f.get("subtype") == "message_changed")
    assert deleted["deleted_ts"] == second
    assert (changed["message"]["ts"], changed["message"]["reply_count"]) == (parent, 1)
    assert changed["message"]["latest_reply"] == first
    assert changed["previous_message"]["reply_count"] == 2
    assert in_history(server, parent)["reply_count"] == 1


def test_deleting_the_last_reply_leaves_an_ordinary_message(server: ServerThread) -> None:
    parent, reply = thread_of(server, 1)
    with open_socket(server, ALICE) as alice:
        ok(server, "chat.delete", BOB, channel="C0001", ts=reply)
        changed = recv_until(alice, lambda f: f.get("subtype") == "message_changed")
    assert "reply_count" not in changed["message"]
    assert "reply_count" not in in_history(server, parent)


def test_a_threaded_rtm_frame_with_reply_broadcast_is_a_broadcast(server: ServerThread) -> None:
    parent = post(server, ALICE, "rtm root")
    with open_socket(server, BOB) as bob, open_socket(server, ALICE) as alice:
        send_json(
            alice,
            {"id": 7, "type": "message", "channel": "C0001", "text": "rtm loud",
             "thread_ts": parent, "reply_broadcast": True},
        )  # fmt: skip
        frame = recv_until(bob, lambda f: f.get("text") == "rtm loud")
    assert (frame["subtype"], frame["thread_ts"], frame["root"]["ts"]) == (
        "thread_broadcast", parent, parent,
    )  # fmt: skip


def test_history_through_slack_sdk_shows_the_parents_summary(server: ServerThread) -> None:
    parent, *stamps = thread_of(server, 2)
    client = WebClient(token=ALICE, base_url=server.base_url + "/api/")
    response = client.conversations_history(channel="C0001", latest=parent, inclusive=True, limit=1)
    (message,) = response["messages"]
    assert (message["ts"], message["reply_count"], message["latest_reply"]) == (
        parent, 2, stamps[-1],
    )  # fmt: skip
