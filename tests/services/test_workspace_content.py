"""Custom emoji, user groups and profile fields from workspace documents loaded into a
running server (``workspace.apply``): what each load stores and announces (``emoji_changed``,
``subteam_*``) to the team and no other, what a reload leaves alone, and the references a
document may not break."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest

from slackline.testing.server import ServerThread
from tests.helpers.events import (
    ADMIN_TOKEN,
    ALICE,
    BOB,
    DAVE,
    GINA,
    GRID_BOT,
    admin,
    barrier,
    of_type,
    ok,
    start_event_server,
    types_until,
)
from tests.helpers.http import http_request, serving
from tests.helpers.rtm import open_socket, recv_until


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerThread]:
    """The event tests' workspace, admin API on."""
    yield from serving(start_event_server(tmp_path_factory.mktemp("content")))


def apply(server: ServerThread, **team: Any) -> None:
    """workspace.apply of one Acme declaration."""
    admin(server, "workspace.apply", {"teams": [{"id": "T0001", **team}]})


def refused(server: ServerThread, **team: Any) -> str:
    """workspace.apply that must fail; its detail."""
    headers = {"Authorization": f"Bearer {ADMIN_TOKEN}", "Content-Type": "application/json"}
    document = json.dumps({"teams": [{"id": "T0001", **team}]})
    result = http_request(
        server.port, "POST", "/_slackline/admin/workspace.apply", document, headers
    )
    assert (result.status, result.body["error"]) == (400, "invalid_workspace"), result.body
    return str(result.body["detail"])


def test_a_declared_emoji_is_announced_once(server: ServerThread) -> None:
    with open_socket(server, BOB) as bob:
        apply(server, emoji={"loaded": "alias:tada"})
        event = recv_until(bob, of_type("emoji_changed"))
        apply(server, emoji={"loaded": "alias:tada"})
        barrier(server, "emoji reload barrier")
        assert "emoji_changed" not in types_until(bob, "emoji reload barrier")
    assert (event["subtype"], event["name"], event["value"]) == ("add", "loaded", "alias:tada")


def test_a_declared_group_is_created_with_its_members(server: ServerThread) -> None:
    group = {"id": "S0100", "name": "Loaded", "users": ["U0001", "U0004"]}
    with open_socket(server, DAVE) as dave, open_socket(server, GINA) as gina:
        apply(server, usergroups=[group])
        created = recv_until(dave, of_type("subteam_created"))
        assert recv_until(dave, of_type("subteam_self_added"))["subteam_id"] == "S0100"
        barrier(server, "group globex barrier", channel="C1001", token=GRID_BOT)
        assert types_until(gina, "group globex barrier") == []
    assert (created["subteam"]["handle"], created["subteam"]["users"]) == (
        "loaded",
        ["U0001", "U0004"],
    )


def test_declaring_more_members_adds_them_and_keeps_the_others(server: ServerThread) -> None:
    apply(server, usergroups=[{"id": "S0101", "name": "Growing", "users": ["U0001"]}])
    with open_socket(server, BOB) as bob:
        apply(server, usergroups=[{"id": "S0101", "users": ["U0002"]}])
        changed = recv_until(bob, of_type("subteam_members_changed"))
    assert (changed["added_users"], changed["removed_users"]) == (["U0002"], [])
    users = ok(server, "usergroups.users.list", ALICE, usergroup="S0101")["users"]
    assert users == ["U0001", "U0002"]


def test_reloading_the_same_group_announces_nothing(server: ServerThread) -> None:
    group = {"id": "S0102", "name": "Steady", "users": ["U0001"]}
    apply(server, usergroups=[group])
    with open_socket(server, BOB) as bob:
        apply(server, usergroups=[group])
        barrier(server, "group reload barrier")
        assert types_until(bob, "group reload barrier") == []


def test_a_group_can_be_disabled_by_the_file(server: ServerThread) -> None:
    apply(server, usergroups=[{"id": "S0103", "name": "Switch"}])
    apply(server, usergroups=[{"id": "S0103", "disabled": True}])
    groups = ok(server, "usergroups.list", ALICE)["usergroups"]
    assert "S0103" not in [g["id"] for g in groups]


def test_a_declared_profile_field_is_served(server: ServerThread) -> None:
    apply(server, profile_fields=[{"id": "Xf10", "label": "Desk", "ordering": 3}])
    fields = ok(server, "team.profile.get", ALICE)["profile"]["fields"]
    assert [f["label"] for f in fields if f["id"] == "Xf10"] == ["Desk"]


@pytest.mark.parametrize(
    ("team", "where"),
    [
        ({"usergroups": [{"id": "S0190", "name": "X", "users": ["U1001"]}]}, "usergroups[0]"),
        ({"usergroups": [{"id": "S0191", "name": "X", "channels": ["G0001"]}]}, "usergroups[0]"),
        ({"usergroups": [{"id": "S0192", "name": "X", "handle": "here"}]}, "usergroups[0]"),
        ({"usergroups": [{"id": "S1001", "name": "X"}]}, "usergroups[0]"),
        ({"emoji": {"Bad Name": "alias:x"}}, "emoji"),
        ({"emoji": {"fine": "ftp://x"}}, "emoji"),
        ({"profile_fields": [{"id": "Xf11", "type": "colour"}]}, "profile_fields[0]"),
    ],
)
def test_a_document_that_breaks_a_rule_changes_nothing(
    server: ServerThread, team: dict[str, Any], where: str
) -> None:
    if team.get("usergroups", [{}])[0].get("id") == "S1001":
        # S1001 belongs to Globex once declared there.
        admin(server, "workspace.apply", {"teams": [{"id": "T0002", "usergroups": [
            {"id": "S1001", "name": "Globex group"}]}]})  # fmt: skip
    assert where in refused(server, **team)
