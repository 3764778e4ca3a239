"""The custom-emoji service on a running application: adding, changing and removing, each
stored and then announced to the team as ``emoji_changed``, and nothing when nothing
changes."""

from __future__ import annotations

import asyncio

import pytest

from slackline.app import App
from slackline.domain.emoji import EmojiError
from tests.services.test_dnd import recorded


def test_add_change_and_remove_are_announced_to_the_team(
    running: tuple[asyncio.Runner, App],
) -> None:
    runner, app = running
    events, emoji = recorded(app), app.services.emoji
    runner.run(emoji.add("T0001", ":shipit:", "alias:squirrel", "U0001"))
    runner.run(emoji.add("T0001", "shipit", "alias:squirrel"))  # the same value: nothing
    runner.run(emoji.add("T0001", "shipit", "https://e.x/s.png"))
    assert runner.run(emoji.remove("T0001", "shipit")) is True
    assert runner.run(emoji.remove("T0001", "shipit")) is False
    assert [(e.payload["subtype"], e.audience) for e in events] == [
        ("add", None),
        ("add", None),
        ("remove", None),
    ]
    assert runner.run(app.store.emoji.list_emoji("T0001")) == []


def test_a_name_that_cannot_be_an_emoji_is_refused(running: tuple[asyncio.Runner, App]) -> None:
    runner, app = running
    with pytest.raises(EmojiError):
        runner.run(app.services.emoji.add("T0001", "Not One", "alias:x"))
