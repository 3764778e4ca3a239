"""Pins, pure (domain/pins.py): what may be pinned, permalinks and the item's shape."""

from __future__ import annotations

from slackline.domain.models import Message
from slackline.domain.pins import Pin, permalink, pin_item, pinnable

URL = "http://127.0.0.1:1/acme/"


def test_messages_people_wrote_are_pinnable_system_messages_are_not() -> None:
    assert pinnable(Message("C1", "1.000001", "T1", "U1", "hi"))
    assert pinnable(Message("C1", "1.000001", "T1", "U1", "hi", subtype="me_message"))
    assert not pinnable(Message("C1", "1.000001", "T1", "U1", "hi", subtype="channel_join"))


def test_a_permalink_is_the_archive_path_with_the_ts_digits() -> None:
    assert permalink(URL, "C1", "1700000000.000100") == f"{URL}archives/C1/p1700000000000100"


def test_an_item_carries_who_pinned_it_when_and_where() -> None:
    item = pin_item(Pin("C1", "1.000001", "T1", "U2", 42), {"ts": "1.000001"}, URL)
    assert item == {
        "type": "message",
        "channel": "C1",
        "created": 42,
        "created_by": "U2",
        "message": {
            "ts": "1.000001",
            "pinned_to": ["C1"],
            "permalink": f"{URL}archives/C1/p1000001",
        },
    }
