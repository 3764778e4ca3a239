"""The user-group service on a running application: a group is stored before it is
announced, the team hears of every change and only the users concerned of their own."""

from __future__ import annotations

import asyncio

import pytest

from slackline.app import App
from slackline.domain.models import User
from slackline.domain.usergroups import Usergroup
from slackline.errors import SlackError
from slackline.services.usergroups import GroupChange
from tests.services.test_dnd import recorded, user


def ops(running: tuple[asyncio.Runner, App]) -> tuple[User, Usergroup]:
    """Alice (U0001), and the group Ops she has just created, with no users or channels."""
    runner, app = running
    alice = user(runner, app, "U0001")
    groups = app.services.usergroups
    group = runner.run(groups.create(alice, name="Ops", handle="ops", description="", channels=[]))
    return alice, group


def test_create_stores_then_announces_to_the_team(running: tuple[asyncio.Runner, App]) -> None:
    runner, app = running
    alice, events = user(runner, app, "U0001"), recorded(app)
    group = runner.run(
        app.services.usergroups.create(
            alice, name="Ops", handle="ops", description="", channels=["C0001"]
        )
    )
    assert runner.run(app.store.usergroups.get_usergroup(group.id)) == group
    (created,) = events
    assert (created.payload["type"], created.audience, created.team_id) == (
        "subteam_created",
        None,
        "T0001",
    )


def test_set_users_tells_the_team_then_each_user_concerned(
    running: tuple[asyncio.Runner, App],
) -> None:
    runner, app = running
    alice, group = ops(running)
    groups = app.services.usergroups
    group, _ = runner.run(groups.set_users(group, alice, ["U0001", "U0002"]))
    events = recorded(app)
    runner.run(groups.set_users(group, alice, ["U0002", "U0004"]))
    assert [(e.payload["type"], e.audience) for e in events] == [
        ("subteam_members_changed", None),
        ("subteam_self_added", frozenset({"U0004"})),
        ("subteam_self_removed", frozenset({"U0001"})),
        ("subteam_updated", None),
    ]
    assert runner.run(app.store.usergroups.list_usergroup_users(group.id)) == ["U0002", "U0004"]


def test_a_refused_change_stores_and_announces_nothing(
    running: tuple[asyncio.Runner, App],
) -> None:
    runner, app = running
    alice, group = ops(running)
    groups = app.services.usergroups
    runner.run(groups.create(alice, name="Dev", handle="dev", description="", channels=[]))
    events = recorded(app)
    with pytest.raises(SlackError) as raised:
        runner.run(groups.update(group, alice, GroupChange(handle="dev")))
    assert raised.value.code.value == "handle_already_exists"
    assert events == [] and runner.run(app.store.usergroups.get_usergroup(group.id)) == group
