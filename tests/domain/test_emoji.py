"""Custom emoji's pure rules: names (colons dropped), values (image URLs or aliases) and the
``emoji_changed`` payloads."""

from __future__ import annotations

import pytest

from slackline.domain.emoji import (
    CustomEmoji,
    EmojiError,
    categories,
    emoji_added,
    emoji_name,
    emoji_removed,
    emoji_value,
)


@pytest.mark.parametrize(("raw", "name"), [(":parrot:", "parrot"), ("+1", "+1"), ("it's", "it's")])
def test_a_name_loses_its_colons(raw: str, name: str) -> None:
    assert emoji_name(raw) == name


@pytest.mark.parametrize("raw", ["", "::", "Upper", "two words", "n" * 101])
def test_other_names_are_refused(raw: str) -> None:
    with pytest.raises(EmojiError):
        emoji_name(raw)


@pytest.mark.parametrize(
    ("raw", "value"),
    [("https://e.x/a.png", "https://e.x/a.png"), ("alias::smile:", "alias:smile")],
)
def test_a_value_is_an_image_url_or_an_alias(raw: str, value: str) -> None:
    assert emoji_value(raw) == value


@pytest.mark.parametrize("raw", ["ftp://e.x/a.png", "alias:", "smile", "https://e.x/a b.png"])
def test_other_values_are_refused(raw: str) -> None:
    with pytest.raises(EmojiError):
        emoji_value(raw)


def test_the_payloads_are_slacks() -> None:
    added = emoji_added(CustomEmoji("T1", "x", "alias:y"), "1.000001")
    assert added == {
        "type": "emoji_changed", "subtype": "add", "name": "x", "value": "alias:y",
        "event_ts": "1.000001",
    }  # fmt: skip
    assert emoji_removed(["x"], "2.0")["names"] == ["x"]


def test_every_category_names_emoji() -> None:
    assert all(c["name"] and c["emoji_names"] for c in categories())
