"""team_join and user_change from the admin API, for the whole team and no other."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from slackline.testing.server import ServerThread
from tests.helpers.events import (
    DAVE,
    GINA,
    GRID_BOT,
    admin,
    barrier,
    of_type,
    start_event_server,
    types_until,
)
from tests.helpers.rtm import open_socket, recv_until


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerThread]:
    thread = start_event_server(tmp_path_factory.mktemp("team"))
    yield thread
    thread.stop()


def apply_users(server: ServerThread, team: str, *users: str) -> None:
    document = {"teams": [{"id": team, "users": [{"id": u, "name": u.lower()} for u in users]}]}
    admin(server, "workspace.apply", document)


def test_a_user_created_through_the_admin_api_is_announced_with_team_join(
    server: ServerThread,
) -> None:
    with open_socket(server, DAVE) as dave:
        apply_users(server, "T0001", "U0100")
        event = recv_until(dave, of_type("team_join"))
    assert set(event) == {"type", "user"}
    user = event["user"]
    assert (user["id"], user["name"], user["team_id"], user["deleted"]) == (
        "U0100",
        "u0100",
        "T0001",
        False,
    )
    assert "profile" in user and "is_bot" in user


def test_team_join_never_reaches_another_team(server: ServerThread) -> None:
    with open_socket(server, GINA) as gina:
        apply_users(server, "T0001", "U0101")
        barrier(server, "after-u0101", channel="C1001", token=GRID_BOT)
        assert types_until(gina, "after-u0101") == []


def test_changing_a_user_through_the_admin_api_sends_user_change(server: ServerThread) -> None:
    apply_users(server, "T0001", "U0102")
    with open_socket(server, DAVE) as dave:
        document = {"teams": [{"id": "T0001", "users": [{"id": "U0102", "real_name": "New Name"}]}]}
        admin(server, "workspace.apply", document)
        event = recv_until(dave, of_type("user_change"))
    assert event["user"]["id"] == "U0102" and event["user"]["real_name"] == "New Name"
    assert set(event) == {"type", "user", "cache_ts", "event_ts"}


def test_reloading_an_unchanged_user_announces_nothing(server: ServerThread) -> None:
    apply_users(server, "T0001", "U0103")
    with open_socket(server, DAVE) as dave:
        apply_users(server, "T0001", "U0103")
        barrier(server, "after-u0103")
        assert types_until(dave, "after-u0103") == []


def test_deactivating_a_user_sends_user_change_with_deleted(server: ServerThread) -> None:
    apply_users(server, "T0001", "U0104")
    with open_socket(server, DAVE) as dave:
        admin(server, "users.deactivate", {"user": "U0104"})
        event = recv_until(dave, of_type("user_change"))
    assert event["user"]["id"] == "U0104" and event["user"]["deleted"] is True


def test_a_user_change_never_reaches_another_team(server: ServerThread) -> None:
    apply_users(server, "T0001", "U0105")
    with open_socket(server, GINA) as gina:
        admin(server, "users.deactivate", {"user": "U0105"})
        barrier(server, "after-u0105", channel="C1001", token=GRID_BOT)
        assert types_until(gina, "after-u0105") == []
