"""The toolkit's workspace actions against the plugin's servers: custom emoji, user groups,
preferences and do not disturb, with what reaches a real socket."""

from __future__ import annotations

from slackline.testing.toolkit import Member, Slackline, SlacklineServer
from tests.helpers.rtm import open_socket, recv_until


def people(slackline: Slackline) -> tuple[str, Member, Member]:
    """A team with alice and bob."""
    team = slackline.team("Acme")
    return team, slackline.user(team, "alice"), slackline.user(team, "bob")


def test_add_emoji_is_listed_and_announced(
    slackline: Slackline, slackline_server: SlacklineServer
) -> None:
    team, alice, bob = people(slackline)
    with open_socket(slackline_server.thread, bob.token) as bob_ws:
        slackline.add_emoji(team, "shipit", "https://e.x/shipit.png")
        event = recv_until(bob_ws, lambda f: f.get("type") == "emoji_changed")
    assert (event["subtype"], event["name"]) == ("add", "shipit")
    assert slackline.emoji(alice) == {"shipit": "https://e.x/shipit.png"}


def test_remove_emoji_says_whether_there_was_one(slackline: Slackline) -> None:
    team, alice, _ = people(slackline)
    slackline.add_emoji(team, "gone", "alias:smile")
    assert slackline.remove_emoji(team, "gone") is True
    assert slackline.remove_emoji(team, "gone") is False
    assert slackline.emoji(alice) == {}


def test_create_usergroup_with_users_lists_them(slackline: Slackline) -> None:
    _, alice, bob = people(slackline)
    group = slackline.create_usergroup(alice, "Ops", users=[alice, bob], handle="ops")
    (listed,) = slackline.usergroups(bob)
    assert (listed["id"], listed["handle"]) == (group, "ops")
    assert sorted(listed["users"]) == sorted([alice.id, bob.id])
    assert slackline.usergroup_users(bob, group) == sorted([alice.id, bob.id])


def test_set_usergroup_users_tells_the_user_added(
    slackline: Slackline, slackline_server: SlacklineServer
) -> None:
    _, alice, bob = people(slackline)
    group = slackline.create_usergroup(alice, "Ops")
    with open_socket(slackline_server.thread, bob.token) as bob_ws:
        slackline.set_usergroup_users(alice, group, [bob])
        event = recv_until(bob_ws, lambda f: f.get("type") == "subteam_self_added")
    assert event["subteam_id"] == group


def test_update_disable_and_enable_a_usergroup(slackline: Slackline) -> None:
    _, alice, _ = people(slackline)
    group = slackline.create_usergroup(alice, "Ops")
    assert slackline.update_usergroup(alice, group, description="on call")["description"] == (
        "on call"
    )
    slackline.disable_usergroup(alice, group)
    assert slackline.usergroups(alice) == []
    assert [g["id"] for g in slackline.usergroups(alice, include_disabled=True)] == [group]
    slackline.enable_usergroup(alice, group)
    assert [g["id"] for g in slackline.usergroups(alice)] == [group]


def test_set_pref_and_mute_are_read_back(slackline: Slackline) -> None:
    _, alice, bob = people(slackline)
    slackline.set_pref(alice, "time24", True)
    slackline.mute(alice, "C1", "C2")
    prefs = slackline.prefs(alice)
    assert (prefs["time24"], prefs["muted_channels"]) == (True, "C1,C2")
    assert slackline.prefs(bob)["time24"] is False


def test_snooze_end_snooze_and_dnd(slackline: Slackline) -> None:
    _, alice, bob = people(slackline)
    ends = slackline.snooze(alice, 10)
    status = slackline.dnd(alice)
    assert (status["snooze_enabled"], status["snooze_endtime"]) == (True, ends)
    assert "snooze_enabled" not in slackline.dnd(bob, of=alice)
    slackline.end_snooze(alice)
    assert slackline.dnd(alice)["snooze_enabled"] is False
    slackline.snooze(alice, 5)
    slackline.end_dnd(alice)
    assert slackline.dnd(alice)["snooze_enabled"] is False
