"""``chat.scheduleMessage``, ``chat.deleteScheduledMessage`` and
``chat.scheduledMessages.list`` over real HTTP, on a server with a manual clock moved through
the control API's ``clock.advance``: due messages are posted as ``chat.postMessage`` would
post them (history, sockets, threads), and each user sees only their own."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from slack_sdk import WebClient

from slackline.app import Components
from slackline.clock import ManualClock
from slackline.testing.server import ServerThread
from tests.helpers.events import (
    ALICE,
    BOB,
    BOT,
    DAVE,
    ERIN,
    GINA,
    admin,
    barrier,
    error_of,
    frames_until,
    ok,
    start_event_server,
)
from tests.helpers.http import TEST_SECRET, serving
from tests.helpers.rtm import open_socket, recv_until

EVERYONE = "C0009"
DAY = 86_400
TOKENS = (ALICE, BOB, BOT, DAVE, ERIN)


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerThread]:
    """The event tests' workspace on a manual clock, with the admin API on."""
    components = Components(secret=TEST_SECRET, clock=ManualClock())
    yield from serving(
        start_event_server(tmp_path_factory.mktemp("scheduled"), components=components)
    )


@pytest.fixture(autouse=True)
def nothing_pending(server: ServerThread) -> Iterator[None]:
    """Every test starts and ends with no pending message (each removed through the API)."""
    yield
    for token in TOKENS:
        for pending in ok(server, "chat.scheduledMessages.list", token)["scheduled_messages"]:
            ok(
                server, "chat.deleteScheduledMessage", token, channel=pending["channel_id"],
                scheduled_message_id=pending["id"],
            )  # fmt: skip


def now(server: ServerThread) -> int:
    """The server's (manual) clock, in whole seconds."""
    assert server.app is not None
    return int(server.app.clock.now())


def advance(server: ServerThread, secs: float) -> None:
    """clock.advance through the control API: returns once due messages are posted."""
    admin(server, "clock.advance", {"secs": secs})


def schedule(
    server: ServerThread, token: str, text: str, in_secs: int = 60, **args: str
) -> dict[str, Any]:
    """chat.scheduleMessage ``in_secs`` from now (in C0009 unless ``channel`` is given)."""
    args.setdefault("channel", EVERYONE)
    post_at = str(now(server) + in_secs)
    return ok(server, "chat.scheduleMessage", token, text=text, post_at=post_at, **args)


def history_texts(server: ServerThread, channel: str = EVERYONE, limit: int = 5) -> list[str]:
    """The texts of the newest messages of a channel, newest first."""
    body = ok(server, "conversations.history", ALICE, channel=channel, limit=str(limit))
    return [str(m.get("text")) for m in body["messages"]]


def listed(server: ServerThread, token: str, **args: str) -> list[dict[str, Any]]:
    """chat.scheduledMessages.list's entries."""
    body = ok(server, "chat.scheduledMessages.list", token, **args)
    entries: list[dict[str, Any]] = body["scheduled_messages"]
    return entries


# chat.scheduleMessage


def test_schedule_answers_id_post_at_and_the_delayed_message(server: ServerThread) -> None:
    post_at = now(server) + 60
    body = ok(
        server, "chat.scheduleMessage", ALICE, channel=EVERYONE, text="later", post_at=str(post_at)
    )
    assert (body["channel"], body["post_at"]) == (EVERYONE, post_at)
    assert body["scheduled_message_id"].startswith("Q")
    message = body["message"]
    assert (message["type"], message["text"], message["user"]) == (
        "delayed_message", "later", "U0001",
    )  # fmt: skip
    assert "ts" not in message


def test_a_scheduled_message_is_not_posted_before_its_time(server: ServerThread) -> None:
    schedule(server, ALICE, "not yet", in_secs=60)
    advance(server, 59)
    assert "not yet" not in history_texts(server)


def test_advancing_the_clock_posts_a_due_message_to_history(server: ServerThread) -> None:
    schedule(server, ALICE, "on time", in_secs=60)
    advance(server, 60)
    assert history_texts(server)[0] == "on time"
    assert listed(server, ALICE) == []


def test_a_posted_scheduled_message_reaches_the_members_sockets(server: ServerThread) -> None:
    schedule(server, BOB, "to the room", in_secs=10)
    with open_socket(server, ALICE) as alice:
        advance(server, 10)
        frame = recv_until(alice, lambda f: f.get("text") == "to the room")
    assert (frame["type"], frame["user"], frame["channel"]) == ("message", "U0002", EVERYONE)


def test_due_messages_are_posted_in_post_at_order(server: ServerThread) -> None:
    schedule(server, ALICE, "second", in_secs=20)
    schedule(server, ALICE, "first", in_secs=10)
    schedule(server, ALICE, "third", in_secs=30)
    advance(server, 40)
    assert history_texts(server, limit=3) == ["third", "second", "first"]


def test_a_scheduled_reply_with_reply_broadcast_is_posted_as_a_broadcast(
    server: ServerThread,
) -> None:
    parent = ok(server, "chat.postMessage", ALICE, channel=EVERYONE, text="root")["ts"]
    schedule(server, BOB, "later reply", in_secs=5, thread_ts=parent, reply_broadcast="true")
    with open_socket(server, ALICE) as alice:
        advance(server, 5)
        frame = recv_until(alice, lambda f: f.get("text") == "later reply")
        replied = recv_until(alice, lambda f: f.get("subtype") == "message_replied")
    assert (frame["subtype"], frame["thread_ts"]) == ("thread_broadcast", parent)
    assert replied["message"]["reply_count"] == 1


def test_a_scheduled_bot_message_keeps_its_username(server: ServerThread) -> None:
    schedule(server, BOT, "named later", in_secs=5, username="herald")
    advance(server, 5)
    newest = ok(server, "conversations.history", ALICE, channel=EVERYONE, limit="1")
    message = newest["messages"][0]
    assert (message["subtype"], message["username"], message["bot_id"]) == (
        "bot_message", "herald", "B0001",
    )  # fmt: skip


def test_a_message_whose_author_left_the_channel_is_dropped(server: ServerThread) -> None:
    ok(server, "conversations.join", DAVE, channel="C0002")
    schedule(server, DAVE, "never posted", in_secs=5, channel="C0002")
    ok(server, "conversations.leave", DAVE, channel="C0002")
    advance(server, 5)
    assert "never posted" not in history_texts(server, channel="C0002")
    assert listed(server, DAVE) == []


def test_post_at_now_is_time_in_past(server: ServerThread) -> None:
    code = error_of(
        server, "chat.scheduleMessage", ALICE, channel=EVERYONE, text="x",
        post_at=str(now(server)),
    )  # fmt: skip
    assert code == "time_in_past"


def test_post_at_beyond_120_days_is_time_too_far(server: ServerThread) -> None:
    code = error_of(
        server, "chat.scheduleMessage", ALICE, channel=EVERYONE, text="x",
        post_at=str(now(server) + 120 * DAY + 1),
    )  # fmt: skip
    assert code == "time_too_far"


def test_post_at_exactly_120_days_ahead_is_accepted(server: ServerThread) -> None:
    schedule(server, ALICE, "far", in_secs=120 * DAY)


def test_a_missing_or_malformed_post_at_is_invalid_time(server: ServerThread) -> None:
    for post_at in ("", "tomorrow"):
        args = {"post_at": post_at} if post_at else {}
        code = error_of(server, "chat.scheduleMessage", ALICE, channel=EVERYONE, text="x", **args)
        assert code == "invalid_time"


def test_a_fractional_post_at_is_cut_to_whole_seconds(server: ServerThread) -> None:
    post_at = now(server) + 30
    body = ok(
        server, "chat.scheduleMessage", ALICE, channel=EVERYONE, text="x",
        post_at=f"{post_at}.7654321",
    )  # fmt: skip
    assert body["post_at"] == post_at


@pytest.mark.parametrize(
    ("token", "channel", "text", "code"),
    [
        pytest.param(ALICE, EVERYONE, None, "no_text", id="without-text"),
        pytest.param(DAVE, "C0002", "x", "not_in_channel", id="public-channel-not-joined"),
        pytest.param(BOB, "G0001", "x", "channel_not_found", id="private-channel-of-others"),
        pytest.param(GINA, "C0001", "x", "channel_not_found", id="another-team"),
    ],
)
def test_scheduling_is_refused(
    server: ServerThread, token: str, channel: str, text: str | None, code: str
) -> None:
    args = {"channel": channel, "post_at": str(now(server) + 60)}
    if text is not None:
        args["text"] = text
    assert error_of(server, "chat.scheduleMessage", token, **args) == code


def test_a_31st_message_within_five_minutes_is_restricted_too_many(
    server: ServerThread,
) -> None:
    for n in range(30):
        schedule(server, ALICE, f"burst {n}", in_secs=100 + n)
    code = error_of(
        server, "chat.scheduleMessage", ALICE, channel=EVERYONE, text="one more",
        post_at=str(now(server) + 200),
    )  # fmt: skip
    assert code == "restricted_too_many"
    schedule(server, ALICE, "after the window", in_secs=100 + 300)


# chat.deleteScheduledMessage


def test_a_deleted_message_is_never_posted(server: ServerThread) -> None:
    scheduled = schedule(server, ALICE, "cancelled", in_secs=10)
    ok(
        server, "chat.deleteScheduledMessage", ALICE, channel=EVERYONE,
        scheduled_message_id=scheduled["scheduled_message_id"],
    )  # fmt: skip
    advance(server, 10)
    assert "cancelled" not in history_texts(server)


def test_deleting_twice_is_invalid_scheduled_message_id(server: ServerThread) -> None:
    scheduled_id = schedule(server, ALICE, "once", in_secs=10)["scheduled_message_id"]
    args = {"channel": EVERYONE, "scheduled_message_id": scheduled_id}
    ok(server, "chat.deleteScheduledMessage", ALICE, **args)
    code = error_of(server, "chat.deleteScheduledMessage", ALICE, **args)
    assert code == "invalid_scheduled_message_id"


def test_deleting_a_posted_message_is_invalid_scheduled_message_id(server: ServerThread) -> None:
    scheduled_id = schedule(server, ALICE, "gone out", in_secs=10)["scheduled_message_id"]
    advance(server, 10)
    code = error_of(
        server, "chat.deleteScheduledMessage", ALICE, channel=EVERYONE,
        scheduled_message_id=scheduled_id,
    )  # fmt: skip
    assert code == "invalid_scheduled_message_id"


def test_deleting_another_users_message_is_invalid_scheduled_message_id(
    server: ServerThread,
) -> None:
    scheduled_id = schedule(server, ALICE, "mine", in_secs=10)["scheduled_message_id"]
    code = error_of(
        server, "chat.deleteScheduledMessage", BOB, channel=EVERYONE,
        scheduled_message_id=scheduled_id,
    )  # fmt: skip
    assert code == "invalid_scheduled_message_id"
    assert [m["id"] for m in listed(server, ALICE)] == [scheduled_id]


def test_deleting_under_the_wrong_channel_is_invalid_scheduled_message_id(
    server: ServerThread,
) -> None:
    scheduled_id = schedule(server, ALICE, "here", in_secs=10)["scheduled_message_id"]
    code = error_of(
        server, "chat.deleteScheduledMessage", ALICE, channel="C0001",
        scheduled_message_id=scheduled_id,
    )  # fmt: skip
    assert code == "invalid_scheduled_message_id"


def test_deleting_in_a_private_channel_of_others_is_channel_not_found(
    server: ServerThread,
) -> None:
    scheduled_id = schedule(server, ALICE, "secret", channel="G0001")["scheduled_message_id"]
    code = error_of(
        server, "chat.deleteScheduledMessage", BOB, channel="G0001",
        scheduled_message_id=scheduled_id,
    )  # fmt: skip
    assert code == "channel_not_found"


def test_deleting_from_another_team_is_channel_not_found(server: ServerThread) -> None:
    scheduled_id = schedule(server, ALICE, "acme only")["scheduled_message_id"]
    code = error_of(
        server, "chat.deleteScheduledMessage", GINA, channel=EVERYONE,
        scheduled_message_id=scheduled_id,
    )  # fmt: skip
    assert code == "channel_not_found"


# chat.scheduledMessages.list


def test_the_list_shows_slacks_fields_earliest_first(server: ServerThread) -> None:
    later = schedule(server, ALICE, "later", in_secs=90)
    sooner = schedule(server, ALICE, "sooner", in_secs=30)
    entries = listed(server, ALICE)
    assert [e["id"] for e in entries] == [
        sooner["scheduled_message_id"], later["scheduled_message_id"],
    ]  # fmt: skip
    assert entries[0] == {
        "id": sooner["scheduled_message_id"],
        "channel_id": EVERYONE,
        "post_at": sooner["post_at"],
        "date_created": now(server),
        "text": "sooner",
    }


def test_the_list_holds_only_the_callers_messages(server: ServerThread) -> None:
    schedule(server, ALICE, "alice's")
    mine = schedule(server, BOB, "bob's")
    assert [e["id"] for e in listed(server, BOB)] == [mine["scheduled_message_id"]]


def test_the_list_filters_by_channel(server: ServerThread) -> None:
    schedule(server, ALICE, "in everyone")
    there = schedule(server, ALICE, "in random", channel="C0002")
    assert [e["id"] for e in listed(server, ALICE, channel="C0002")] == [
        there["scheduled_message_id"]
    ]


def test_the_list_filters_by_oldest_and_latest(server: ServerThread) -> None:
    stamps = [schedule(server, ALICE, f"at {n}", in_secs=n * 100)["post_at"] for n in (1, 2, 3)]
    entries = listed(server, ALICE, oldest=str(stamps[1]), latest=str(stamps[1]))
    assert [e["post_at"] for e in entries] == [stamps[1]]


def test_the_list_pages_with_cursors(server: ServerThread) -> None:
    ids = [
        schedule(server, ERIN, f"p{n}", in_secs=10 + n)["scheduled_message_id"] for n in range(5)
    ]
    seen, cursor, pages = [], "", 0
    while True:
        body = ok(server, "chat.scheduledMessages.list", ERIN, limit="2", cursor=cursor)
        seen += [e["id"] for e in body["scheduled_messages"]]
        pages += 1
        cursor = body["response_metadata"]["next_cursor"]
        if not cursor:
            break
    assert (seen, pages) == (ids, 3)


def test_the_list_of_a_private_channel_of_others_is_invalid_channel(
    server: ServerThread,
) -> None:
    schedule(server, ALICE, "secret", channel="G0001")
    code = error_of(server, "chat.scheduledMessages.list", BOB, channel="G0001")
    assert code == "invalid_channel"


def test_the_list_from_another_team_shows_nothing_of_acme(server: ServerThread) -> None:
    schedule(server, ALICE, "acme only")
    assert listed(server, GINA) == []
    code = error_of(server, "chat.scheduledMessages.list", GINA, channel=EVERYONE)
    assert code == "invalid_channel"


def test_the_list_with_a_forged_cursor_is_invalid_cursor(server: ServerThread) -> None:
    code = error_of(server, "chat.scheduledMessages.list", ALICE, cursor="bm9wZQ==")
    assert code == "invalid_cursor"


# slack_sdk


def test_schedule_list_and_delete_through_slack_sdk(server: ServerThread) -> None:
    client = WebClient(token=ALICE, base_url=server.base_url + "/api/")
    scheduled = client.chat_scheduleMessage(
        channel=EVERYONE, text="sdk later", post_at=now(server) + 60
    )
    listing = client.chat_scheduledMessages_list(channel=EVERYONE)
    assert [e["id"] for e in listing["scheduled_messages"]] == [scheduled["scheduled_message_id"]]
    client.chat_deleteScheduledMessage(
        channel=EVERYONE, scheduled_message_id=scheduled["scheduled_message_id"]
    )
    assert client.chat_scheduledMessages_list()["scheduled_messages"] == []


# the control API


def test_the_control_api_schedules_as_a_user_and_clock_advance_posts_it(
    server: ServerThread,
) -> None:
    args = {"channel": EVERYONE, "text": "via control", "post_at": now(server) + 30}
    answer = admin(server, "act", {"as": "U0002", "method": "chat.scheduleMessage", "args": args})
    assert answer["result"]["ok"] is True
    advance(server, 30)
    newest = ok(server, "conversations.history", ALICE, channel=EVERYONE, limit="1")
    assert (newest["messages"][0]["text"], newest["messages"][0]["user"]) == (
        "via control", "U0002",
    )  # fmt: skip


def test_a_scheduled_message_in_a_private_channel_reaches_only_its_members(
    server: ServerThread,
) -> None:
    schedule(server, ALICE, "members only", in_secs=5, channel="G0001")
    with open_socket(server, BOB) as bob, open_socket(server, ALICE) as alice:
        advance(server, 5)
        recv_until(alice, lambda f: f.get("text") == "members only")
        barrier(server, "after the private post")
        seen = frames_until(bob, "after the private post")
    assert all(f.get("text") != "members only" for f in seen)
