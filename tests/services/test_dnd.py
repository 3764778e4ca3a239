"""The do-not-disturb service on a running application: what each change stores and whom
its events are for (``dnd_updated`` to the user, ``dnd_updated_user`` to the team)."""

from __future__ import annotations

import asyncio

import pytest

from slackline.app import App
from slackline.broker import Event
from slackline.domain.models import User
from slackline.errors import SlackError


def user(runner: asyncio.Runner, app: App, user_id: str = "U0002") -> User:
    """A user of the test workspace."""
    found = runner.run(app.store.get_user(user_id))
    assert found is not None
    return found


def recorded(app: App) -> list[Event]:
    """Every event the app publishes from now on."""
    events: list[Event] = []
    app.broker.subscribe(lambda m: events.append(m) if isinstance(m, Event) else None)
    return events


def test_a_snooze_is_stored_then_announced_to_the_user_and_the_team(
    running: tuple[asyncio.Runner, App],
) -> None:
    runner, app = running
    bob, events = user(runner, app), recorded(app)
    status = runner.run(app.services.dnd.set_snooze(bob, 30))
    state = runner.run(app.store.prefs.get_dnd("U0002"))
    assert state is not None and state.snooze_endtime == status["snooze_endtime"]
    own, team = events
    assert (own.payload["type"], own.audience) == ("dnd_updated", frozenset({"U0002"}))
    assert (team.payload["type"], team.audience) == ("dnd_updated_user", None)
    assert "snooze_enabled" not in team.payload["dnd_status"]


def test_ending_a_snooze_that_is_not_there_stores_and_announces_nothing(
    running: tuple[asyncio.Runner, App],
) -> None:
    runner, app = running
    bob, events = user(runner, app), recorded(app)
    with pytest.raises(SlackError) as raised:
        runner.run(app.services.dnd.end_snooze(bob))
    assert raised.value.code.value == "snooze_not_active"
    assert events == [] and runner.run(app.store.prefs.get_dnd("U0002")) is None


def test_end_dnd_without_dnd_is_not_in_dnd(running: tuple[asyncio.Runner, App]) -> None:
    runner, app = running
    with pytest.raises(SlackError) as raised:
        runner.run(app.services.dnd.end_dnd(user(runner, app)))
    assert raised.value.code.value == "not_in_dnd"
