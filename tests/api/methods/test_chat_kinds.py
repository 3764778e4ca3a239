"""Message kinds over real HTTP and sockets: ``chat.meMessage``, ``chat.postEphemeral``,
``bot_message`` posts (``username``, ``icon_*``, ``as_user``) and ``reply_broadcast``.

Each kind is checked for its response, what ``conversations.history`` keeps, the events on
real RTM sockets (to exactly the sessions that may see them), slack_sdk's ``WebClient``, and
that private conversations and other teams stay invisible.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

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
from tests.helpers.rtm import open_socket, recv_until

GRANULAR_BOT = "xoxb-2-granular"


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerThread]:
    """The test workspace with bob's, dave's and erin's client tokens."""
    yield from serving(start_event_server(tmp_path_factory.mktemp("chat_kinds")))


def client(server: ServerThread, token: str) -> WebClient:
    """slack_sdk's WebClient pointed at the server."""
    return WebClient(token=token, base_url=server.base_url + "/api/")


def broadcast(server: ServerThread, parent: str, text: str) -> dict[str, Any]:
    """Bob's reply to ``parent`` in C0001, also sent to the channel; the answer."""
    return ok(
        server, "chat.postMessage", BOB, channel="C0001", text=text, thread_ts=parent,
        reply_broadcast="true",
    )  # fmt: skip


def newest(server: ServerThread, channel: str, token: str = ALICE) -> dict[str, Any]:
    """The newest message of the channel's history."""
    history = ok(server, "conversations.history", token, channel=channel, limit="1")
    message: dict[str, Any] = history["messages"][0]
    return message


# chat.meMessage


def test_me_message_answers_channel_and_ts(server: ServerThread) -> None:
    body = ok(server, "chat.meMessage", ALICE, channel="C0001", text="waves")
    assert body["channel"] == "C0001"
    assert set(body) == {"ok", "channel", "ts"}


def test_me_message_is_stored_with_the_me_message_subtype(server: ServerThread) -> None:
    ts = ok(server, "chat.meMessage", ALICE, channel="C0001", text="stretches")["ts"]
    message = newest(server, "C0001")
    assert (message["ts"], message["subtype"]) == (ts, "me_message")
    assert (message["user"], message["text"]) == ("U0001", "stretches")


def test_me_message_reaches_the_members_sockets(server: ServerThread) -> None:
    with open_socket(server, BOB) as bob:
        ok(server, "chat.meMessage", ALICE, channel="C0001", text="dances")
        frame = recv_until(bob, lambda f: f.get("text") == "dances")
    assert (frame["type"], frame["subtype"], frame["user"]) == ("message", "me_message", "U0001")
    assert frame["channel"] == "C0001"


@pytest.mark.parametrize(
    ("token", "channel"),
    [
        pytest.param(BOB, "G0001", id="private-channel-of-others"),
        pytest.param(GINA, "C0001", id="another-team"),
    ],
)
def test_me_message_where_one_cannot_see_is_channel_not_found(
    server: ServerThread, token: str, channel: str
) -> None:
    code = error_of(server, "chat.meMessage", token, channel=channel, text="x")
    assert code == "channel_not_found"


def test_me_message_without_text_is_no_text(server: ServerThread) -> None:
    assert error_of(server, "chat.meMessage", ALICE, channel="C0001", text=" ") == "no_text"


def test_me_message_through_slack_sdk(server: ServerThread) -> None:
    response = client(server, ALICE).chat_meMessage(channel="C0002", text="ponders")
    assert response["channel"] == "C0002"
    assert newest(server, "C0002")["subtype"] == "me_message"


# chat.postEphemeral


def test_ephemeral_answers_message_ts_only(server: ServerThread) -> None:
    body = ok(server, "chat.postEphemeral", BOT, channel="C0001", user="U0002", text="psst")
    assert set(body) == {"ok", "message_ts"}
    assert "." in body["message_ts"]


def test_ephemeral_is_never_in_history(server: ServerThread) -> None:
    ok(server, "chat.postEphemeral", BOT, channel="C0001", user="U0002", text="not kept")
    texts = [
        m["text"] for m in ok(server, "conversations.history", BOB, channel="C0001")["messages"]
    ]
    assert "not kept" not in texts


def test_ephemeral_reaches_only_the_recipients_sessions(server: ServerThread) -> None:
    with (
        open_socket(server, BOB) as bob,
        open_socket(server, BOB) as bob_again,
        open_socket(server, ALICE) as alice,
    ):
        ts = ok(server, "chat.postEphemeral", BOT, channel="C0001", user="U0002", text="psst")[
            "message_ts"
        ]
        barrier(server, "after the ephemeral", channel="C0001")
        seen_by_bob = frames_until(bob, "after the ephemeral")
        seen_again = frames_until(bob_again, "after the ephemeral")
        seen_by_alice = frames_until(alice, "after the ephemeral")
    for seen in (seen_by_bob, seen_again):
        (frame,) = [f for f in seen if f.get("text") == "psst"]
        assert (frame["type"], frame["is_ephemeral"], frame["ts"]) == ("message", True, ts)
        assert (frame["channel"], frame["user"], frame["bot_id"]) == ("C0001", "U0BOT", "B0001")
    assert all(f.get("text") != "psst" for f in seen_by_alice)


@pytest.mark.parametrize(
    ("token", "channel", "user", "code"),
    [
        pytest.param(BOT, "C0001", "U0004", "user_not_in_channel", id="to-a-user-outside"),
        pytest.param(BOT, "C0001", "U1001", "user_not_in_channel", id="to-another-teams-user"),
        pytest.param(BOB, "G0001", "U0001", "channel_not_found", id="private-channel-of-others"),
        pytest.param(GINA, "C0001", "U0001", "channel_not_found", id="in-another-team"),
    ],
)
def test_ephemeral_is_refused(
    server: ServerThread, token: str, channel: str, user: str, code: str
) -> None:
    args = {"channel": channel, "user": user, "text": "x"}
    assert error_of(server, "chat.postEphemeral", token, **args) == code


def test_ephemeral_in_a_thread_carries_its_thread_ts(server: ServerThread) -> None:
    parent = ok(server, "chat.postMessage", ALICE, channel="C0001", text="thread")["ts"]
    with open_socket(server, BOB) as bob:
        ok(
            server, "chat.postEphemeral", BOT, channel="C0001", user="U0002",
            text="in thread", thread_ts=parent,
        )  # fmt: skip
        frame = recv_until(bob, lambda f: f.get("text") == "in thread")
    assert frame["thread_ts"] == parent


def test_ephemeral_through_slack_sdk(server: ServerThread) -> None:
    response = client(server, BOT).chat_postEphemeral(channel="C0001", user="U0001", text="hi")
    assert response["message_ts"]


# bot_message


def test_a_bot_with_a_username_posts_a_bot_message(server: ServerThread) -> None:
    body = ok(server, "chat.postMessage", BOT, channel="C0001", text="hi", username="helper")
    message = body["message"]
    assert (message["subtype"], message["username"], message["bot_id"]) == (
        "bot_message", "helper", "B0001",
    )  # fmt: skip
    assert "user" not in message
    assert newest(server, "C0001")["username"] == "helper"


def test_a_bot_with_an_icon_emoji_is_named_after_the_bot(server: ServerThread) -> None:
    body = ok(server, "chat.postMessage", BOT, channel="C0001", text="hi", icon_emoji=":robot:")
    message = body["message"]
    assert (message["subtype"], message["username"]) == ("bot_message", "pybot")
    assert message["icons"] == {"emoji": ":robot:"}


def test_an_icon_url_fills_the_three_image_sizes(server: ServerThread) -> None:
    url = "https://example.com/i.png"
    message = ok(server, "chat.postMessage", BOT, channel="C0001", text="hi", icon_url=url)[
        "message"
    ]
    assert message["icons"] == {"image_36": url, "image_48": url, "image_72": url}


def test_icon_emoji_wins_over_icon_url(server: ServerThread) -> None:
    message = ok(
        server, "chat.postMessage", BOT, channel="C0001", text="hi",
        icon_emoji=":x:", icon_url="https://example.com/i.png",
    )["message"]  # fmt: skip
    assert message["icons"] == {"emoji": ":x:"}


def test_a_bot_with_as_user_false_posts_a_bot_message(server: ServerThread) -> None:
    message = ok(server, "chat.postMessage", BOT, channel="C0001", text="hi", as_user="false")[
        "message"
    ]
    assert (message["subtype"], message["bot_id"]) == ("bot_message", "B0001")


def test_as_user_true_keeps_the_bot_user_whatever_the_username(server: ServerThread) -> None:
    message = ok(
        server, "chat.postMessage", BOT, channel="C0001", text="hi", as_user="true",
        username="ignored",
    )["message"]  # fmt: skip
    assert "subtype" not in message and "username" not in message
    assert (message["user"], message["bot_id"]) == ("U0BOT", "B0001")


def test_a_user_token_with_as_user_false_posts_a_bot_message_without_bot_id(
    server: ServerThread,
) -> None:
    message = ok(server, "chat.postMessage", ALICE, channel="C0002", text="hi", as_user="false")[
        "message"
    ]
    assert (message["subtype"], message["username"]) == ("bot_message", "bot")
    assert "bot_id" not in message and "user" not in message


def test_a_user_token_with_a_username_alone_posts_as_the_user(server: ServerThread) -> None:
    message = ok(server, "chat.postMessage", ALICE, channel="C0002", text="hi", username="x")[
        "message"
    ]
    assert message["user"] == "U0001" and "subtype" not in message


def test_a_bot_message_event_carries_username_and_no_user(server: ServerThread) -> None:
    with open_socket(server, BOB) as bob:
        ok(server, "chat.postMessage", GRANULAR_BOT, channel="C0001", text="named", username="n")
        frame = recv_until(bob, lambda f: f.get("text") == "named")
    assert (frame["subtype"], frame["username"], frame["bot_id"]) == ("bot_message", "n", "B0001")
    assert "user" not in frame


def test_a_bot_message_through_slack_sdk(server: ServerThread) -> None:
    response = client(server, BOT).chat_postMessage(
        channel="C0001", text="sdk", username="sdkbot", icon_emoji=":wave:"
    )
    assert response["message"]["username"] == "sdkbot"


# reply_broadcast


def test_a_broadcast_reply_is_a_thread_broadcast_with_its_root(server: ServerThread) -> None:
    parent = ok(server, "chat.postMessage", ALICE, channel="C0001", text="root")["ts"]
    message = broadcast(server, parent, "also to channel")["message"]
    assert (message["subtype"], message["thread_ts"]) == ("thread_broadcast", parent)
    assert message["root"]["ts"] == parent
    assert message["root"]["reply_count"] == 1
    assert message["parent_user_id"] == "U0001"


def test_a_broadcast_reply_is_listed_in_history_and_in_the_thread(server: ServerThread) -> None:
    parent = ok(server, "chat.postMessage", ALICE, channel="C0001", text="root2")["ts"]
    ts = broadcast(server, parent, "broadcast")["ts"]
    ok(server, "chat.postMessage", BOB, channel="C0001", text="quiet", thread_ts=parent)
    history = ok(server, "conversations.history", ALICE, channel="C0001", limit="3")["messages"]
    assert [m["text"] for m in history[:2]] == ["broadcast", "root2"]
    assert history[0]["root"]["reply_count"] == 2
    replies = ok(server, "conversations.replies", ALICE, channel="C0001", ts=parent)["messages"]
    assert [m["ts"] for m in replies][:2] == [parent, ts]


def test_a_broadcast_reaches_sockets_with_message_replied(server: ServerThread) -> None:
    parent = ok(server, "chat.postMessage", ALICE, channel="C0001", text="root3")["ts"]
    with open_socket(server, ALICE) as alice:
        broadcast(server, parent, "loud")
        frame = recv_until(alice, lambda f: f.get("text") == "loud")
        replied = recv_until(alice, lambda f: f.get("subtype") == "message_replied")
    assert frame["subtype"] == "thread_broadcast"
    assert replied["message"]["ts"] == parent
    assert replied["message"]["reply_users"] == ["U0002"]


def test_reply_broadcast_without_thread_ts_is_an_ordinary_message(server: ServerThread) -> None:
    message = ok(
        server, "chat.postMessage", ALICE, channel="C0002", text="plain", reply_broadcast="true"
    )["message"]
    assert "subtype" not in message and "thread_ts" not in message


def test_a_broadcast_into_another_teams_thread_is_channel_not_found(
    server: ServerThread,
) -> None:
    parent = ok(server, "chat.postMessage", ALICE, channel="C0001", text="root4")["ts"]
    with pytest.raises(SlackApiError) as refused:
        client(server, GINA).chat_postMessage(
            channel="C0001", text="x", thread_ts=parent, reply_broadcast=True
        )
    assert refused.value.response["error"] == "channel_not_found"


def test_a_broadcast_through_slack_sdk(server: ServerThread) -> None:
    parent = ok(server, "chat.postMessage", ALICE, channel="C0001", text="root5")["ts"]
    response = client(server, BOB).chat_postMessage(
        channel="C0001", text="sdk loud", thread_ts=parent, reply_broadcast=True
    )
    assert response["message"]["subtype"] == "thread_broadcast"


def test_dave_outside_the_channel_sees_no_kind_of_message(server: ServerThread) -> None:
    with open_socket(server, DAVE) as dave:
        ok(server, "chat.meMessage", ALICE, channel="C0001", text="me, unseen")
        ok(server, "chat.postEphemeral", BOT, channel="C0001", user="U0002", text="eph, unseen")
        ok(server, "chat.postMessage", BOT, channel="C0001", text="bot, unseen", username="u")
        barrier(server, "dave's barrier")
        seen = frames_until(dave, "dave's barrier")
    assert not any(str(f.get("text", "")).endswith("unseen") for f in seen)


def test_a_broadcast_into_a_private_thread_of_others_is_channel_not_found(
    server: ServerThread,
) -> None:
    parent = ok(server, "chat.postMessage", ALICE, channel="G0001", text="private root")["ts"]
    code = error_of(
        server, "chat.postMessage", BOB, channel="G0001", text="x", thread_ts=parent,
        reply_broadcast="true",
    )  # fmt: skip
    assert code == "channel_not_found"


@pytest.mark.parametrize(
    ("token", "channel"),
    [
        pytest.param(BOT, "G0001", id="private-channel-of-others"),
        pytest.param("xoxb-grid-bot", "C0001", id="another-team"),
    ],
)
def test_a_bot_message_where_one_cannot_see_is_channel_not_found(
    server: ServerThread, token: str, channel: str
) -> None:
    code = error_of(server, "chat.postMessage", token, channel=channel, text="x", username="u")
    assert code == "channel_not_found"
