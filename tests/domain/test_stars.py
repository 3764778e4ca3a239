"""Stars, pure (domain/stars.py): the item's type for each kind of conversation and the
message item's shape."""

from __future__ import annotations

from slackline.domain.models import Conversation
from slackline.domain.stars import Star, conversation_item_type, star_item

URL = "http://127.0.0.1:1/acme/"


def test_a_conversation_is_a_channel_a_group_or_an_im() -> None:
    assert conversation_item_type(Conversation("C1", "T1", "general")) == "channel"
    assert conversation_item_type(Conversation("G1", "T1", "s", is_private=True)) == "group"
    assert conversation_item_type(Conversation("G2", "T1", "m", is_mpim=True)) == "group"
    assert conversation_item_type(Conversation("D1", "T1", "D1", is_im=True)) == "im"


def test_a_starred_conversation_has_no_message() -> None:
    star = Star("U1", "T1", "C1", created=7)
    item = star_item(star, Conversation("C1", "T1", "general"), None, URL)
    assert item == {"type": "channel", "channel": "C1", "date_create": 7}


def test_a_starred_message_is_marked_starred_with_its_permalink() -> None:
    star = Star("U1", "T1", "C1", "1.000001", 7)
    item = star_item(star, Conversation("C1", "T1", "general"), {"ts": "1.000001"}, URL)
    assert item["message"] == {
        "ts": "1.000001",
        "is_starred": True,
        "permalink": f"{URL}archives/C1/p1000001",
    }
    assert (item["type"], item["date_create"]) == ("message", 7)
