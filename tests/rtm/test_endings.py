"""Endings over real sockets (decisions E.7): goodbye or team_migration_started, then 1001."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from websockets.exceptions import ConnectionClosed
from websockets.sync.client import ClientConnection

from slackline.testing.server import ServerThread
from tests.helpers.events import admin, barrier, frames_until, start_event_server
from tests.helpers.http import api, start_server
from tests.helpers.rtm import open_socket, recv_until


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerThread]:
    thread = start_event_server(tmp_path_factory.mktemp("endings"))
    yield thread
    thread.stop()


def new_token(server: ServerThread, user: str, team: str = "T0001") -> str:
    body = admin(
        server, "tokens.create", {"team": team, "user": user, "type": "user", "scopes": ["client"]}
    )
    return str(body["token"])


def new_user(server: ServerThread, user: str) -> str:
    document = {"teams": [{"id": "T0001", "users": [{"id": user, "name": user.lower()}]}]}
    admin(server, "workspace.apply", document)
    return new_token(server, user)


def assert_ends_with(ws: ClientConnection, kind: str) -> None:
    """The next frame of that type arrives, then the server closes with 1001."""
    recv_until(ws, lambda f: f.get("type") == kind)
    with pytest.raises(ConnectionClosed) as closed:
        while True:
            ws.recv(timeout=5)
    assert closed.value.rcvd is not None and closed.value.rcvd.code == 1001


def test_auth_revoke_ends_the_tokens_sessions_with_goodbye(server: ServerThread) -> None:
    token = new_token(server, "U0004")
    with open_socket(server, token) as ws:
        assert api(server, "auth.revoke", token).body == {"ok": True, "revoked": True}
        assert_ends_with(ws, "goodbye")


def test_auth_revoke_in_test_mode_ends_nothing(server: ServerThread) -> None:
    token = new_token(server, "U0004")
    with open_socket(server, token) as ws:
        api(server, "auth.revoke", token, test="true")
        barrier(server, "after-test-revoke")
        assert [f["type"] for f in frames_until(ws, "after-test-revoke")] == ["message"]


def test_an_admin_revocation_ends_the_tokens_sessions_with_goodbye(server: ServerThread) -> None:
    token = new_token(server, "U0004")
    with open_socket(server, token) as ws:
        admin(server, "tokens.revoke", {"token": token})
        assert_ends_with(ws, "goodbye")


def test_a_revocation_leaves_the_same_users_other_tokens_connected(server: ServerThread) -> None:
    revoked, kept = new_token(server, "U0005"), new_token(server, "U0005")
    with open_socket(server, kept) as ws:
        admin(server, "tokens.revoke", {"token": revoked})
        barrier(server, "after-other-revoke")
        assert [f["type"] for f in frames_until(ws, "after-other-revoke")] == ["message"]


def test_a_revoked_token_cannot_connect_again(server: ServerThread) -> None:
    token = new_token(server, "U0004")
    admin(server, "tokens.revoke", {"token": token})
    assert api(server, "rtm.connect", token).body["error"] == "token_revoked"


def test_a_deactivated_users_sessions_get_goodbye(server: ServerThread) -> None:
    token = new_user(server, "U0200")
    with open_socket(server, token) as ws:
        admin(server, "users.deactivate", {"user": "U0200"})
        assert_ends_with(ws, "goodbye")


def test_every_session_of_a_deactivated_user_ends(server: ServerThread) -> None:
    token = new_user(server, "U0201")
    other = new_token(server, "U0201")
    with open_socket(server, token) as first, open_socket(server, other) as second:
        admin(server, "users.deactivate", {"user": "U0201"})
        assert_ends_with(first, "goodbye")
        assert_ends_with(second, "goodbye")


def test_a_user_deleted_by_a_workspace_document_gets_goodbye(server: ServerThread) -> None:
    token = new_user(server, "U0202")
    with open_socket(server, token) as ws:
        document = {"teams": [{"id": "T0001", "users": [{"id": "U0202", "deleted": True}]}]}
        admin(server, "workspace.apply", document)
        assert_ends_with(ws, "goodbye")


def test_a_deactivation_leaves_other_users_connected(server: ServerThread) -> None:
    token = new_user(server, "U0203")
    with open_socket(server, "xoxp-dave-client") as dave:
        admin(server, "users.deactivate", {"user": "U0203"})
        barrier(server, "after-u0203")
        kinds = [f["type"] for f in frames_until(dave, "after-u0203")]
        assert "goodbye" not in kinds
    assert token


def test_a_deactivated_user_cannot_connect_again(server: ServerThread) -> None:
    token = new_user(server, "U0204")
    admin(server, "users.deactivate", {"user": "U0204"})
    assert api(server, "rtm.connect", token).body["error"] == "token_revoked"


@pytest.fixture
def own_server(tmp_path: Path) -> Iterator[ServerThread]:
    """A server of its own: these tests put a team into migration."""
    thread = start_event_server(tmp_path)
    yield thread
    thread.stop()


def test_a_team_entering_migration_gets_team_migration_started(own_server: ServerThread) -> None:
    with (
        open_socket(own_server, "xoxp-1-client") as alice,
        open_socket(own_server, "xoxb-1-classic") as bot,
    ):
        admin(own_server, "teams.update", {"team": "T0001", "state": "migrating"})
        assert_ends_with(alice, "team_migration_started")
        assert_ends_with(bot, "team_migration_started")


def test_a_migrating_team_answers_rtm_connect_with_migration_in_progress(
    own_server: ServerThread,
) -> None:
    with open_socket(own_server, "xoxp-1-client") as alice:
        admin(own_server, "teams.update", {"team": "T0001", "state": "migrating"})
        assert_ends_with(alice, "team_migration_started")
    body = api(own_server, "rtm.connect", "xoxp-1-client").body
    assert body == {"ok": False, "error": "migration_in_progress"}


def test_a_migration_leaves_other_teams_connected(own_server: ServerThread) -> None:
    with open_socket(own_server, "xoxp-grid-user") as gina:
        admin(own_server, "teams.update", {"team": "T0001", "state": "migrating"})
        barrier(own_server, "after-migration", channel="C1001", token="xoxb-grid-bot")
        assert [f["type"] for f in frames_until(gina, "after-migration")] == ["message"]


def test_a_session_past_its_maximum_age_gets_goodbye_then_a_1001_close(tmp_path: Path) -> None:
    server = start_server(tmp_path, max_session_age_secs=0.05)
    try:
        with open_socket(server, "xoxb-1-classic") as bot:
            assert recv_until(bot, lambda frame: True) == {"type": "goodbye"}
            with pytest.raises(ConnectionClosed) as closed:
                bot.recv(timeout=5)
            assert closed.value.rcvd is not None and closed.value.rcvd.code == 1001
    finally:
        server.stop()
