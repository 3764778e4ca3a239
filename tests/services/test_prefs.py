"""The preferences service on a running application: only changed values are stored and
announced, each as ``pref_change`` to the user alone, and the schedule's preferences also
announce do not disturb."""

from __future__ import annotations

import asyncio

from slackline.app import App
from slackline.broker import Event
from tests.services.test_dnd import recorded, user


def test_each_changed_pref_is_announced_to_the_user_alone(
    running: tuple[asyncio.Runner, App],
) -> None:
    runner, app = running
    bob, events = user(runner, app), recorded(app)
    changed = runner.run(app.services.prefs.set_prefs(bob, {"highlight_words": "urgent"}))
    assert set(changed) == {"highlight_words", "all_notifications_prefs"}
    assert [e.payload["name"] for e in events] == list(changed)
    assert {e.audience for e in events} == {frozenset({"U0002"})}
    assert runner.run(app.store.prefs.get_prefs("U0002"))["highlight_words"] == "urgent"


def test_a_value_already_set_changes_nothing(running: tuple[asyncio.Runner, App]) -> None:
    runner, app = running
    bob = user(runner, app)
    runner.run(app.services.prefs.set_prefs(bob, {"time24": True}))
    events: list[Event] = recorded(app)
    assert runner.run(app.services.prefs.set_prefs(bob, {"time24": True})) == {}
    assert events == []


def test_a_schedule_pref_also_announces_do_not_disturb(
    running: tuple[asyncio.Runner, App],
) -> None:
    runner, app = running
    bob, events = user(runner, app), recorded(app)
    runner.run(app.services.prefs.set_prefs(bob, {"dnd_enabled": True}))
    kinds = [e.payload["type"] for e in events]
    assert kinds == ["pref_change", "dnd_updated", "dnd_updated_user"]
    assert events[-1].payload["dnd_status"]["dnd_enabled"] is True
