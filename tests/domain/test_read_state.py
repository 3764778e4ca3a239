"""The pure read-state rules: which ``*_marked`` and open/close event each kind of
conversation sends, what the marked event carries, and the fields of a member's view."""

from __future__ import annotations

import pytest

from slackline.domain.models import Conversation
from slackline.domain.read_state import (
    NO_READ_TS,
    ReadState,
    marked_event,
    marked_type,
    mention_patterns,
    open_event_type,
    read_fields,
)

PUBLIC = Conversation("C1", "T1", "plans")
PRIVATE = Conversation("G1", "T1", "secret", is_private=True)
DM = Conversation("D1", "T1", "U2", is_im=True, im_user="U2")
GROUP = Conversation("G2", "T1", "mpdm-a--b--c-1", is_private=True, is_mpim=True)
STATE = ReadState("1700000000.000001", True, 3, 2, 1)


@pytest.mark.parametrize(
    ("conversation", "kind"),
    [
        (PUBLIC, "channel_marked"),
        (PRIVATE, "group_marked"),
        (DM, "im_marked"),
        (GROUP, "mpim_marked"),
    ],
)
def test_each_kind_of_conversation_has_its_marked_event(
    conversation: Conversation, kind: str
) -> None:
    assert marked_type(conversation) == kind


def test_the_marked_event_carries_the_counts_after_the_move() -> None:
    event = marked_event(PUBLIC, "1700000000.000001", STATE, "1700000001.000000")
    assert event == {
        "type": "channel_marked",
        "channel": "C1",
        "ts": "1700000000.000001",
        "unread_count": 3,
        "unread_count_display": 2,
        "num_mentions": 1,
        "num_mentions_display": 1,
        "mention_count": 1,
        "mention_count_display": 1,
        "event_ts": "1700000001.000000",
    }


@pytest.mark.parametrize("conversation", [DM, GROUP])
def test_dms_and_group_dms_add_dm_count(conversation: Conversation) -> None:
    assert marked_event(conversation, "1.000000", STATE, "2.000000")["dm_count"] == 2


def test_channels_have_no_dm_count() -> None:
    assert "dm_count" not in marked_event(PRIVATE, "1.000000", STATE, "2.000000")


def test_a_member_who_never_marked_has_read_nothing_and_is_open() -> None:
    assert ReadState() == ReadState(NO_READ_TS, True, 0, 0, 0)
    assert read_fields(ReadState()) == {
        "last_read": NO_READ_TS,
        "unread_count": 0,
        "unread_count_display": 0,
    }


@pytest.mark.parametrize(
    ("conversation", "is_open", "kind"),
    [(DM, True, "im_open"), (DM, False, "im_close"), (GROUP, True, "mpim_open"),
     (GROUP, False, "mpim_close")],
)  # fmt: skip
def test_opening_and_closing_name_their_event(
    conversation: Conversation, *, is_open: bool, kind: str
) -> None:
    assert open_event_type(conversation, is_open=is_open) == kind


def test_a_mention_is_the_bare_id_or_the_id_with_a_label() -> None:
    assert mention_patterns("U1") == ("%<@U1>%", "%<@U1|%")
