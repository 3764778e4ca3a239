"""usergroups.* and usergroups.users.* over real HTTP: Slack's shapes and errors, the
``subteam_*`` events on the sockets of the team (and of the users added or removed), groups
declared in a workspace file, slack_sdk's ``usergroups_*``, and what stays invisible (other
teams' groups, private channels as default channels)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from slack_sdk import WebClient

from slackline.testing.server import ServerThread
from tests.helpers.events import (
    ALICE,
    BOB,
    BOT,
    DAVE,
    GINA,
    GRID_BOT,
    barrier,
    error_of,
    of_type,
    ok,
    start_event_server,
    types_until,
)
from tests.helpers.http import api, serving
from tests.helpers.rtm import open_socket, recv_until

# A group with members and a disabled one in Acme; one in Globex.
GROUPS_WORKSPACE = """
teams:
  - id: T0001
    usergroups:
      - {id: S0001, name: Admins, handle: admins, description: The admins,
         users: [U0001, U0002], channels: [C0001]}
      - {id: S0002, name: Retired, handle: retired, disabled: true, users: [U0004]}
  - id: T0002
    usergroups:
      - {id: S1001, name: Globex people, handle: globexers, users: [U1001]}
"""


@pytest.fixture(scope="module")
def acme(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerThread]:
    """The test workspace, the event tests' people and the groups above."""
    tmp_path = tmp_path_factory.mktemp("usergroups")
    yield from serving(start_event_server(tmp_path, GROUPS_WORKSPACE))


def listed(server: ServerThread, token: str = ALICE, **args: str) -> dict[str, Any]:
    """usergroups.list's groups by id."""
    return {g["id"]: g for g in ok(server, "usergroups.list", token, **args)["usergroups"]}


def create(server: ServerThread, name: str, token: str = ALICE, **args: str) -> dict[str, Any]:
    """usergroups.create that must succeed; the group."""
    return dict(ok(server, "usergroups.create", token, name=name, **args)["usergroup"])


def test_list_shows_declared_groups_in_slacks_shape(acme: ServerThread) -> None:
    group = listed(acme)["S0001"]
    assert (group["name"], group["handle"], group["description"]) == (
        "Admins",
        "admins",
        "The admins",
    )
    assert (group["team_id"], group["is_usergroup"], group["date_delete"]) == ("T0001", True, 0)
    assert group["prefs"] == {"channels": ["C0001"], "groups": []}
    assert "users" not in group and "user_count" not in group


def test_list_with_include_users_gives_every_group_a_users_list(acme: ServerThread) -> None:
    empty = create(acme, "Nobody yet")
    groups = listed(acme, include_users="true")
    assert groups["S0001"]["users"] == ["U0001", "U0002"]
    assert groups[empty["id"]]["users"] == []  # wee-slack reads it unguarded


def test_list_with_include_count_counts_the_members(acme: ServerThread) -> None:
    assert listed(acme, include_count="1")["S0001"]["user_count"] == 2


def test_list_leaves_disabled_groups_out_unless_asked(acme: ServerThread) -> None:
    assert "S0002" not in listed(acme)
    retired = listed(acme, include_disabled="true")["S0002"]
    assert retired["date_delete"] > 0


def test_list_refuses_a_flag_that_is_no_boolean(acme: ServerThread) -> None:
    assert error_of(acme, "usergroups.list", ALICE, include_users="maybe") == "invalid_arguments"


def test_list_never_shows_another_teams_groups(acme: ServerThread) -> None:
    assert set(listed(acme, GINA, include_disabled="true")) == {"S1001"}
    assert "S1001" not in listed(acme, include_disabled="true")


def test_create_makes_a_handle_from_the_name_and_records_the_creator(
    acme: ServerThread,
) -> None:
    group = create(acme, "Design Team", description="Pixels")
    assert (group["handle"], group["description"], group["created_by"]) == (
        "design-team",
        "Pixels",
        "U0001",
    )
    assert group["id"].startswith("S") and group["date_create"] == group["date_update"] > 0
    assert "users" not in group


def test_create_with_include_count_answers_a_zero_count(acme: ServerThread) -> None:
    assert create(acme, "Counted", include_count="true")["user_count"] == 0


def test_create_announces_subteam_created_to_the_team_only(acme: ServerThread) -> None:
    with open_socket(acme, BOB) as bob, open_socket(acme, GINA) as gina:
        group = create(acme, "Announced")
        event = recv_until(bob, of_type("subteam_created"))
        assert event["subteam"]["id"] == group["id"]
        assert (event["subteam"]["users"], event["subteam"]["user_count"]) == ([], 0)
        barrier(acme, "created barrier", channel="C1001", token=GRID_BOT)
        assert "subteam_created" not in types_until(gina, "created barrier")


@pytest.mark.parametrize(
    ("args", "error"),
    [
        ({"name": ""}, "missing_subteam_name"),
        ({"name": "x" * 256}, "name_too_long"),
        ({"name": "admins"}, "name_already_exists"),  # names ignore case
        ({"name": "Fresh", "handle": "admins"}, "handle_already_exists"),
        ({"name": "Fresh", "handle": "bob"}, "handle_already_exists"),  # a user's name
        ({"name": "Fresh", "handle": "general"}, "handle_already_exists"),  # a public channel
        ({"name": "Fresh", "handle": "two words"}, "bad_handle"),
        ({"name": "Fresh", "handle": "here"}, "forbidden_handle"),
        ({"name": "Fresh", "description": "d" * 141}, "description_too_long"),
        ({"name": "Fresh", "channels": "C0001,C9999"}, "invalid_channel_provided"),
    ],
)
def test_create_refuses_what_slack_refuses(
    acme: ServerThread, args: dict[str, str], error: str
) -> None:
    assert error_of(acme, "usergroups.create", ALICE, **args) == error


def test_create_refuses_a_private_channel_even_to_its_member(acme: ServerThread) -> None:
    error = error_of(acme, "usergroups.create", ALICE, name="Secretive", channels="G0001")
    assert error == "invalid_channel_provided"


def test_create_refuses_another_teams_channel(acme: ServerThread) -> None:
    error = error_of(acme, "usergroups.create", ALICE, name="Globex fans", channels="C1001")
    assert error == "invalid_channel_provided"


def test_a_private_channels_name_is_free_as_a_handle(acme: ServerThread) -> None:
    # G0001 is "secret": refusing the handle would tell bob the channel exists.
    assert create(acme, "Secret keepers", BOB, handle="secret")["handle"] == "secret"


def test_update_changes_what_is_given_and_keeps_the_rest(acme: ServerThread) -> None:
    group = create(acme, "Before", description="kept")
    body = ok(acme, "usergroups.update", BOB, usergroup=group["id"], name="After", handle="aft")
    updated = body["usergroup"]
    assert (updated["name"], updated["handle"], updated["description"]) == (
        "After",
        "aft",
        "kept",
    )
    assert updated["updated_by"] == "U0002" and updated["created_by"] == "U0001"
    cleared = ok(acme, "usergroups.update", ALICE, usergroup=group["id"], description="")
    assert cleared["usergroup"]["description"] == ""


def test_update_sets_the_default_channels(acme: ServerThread) -> None:
    group = create(acme, "Channelled")
    body = ok(acme, "usergroups.update", ALICE, usergroup=group["id"], channels="C0001,C0002")
    assert body["usergroup"]["prefs"]["channels"] == ["C0001", "C0002"]
    assert body["usergroup"]["channel_count"] == 2


def test_update_refuses_a_name_another_group_has(acme: ServerThread) -> None:
    group = create(acme, "Unique one")
    error = error_of(acme, "usergroups.update", ALICE, usergroup=group["id"], name="ADMINS")
    assert error == "name_already_exists"


def test_update_announces_subteam_updated_with_the_members(acme: ServerThread) -> None:
    with open_socket(acme, DAVE) as dave:
        ok(acme, "usergroups.update", ALICE, usergroup="S0001", description="Still the admins")
        event = recv_until(dave, of_type("subteam_updated"))
    assert event["subteam"]["description"] == "Still the admins"
    assert (event["subteam"]["users"], event["subteam"]["user_count"]) == (["U0001", "U0002"], 2)


def test_disable_and_enable_keep_the_members(acme: ServerThread) -> None:
    group = create(acme, "Seasonal")
    ok(acme, "usergroups.users.update", ALICE, usergroup=group["id"], users="U0004")
    disabled = ok(acme, "usergroups.disable", BOB, usergroup=group["id"])["usergroup"]
    assert disabled["date_delete"] > 0 and disabled["deleted_by"] == "U0002"
    assert group["id"] not in listed(acme)
    enabled = ok(acme, "usergroups.enable", ALICE, usergroup=group["id"], include_count="1")
    assert (enabled["usergroup"]["date_delete"], enabled["usergroup"]["deleted_by"]) == (0, None)
    assert enabled["usergroup"]["user_count"] == 1
    assert listed(acme, include_users="1")[group["id"]]["users"] == ["U0004"]


def test_disable_and_enable_announce_subteam_updated(acme: ServerThread) -> None:
    group = create(acme, "Flickering")
    with open_socket(acme, BOB) as bob:
        ok(acme, "usergroups.disable", ALICE, usergroup=group["id"])
        assert recv_until(bob, of_type("subteam_updated"))["subteam"]["date_delete"] > 0
        ok(acme, "usergroups.enable", ALICE, usergroup=group["id"])
        assert recv_until(bob, of_type("subteam_updated"))["subteam"]["date_delete"] == 0


def test_disabling_a_disabled_group_announces_nothing(acme: ServerThread) -> None:
    with open_socket(acme, BOB) as bob:
        ok(acme, "usergroups.disable", ALICE, usergroup="S0002")
        barrier(acme, "disable barrier")
        assert "subteam_updated" not in types_until(bob, "disable barrier")


def test_users_list_answers_the_members(acme: ServerThread) -> None:
    assert ok(acme, "usergroups.users.list", BOB, usergroup="S0001")["users"] == [
        "U0001",
        "U0002",
    ]


def test_users_list_of_a_disabled_group_needs_include_disabled(acme: ServerThread) -> None:
    assert error_of(acme, "usergroups.users.list", ALICE, usergroup="S0002") == "no_such_subteam"
    body = ok(acme, "usergroups.users.list", ALICE, usergroup="S0002", include_disabled="1")
    assert body["users"] == ["U0004"]


def test_users_update_answers_the_group_with_its_users(acme: ServerThread) -> None:
    group = create(acme, "Pair")
    body = ok(
        acme, "usergroups.users.update", ALICE, usergroup=group["id"], users="U0002, U0001,U0002"
    )
    assert body["usergroup"]["users"] == ["U0001", "U0002"]
    assert body["usergroup"]["updated_by"] == "U0001"


def test_users_update_tells_the_team_and_the_users_concerned(acme: ServerThread) -> None:
    group = create(acme, "Rotating")
    ok(acme, "usergroups.users.update", ALICE, usergroup=group["id"], users="U0001,U0002")
    with open_socket(acme, BOB) as bob, open_socket(acme, DAVE) as dave:
        ok(acme, "usergroups.users.update", ALICE, usergroup=group["id"], users="U0001,U0004")
        barrier(acme, "members barrier")
        bob_kinds, dave_kinds = (
            types_until(bob, "members barrier"),
            types_until(dave, "members barrier"),
        )
    assert bob_kinds == ["subteam_members_changed", "subteam_self_removed", "subteam_updated"]
    assert dave_kinds == ["subteam_members_changed", "subteam_self_added", "subteam_updated"]


def test_subteam_members_changed_carries_the_delta(acme: ServerThread) -> None:
    group = create(acme, "Delta")
    ok(acme, "usergroups.users.update", ALICE, usergroup=group["id"], users="U0001")
    with open_socket(acme, BOB) as bob:
        ok(acme, "usergroups.users.update", ALICE, usergroup=group["id"], users="U0002")
        event = recv_until(bob, of_type("subteam_members_changed"))
    assert (event["subteam_id"], event["team_id"]) == (group["id"], "T0001")
    assert (event["added_users"], event["added_users_count"]) == (["U0002"], "1")
    assert (event["removed_users"], event["removed_users_count"]) == (["U0001"], "1")
    assert event["date_update"] >= event["date_previous_update"]


def test_users_update_with_the_same_members_announces_nothing(acme: ServerThread) -> None:
    with open_socket(acme, BOB) as bob:
        ok(acme, "usergroups.users.update", ALICE, usergroup="S0001", users="U0002,U0001")
        barrier(acme, "same barrier")
        assert types_until(bob, "same barrier") == []


@pytest.mark.parametrize(
    ("users", "error"),
    [
        ("", "no_users_provided"),
        ("U0001,U1001", "invalid_users"),  # gina is of another team
        ("U0003", "invalid_users"),  # deactivated
        ("U9999", "invalid_users"),
    ],
)
def test_users_update_refuses_users_slack_refuses(
    acme: ServerThread, users: str, error: str
) -> None:
    assert error_of(acme, "usergroups.users.update", ALICE, usergroup="S0001", users=users) == error


@pytest.mark.parametrize(
    ("method", "args"),
    [
        ("usergroups.update", {"name": "Taken over"}),
        ("usergroups.disable", {}),
        ("usergroups.enable", {}),
        ("usergroups.users.list", {}),
        ("usergroups.users.update", {"users": "U0001"}),
    ],
)
def test_another_teams_group_is_no_such_subteam(
    acme: ServerThread, method: str, args: dict[str, str]
) -> None:
    assert error_of(acme, method, ALICE, usergroup="S1001", **args) == "no_such_subteam"
    assert error_of(acme, method, GINA, usergroup="S0001", **args) == "no_such_subteam"


@pytest.mark.parametrize(
    "method",
    [
        "usergroups.update",
        "usergroups.disable",
        "usergroups.enable",
        "usergroups.users.list",
        "usergroups.users.update",
    ],
)
def test_a_missing_or_unknown_group_is_no_such_subteam(acme: ServerThread, method: str) -> None:
    assert error_of(acme, method, ALICE, users="U0001") == "no_such_subteam"
    assert error_of(acme, method, ALICE, usergroup="S9999", users="U0001") == "no_such_subteam"


def test_changes_to_a_group_never_reach_another_team(acme: ServerThread) -> None:
    with open_socket(acme, GINA) as gina:
        group = create(acme, "Private affair")
        ok(acme, "usergroups.users.update", ALICE, usergroup=group["id"], users="U0002")
        ok(acme, "usergroups.disable", ALICE, usergroup=group["id"])
        barrier(acme, "globex barrier", channel="C1001", token=GRID_BOT)
        assert types_until(gina, "globex barrier") == []


def test_slack_sdk_drives_every_usergroups_method(acme: ServerThread) -> None:
    client = WebClient(token=ALICE, base_url=acme.base_url + "/api/")
    group = client.usergroups_create(name="SDK group", handle="sdk", description="via sdk")
    group_id = group["usergroup"]["id"]
    client.usergroups_update(usergroup=group_id, name="SDK group 2", include_count=True)
    client.usergroups_users_update(usergroup=group_id, users=["U0001", "U0004"])
    assert client.usergroups_users_list(usergroup=group_id)["users"] == ["U0001", "U0004"]
    client.usergroups_disable(usergroup=group_id)
    listed_ids = [g["id"] for g in client.usergroups_list(include_disabled=True)["usergroups"]]
    assert group_id in listed_ids
    assert client.usergroups_enable(usergroup=group_id)["usergroup"]["date_delete"] == 0
    groups = client.usergroups_list(include_users=True, include_count=True)["usergroups"]
    (mine,) = [g for g in groups if g["id"] == group_id]
    assert (mine["name"], mine["users"], mine["user_count"]) == (
        "SDK group 2",
        ["U0001", "U0004"],
        2,
    )


def test_a_token_without_the_scope_is_missing_scope(acme: ServerThread) -> None:
    body = api(acme, "usergroups.list", "xoxp-3-granular").body
    assert (body["error"], body["needed"]) == ("missing_scope", "usergroups:read")
    body = api(acme, "usergroups.create", "xoxp-3-granular", name="Scoped").body
    assert (body["error"], body["needed"]) == ("missing_scope", "usergroups:write")


def test_a_classic_bot_may_create_a_group(acme: ServerThread) -> None:
    assert create(acme, "Made by a bot", BOT)["created_by"] == "U0BOT"
