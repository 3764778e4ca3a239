"""The pure thread rules: what a reply is, where it points, a parent's summary, and the
``message_replied`` event."""

from __future__ import annotations

from slackline.domain.models import Message
from slackline.domain.threads import is_reply, parent_fields, replied_event, thread_root

PARENT_TS = "1700000000.000100"


def message(ts: str, thread_ts: str | None = None, user: str = "U1") -> Message:
    """A message of channel C1."""
    return Message(channel="C1", ts=ts, team_id="T1", user=user, text="x", thread_ts=thread_ts)


def test_a_message_without_thread_ts_is_no_reply() -> None:
    assert not is_reply(message(PARENT_TS))


def test_a_parent_carrying_its_own_ts_as_thread_ts_is_no_reply() -> None:
    assert not is_reply(message(PARENT_TS, PARENT_TS))


def test_a_message_under_another_ts_is_a_reply() -> None:
    assert is_reply(message("1700000000.000200", PARENT_TS))


def test_the_root_of_a_reply_is_its_thread_ts() -> None:
    assert thread_root(message("1700000000.000200", PARENT_TS)) == PARENT_TS


def test_the_root_of_a_parent_is_its_own_ts() -> None:
    assert thread_root(message(PARENT_TS)) == PARENT_TS


def test_a_parent_without_replies_gains_no_key() -> None:
    assert parent_fields(message(PARENT_TS), [], viewer="U1") == {}


def test_a_parent_summary_counts_replies_and_distinct_users_first_replier_first() -> None:
    replies = [
        ("U2", "1700000000.000200"),
        ("U3", "1700000000.000300"),
        ("U2", "1700000000.000400"),
    ]
    fields = parent_fields(message(PARENT_TS), replies)
    assert fields == {
        "thread_ts": PARENT_TS,
        "reply_count": 3,
        "reply_users_count": 2,
        "latest_reply": "1700000000.000400",
        "reply_users": ["U2", "U3"],
        "is_locked": False,
    }


def test_without_a_viewer_there_is_no_subscription() -> None:
    fields = parent_fields(message(PARENT_TS), [("U2", "1700000000.000200")])
    assert "subscribed" not in fields and "last_read" not in fields


def test_the_parents_author_follows_and_has_read_up_to_the_parent() -> None:
    replies = [("U2", "1700000000.000200"), ("U3", "1700000000.000300")]
    fields = parent_fields(message(PARENT_TS, user="U1"), replies, viewer="U1")
    assert (fields["subscribed"], fields["last_read"], fields["unread_count"]) == (
        True, PARENT_TS, 2,
    )  # fmt: skip


def test_a_replier_has_read_up_to_their_own_latest_reply() -> None:
    replies = [("U2", "1700000000.000200"), ("U3", "1700000000.000300"), ("U2", "1700000000.4")]
    fields = parent_fields(message(PARENT_TS), replies, viewer="U3")
    assert (fields["last_read"], fields["unread_count"]) == ("1700000000.000300", 1)


def test_someone_outside_the_thread_does_not_follow_it() -> None:
    fields = parent_fields(message(PARENT_TS), [("U2", "1700000000.000200")], viewer="U9")
    assert fields["subscribed"] is False
    assert "last_read" not in fields and "unread_count" not in fields


def test_message_replied_is_a_hidden_message_carrying_the_parent() -> None:
    parent = {"type": "message", "ts": PARENT_TS, "reply_count": 1}
    event = replied_event("C1", parent, "1700000001.000000")
    assert event == {
        "type": "message",
        "subtype": "message_replied",
        "hidden": True,
        "channel": "C1",
        "message": parent,
        "ts": "1700000001.000000",
        "event_ts": "1700000001.000000",
    }
