"""The workspace parts of the Store contract (storage/emoji.py, usergroups.py, prefs.py), on
SQLite and PostgreSQL: custom emoji, user groups and their members, preferences keeping their
types, do-not-disturb state and the team's profile fields."""

from __future__ import annotations

import asyncio

from slackline.domain.emoji import CustomEmoji
from slackline.domain.models import Team
from slackline.domain.prefs import DndState, ProfileField
from slackline.domain.usergroups import Usergroup
from slackline.storage import Store
from tests.storage.test_contract import database_url, runner, store

__all__ = ["database_url", "runner", "store"]  # the contract suite's fixtures, reused


def _group(group_id: str, name: str, team_id: str = "T1", **fields: object) -> Usergroup:
    return Usergroup(group_id, team_id, name, name.lower(), **fields)  # type: ignore[arg-type]


# custom emoji


def test_emoji_are_listed_by_name_per_team(runner: asyncio.Runner, store: Store) -> None:
    runner.run(store.put_team(Team("T2", "Two", "two")))
    for emoji in (
        CustomEmoji("T1", "zebra", "https://e.x/z.png", "U1", 5),
        CustomEmoji("T1", "apple", "alias:zebra"),
        CustomEmoji("T2", "other", "alias:x"),
    ):
        runner.run(store.emoji.put_emoji(emoji))
    listed = runner.run(store.emoji.list_emoji("T1"))
    assert [(e.name, e.value) for e in listed] == [
        ("apple", "alias:zebra"),
        ("zebra", "https://e.x/z.png"),
    ]
    assert listed[1].user_id == "U1" and listed[1].created == 5


def test_putting_an_emoji_again_replaces_its_value(runner: asyncio.Runner, store: Store) -> None:
    runner.run(store.emoji.put_emoji(CustomEmoji("T1", "x", "alias:a")))
    runner.run(store.emoji.put_emoji(CustomEmoji("T1", "x", "alias:b")))
    got = runner.run(store.emoji.get_emoji("T1", "x"))
    assert got is not None and got.value == "alias:b"


def test_removing_an_emoji_says_whether_there_was_one(runner: asyncio.Runner, store: Store) -> None:
    runner.run(store.emoji.put_emoji(CustomEmoji("T1", "x", "alias:a")))
    assert runner.run(store.emoji.remove_emoji("T1", "x")) is True
    assert runner.run(store.emoji.remove_emoji("T1", "x")) is False
    assert runner.run(store.emoji.get_emoji("T1", "x")) is None


# user groups


def test_a_group_reads_back_with_every_field(runner: asyncio.Runner, store: Store) -> None:
    group = _group(
        "S1", "Ops", description="d", channels=("C1", "C2"), created_by="U1",
        updated_by="U2", deleted_by="U2", date_create=1, date_update=2, date_delete=3,
    )  # fmt: skip
    runner.run(store.usergroups.put_usergroup(group))
    assert runner.run(store.usergroups.get_usergroup("S1")) == group


def test_groups_are_listed_by_name_and_disabled_ones_on_request(
    runner: asyncio.Runner, store: Store
) -> None:
    runner.run(store.usergroups.put_usergroup(_group("S2", "Beta")))
    runner.run(store.usergroups.put_usergroup(_group("S1", "Alpha", date_delete=9)))
    everything = runner.run(store.usergroups.list_usergroups("T1", include_disabled=True))
    enabled = runner.run(store.usergroups.list_usergroups("T1", include_disabled=False))
    assert [g.id for g in everything] == ["S1", "S2"]
    assert [g.id for g in enabled] == ["S2"]


def test_putting_a_group_again_keeps_its_members(runner: asyncio.Runner, store: Store) -> None:
    runner.run(store.usergroups.put_usergroup(_group("S1", "Ops")))
    runner.run(store.usergroups.set_usergroup_users("S1", ["U2", "U1"]))
    runner.run(store.usergroups.put_usergroup(_group("S1", "Ops renamed")))
    assert runner.run(store.usergroups.list_usergroup_users("S1")) == ["U1", "U2"]


def test_setting_members_replaces_them_and_adding_keeps_them(
    runner: asyncio.Runner, store: Store
) -> None:
    runner.run(store.usergroups.put_usergroup(_group("S1", "Ops")))
    runner.run(store.usergroups.set_usergroup_users("S1", ["U1", "U2"]))
    runner.run(store.usergroups.set_usergroup_users("S1", ["U3"]))
    runner.run(store.usergroups.add_usergroup_users("S1", ["U3", "U4"]))
    assert runner.run(store.usergroups.list_usergroup_users("S1")) == ["U3", "U4"]


def test_team_members_come_in_one_map_of_the_team_only(
    runner: asyncio.Runner, store: Store
) -> None:
    runner.run(store.put_team(Team("T2", "Two", "two")))
    for group in (_group("S1", "One"), _group("S2", "Two"), _group("S9", "Else", "T2")):
        runner.run(store.usergroups.put_usergroup(group))
    runner.run(store.usergroups.set_usergroup_users("S1", ["U2", "U1"]))
    runner.run(store.usergroups.set_usergroup_users("S9", ["U9"]))
    assert runner.run(store.usergroups.team_usergroup_users("T1")) == {"S1": ["U1", "U2"]}


# preferences, do not disturb, profile fields


def test_prefs_keep_their_types(runner: asyncio.Runner, store: Store) -> None:
    values = {"time24": True, "display_real_names_override": 1, "locale": "fr-FR"}
    runner.run(store.prefs.set_prefs("U1", "T1", values))
    runner.run(store.prefs.set_prefs("U1", "T1", {"locale": "en-GB"}))
    assert runner.run(store.prefs.get_prefs("U1")) == {**values, "locale": "en-GB"}
    assert runner.run(store.prefs.get_prefs("U2")) == {}


def test_dnd_state_reads_back_and_is_replaced(runner: asyncio.Runner, store: Store) -> None:
    assert runner.run(store.prefs.get_dnd("U1")) is None
    runner.run(store.prefs.put_dnd(DndState("U1", "T1", snooze_endtime=10)))
    runner.run(store.prefs.put_dnd(DndState("U1", "T1", snooze_endtime=0, dnd_ended_until=20)))
    assert runner.run(store.prefs.get_dnd("U1")) == DndState("U1", "T1", 0, 20)


def test_profile_fields_are_listed_by_ordering(runner: asyncio.Runner, store: Store) -> None:
    second = ProfileField("T1", "Xf2", "Office", ordering=1, type="options_list",
                          possible_values=("Paris", "Lima"), is_hidden=True)  # fmt: skip
    first = ProfileField("T1", "Xf1", "Pronouns", hint="h", options={"is_protected": True})
    runner.run(store.prefs.put_profile_field(second))
    runner.run(store.prefs.put_profile_field(first))
    assert runner.run(store.prefs.list_profile_fields("T1")) == [first, second]
