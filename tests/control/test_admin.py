"""The admin HTTP API, through real HTTP against a real server; and Slack's auth.revoke."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from slackline.testing.server import ServerThread
from tests.helpers.http import HttpResult, api, http_request, start_server

ADMIN_TOKEN = "admin-secret-for-tests"


@pytest.fixture
def server(tmp_path: Path) -> Iterator[ServerThread]:
    """A fresh server with the admin API on (tests here change the workspace)."""
    thread = start_server(tmp_path, admin_token=ADMIN_TOKEN)
    yield thread
    thread.stop()


def admin(
    server: ServerThread,
    endpoint: str,
    body: dict[str, Any] | str,
    *,
    token: str | None = ADMIN_TOKEN,
    content_type: str = "application/json",
) -> HttpResult:
    """POST to an admin endpoint with the admin token."""
    headers = {"Content-Type": content_type}
    if token is not None:
        headers["Authorization"] = f"Bearer {token}"
    data = body if isinstance(body, str) else json.dumps(body)
    return http_request(server.port, "POST", f"/_slackline/admin/{endpoint}", data, headers)


def rtm_error(server: ServerThread, token: str) -> str | None:
    """What rtm.connect answers for a token: None when it succeeds, else the error."""
    body = api(server, "rtm.connect", token).body
    return None if body["ok"] else str(body["error"])


# Access


def test_admin_paths_answer_404_when_no_admin_token_is_configured(tmp_path: Path) -> None:
    plain = start_server(tmp_path)
    try:
        result = admin(plain, "tokens.revoke", {"token": "xoxb-1-classic"})
    finally:
        plain.stop()
    assert (result.status, result.body) == (404, {"ok": False, "error": "not_found"})


def test_a_request_without_the_admin_token_is_401(server: ServerThread) -> None:
    result = admin(server, "tokens.revoke", {"token": "xoxb-1-classic"}, token=None)
    assert (result.status, result.body["error"]) == (401, "not_authed")
    assert result.headers["www-authenticate"].startswith("Bearer")


def test_a_wrong_admin_token_is_401(server: ServerThread) -> None:
    result = admin(server, "tokens.revoke", {"token": "xoxb-1-classic"}, token="guess")
    assert (result.status, result.body["error"]) == (401, "invalid_auth")


def test_a_wrong_admin_token_changes_nothing(server: ServerThread) -> None:
    admin(server, "tokens.revoke", {"token": "xoxb-1-classic"}, token="guess")
    assert rtm_error(server, "xoxb-1-classic") is None


def test_an_unknown_endpoint_is_404(server: ServerThread) -> None:
    result = admin(server, "tokens.destroy", {})
    assert (result.status, result.body["error"]) == (404, "unknown_endpoint")


def test_admin_endpoints_refuse_get(server: ServerThread) -> None:
    headers = {"Authorization": f"Bearer {ADMIN_TOKEN}"}
    result = http_request(server.port, "GET", "/_slackline/admin/tokens.create", headers=headers)
    assert (result.status, result.body["error"], result.headers["allow"]) == (
        405, "method_not_allowed", "POST",
    )  # fmt: skip


def test_a_body_that_is_not_json_is_400(server: ServerThread) -> None:
    result = admin(server, "tokens.create", "{not json")
    assert (result.status, result.body["ok"], result.body["error"]) == (400, False, "invalid_json")


def test_a_json_body_that_is_not_an_object_is_400(server: ServerThread) -> None:
    result = admin(server, "tokens.create", "[1, 2]")
    assert (result.status, result.body["error"]) == (400, "json_not_object")


# workspace.apply


NEW_TEAM_YAML = """
teams:
  - id: T0100
    name: Newco
    users: [{id: U0100, name: nora}]
    bots: [{id: B0100, user_id: U0100BOT, name: newbot}]
    conversations: [{id: C0100, name: general, members: [U0100, U0100BOT]}]
    tokens:
      - {token: xoxb-newco, user: U0100BOT}
      - {token: xoxp-newco, user: U0100}
"""


def test_applying_a_yaml_document_answers_the_teams_it_declared(server: ServerThread) -> None:
    result = admin(server, "workspace.apply", NEW_TEAM_YAML, content_type="application/yaml")
    assert (result.status, result.body) == (200, {"ok": True, "teams": ["T0100"]})


def test_tokens_applied_in_a_document_work_at_once(server: ServerThread) -> None:
    admin(server, "workspace.apply", NEW_TEAM_YAML, content_type="application/yaml")
    body = api(server, "rtm.connect", "xoxb-newco").body
    assert (body["ok"], body["self"], body["team"]["id"]) == (
        True, {"id": "U0100BOT", "name": "newbot"}, "T0100",
    )  # fmt: skip


def test_applying_a_json_document_works(server: ServerThread) -> None:
    document = {"teams": [{"id": "T0001", "users": [{"id": "U0009", "name": "zed"}]}]}
    admin(server, "workspace.apply", json.dumps(document))
    assert api(server, "users.info", "xoxb-1-classic", user="U0009").body["user"]["name"] == "zed"


def test_an_applied_document_can_change_a_team_state(server: ServerThread) -> None:
    admin(server, "workspace.apply", "teams: [{id: T0001, state: migrating}]")
    assert rtm_error(server, "xoxb-1-classic") == "migration_in_progress"


def test_an_invalid_document_is_400_naming_the_place(server: ServerThread) -> None:
    result = admin(server, "workspace.apply", "teams: [{id: T0001, state: frozen}]")
    assert (result.status, result.body["error"]) == (400, "invalid_workspace")
    assert result.body["detail"].startswith("teams[0].state: unknown state 'frozen'")


def test_a_document_that_is_not_yaml_is_400(server: ServerThread) -> None:
    result = admin(server, "workspace.apply", "teams: [\n")
    assert (result.status, result.body["error"]) == (400, "invalid_workspace")


# tokens.create


@pytest.mark.parametrize(
    ("kind", "user", "prefix"),
    [
        ("classic_bot", "U0BOT", "xoxb-"),
        ("granular_bot", "U0BOT", "xoxb-"),
        ("user", "U0001", "xoxp-"),
        ("app", "U0BOT", "xapp-"),
        ("workspace", "U0BOT", "xoxa-"),
        ("org", "U0BOT", "xoxe-"),
    ],
)
def test_a_created_token_has_the_prefix_of_its_type(
    server: ServerThread, kind: str, user: str, prefix: str
) -> None:
    result = admin(server, "tokens.create", {"team": "T0001", "user": user, "type": kind})
    assert result.status == 200 and result.body["token"].startswith(prefix)


def test_a_created_token_works_at_once(server: ServerThread) -> None:
    created = admin(server, "tokens.create", {"team": "T0001", "user": "U0BOT"}).body
    body = api(server, "auth.test", created["token"]).body
    assert (body["ok"], body["user_id"], body["bot_id"]) == (True, "U0BOT", "B0001")


def test_a_created_token_gets_the_default_scopes_of_its_type(server: ServerThread) -> None:
    body = admin(server, "tokens.create", {"team": "T0001", "user": "U0002", "type": "user"}).body
    assert (body["type"], body["scopes"]) == ("user", ["client"])


def test_a_created_token_keeps_the_scopes_it_was_given(server: ServerThread) -> None:
    request = {"team": "T0001", "user": "U0002", "type": "user", "scopes": ["chat:write"]}
    created = admin(server, "tokens.create", request).body
    assert rtm_error(server, created["token"]) == "missing_scope"


def test_a_token_can_be_created_with_chosen_text(server: ServerThread) -> None:
    request = {"team": "T0001", "user": "U0BOT", "token": "xoxb-chosen-text"}
    assert admin(server, "tokens.create", request).body["token"] == "xoxb-chosen-text"
    assert rtm_error(server, "xoxb-chosen-text") is None


def test_creating_a_token_that_exists_is_409(server: ServerThread) -> None:
    request = {"team": "T0001", "user": "U0BOT", "token": "xoxb-1-classic"}
    result = admin(server, "tokens.create", request)
    assert (result.status, result.body["error"]) == (409, "token_exists")


@pytest.mark.parametrize(
    ("request_body", "error"),
    [
        ({"team": "T0404", "user": "U0BOT"}, "team_not_found"),
        ({"team": "T0001", "user": "U0404"}, "user_not_found"),
        ({"team": "T0002", "user": "U0BOT"}, "user_not_found"),
    ],
)
def test_a_token_for_an_unknown_team_or_user_is_404(
    server: ServerThread, request_body: dict[str, str], error: str
) -> None:
    result = admin(server, "tokens.create", request_body)
    assert (result.status, result.body["error"]) == (404, error)


@pytest.mark.parametrize(
    ("request_body", "detail"),
    [
        ({"user": "U0BOT"}, "team: required"),
        ({"team": "T0001"}, "user: required"),
        ({"team": "T0001", "user": "U0BOT", "type": "legacy"}, "type: unknown token type"),
        ({"team": "T0001", "user": "U0BOT", "scopes": "a,b"}, "token.scopes: expected a list"),
        ({"team": "T0001", "user": "U0BOT", "expires_at": "soon"}, "not an ISO 8601 timestamp"),
        ({"team": "T0001", "user": "U0BOT", "colour": "red"}, "unknown key 'colour'"),
    ],
)
def test_bad_token_requests_are_400_with_a_clear_message(
    server: ServerThread, request_body: dict[str, str], detail: str
) -> None:
    result = admin(server, "tokens.create", request_body)
    assert (result.status, result.body["error"]) == (400, "invalid_arguments")
    assert detail in result.body["detail"]


def test_created_token_text_is_never_logged(
    server: ServerThread, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.DEBUG):
        text = admin(server, "tokens.create", {"team": "T0001", "user": "U0BOT"}).body["token"]
    assert "created a classic_bot token" in caplog.text
    assert text not in caplog.text


# tokens.revoke, users.deactivate


def test_a_revoked_token_answers_token_revoked_at_once(server: ServerThread) -> None:
    assert rtm_error(server, "xoxb-1-classic") is None  # now cached
    result = admin(server, "tokens.revoke", {"token": "xoxb-1-classic"})
    assert (result.status, result.body) == (200, {"ok": True, "revoked": True})
    assert rtm_error(server, "xoxb-1-classic") == "token_revoked"


def test_revoking_an_unknown_token_is_404(server: ServerThread) -> None:
    result = admin(server, "tokens.revoke", {"token": "xoxb-never-issued"})
    assert (result.status, result.body["error"]) == (404, "token_not_found")


def test_a_deactivated_users_token_answers_token_revoked_at_once(server: ServerThread) -> None:
    assert rtm_error(server, "xoxp-1-client") is None
    result = admin(server, "users.deactivate", {"user": "U0001"})
    assert (result.status, result.body) == (200, {"ok": True, "user": "U0001", "deleted": True})
    assert rtm_error(server, "xoxp-1-client") == "token_revoked"


def test_a_deactivated_bot_users_token_answers_account_inactive(server: ServerThread) -> None:
    assert rtm_error(server, "xoxb-1-classic") is None
    admin(server, "users.deactivate", {"user": "U0BOT"})
    assert rtm_error(server, "xoxb-1-classic") == "account_inactive"


def test_deactivating_an_unknown_user_is_404(server: ServerThread) -> None:
    result = admin(server, "users.deactivate", {"user": "U0404"})
    assert (result.status, result.body["error"]) == (404, "user_not_found")


# teams.update


def test_a_team_set_migrating_answers_migration_in_progress_at_once(server: ServerThread) -> None:
    assert rtm_error(server, "xoxb-1-classic") is None
    result = admin(server, "teams.update", {"team": "T0001", "state": "migrating"})
    assert (result.status, result.body["team"]["state"]) == (200, "migrating")
    assert rtm_error(server, "xoxb-1-classic") == "migration_in_progress"


def test_a_team_set_back_to_active_lets_rtm_connect_through(server: ServerThread) -> None:
    assert rtm_error(server, "xoxb-migrating") == "migration_in_progress"
    admin(server, "teams.update", {"team": "T0003", "state": "active"})
    assert rtm_error(server, "xoxb-migrating") is None


@pytest.mark.parametrize(
    ("change", "token", "error"),
    [
        ({"state": "added_to_org"}, "xoxb-1-classic", "team_added_to_org"),
        ({"state": "org_login_required"}, "xoxb-1-classic", "org_login_required"),
        ({"state": "deleted"}, "xoxb-1-classic", "account_inactive"),
        ({"ekm_revoked": True}, "xoxb-1-classic", "ekm_access_denied"),
        ({"require_2fa": True}, "xoxp-2-stream", "two_factor_setup_required"),
        ({"allowed_networks": ["10.0.0.0/8"]}, "xoxb-1-classic", "accesslimited"),
        ({"rtm_denied": ["U0BOT"]}, "xoxb-1-classic", "access_denied"),
    ],
)
def test_team_states_and_policies_apply_at_once(
    server: ServerThread, change: dict[str, Any], token: str, error: str
) -> None:
    assert rtm_error(server, token) is None
    assert admin(server, "teams.update", {"team": "T0001", **change}).status == 200
    assert rtm_error(server, token) == error


def test_teams_update_answers_the_whole_team(server: ServerThread) -> None:
    team = admin(server, "teams.update", {"team": "T0002", "require_2fa": True}).body["team"]
    assert team == {
        "id": "T0002",
        "name": "Globex",
        "domain": "globex",
        "email_domain": "",
        "enterprise": {"id": "E0001", "name": "Globex Grid"},
        "state": "active",
        "ekm_revoked": False,
        "require_2fa": True,
        "allowed_networks": [],
        "rtm_denied": [],
    }


def test_updating_an_unknown_team_is_404(server: ServerThread) -> None:
    result = admin(server, "teams.update", {"team": "T0404", "state": "active"})
    assert (result.status, result.body["error"]) == (404, "team_not_found")


def test_an_unknown_team_state_is_400(server: ServerThread) -> None:
    result = admin(server, "teams.update", {"team": "T0001", "state": "frozen"})
    assert (result.status, result.body["error"]) == (400, "invalid_arguments")
    assert "unknown state 'frozen'" in result.body["detail"]


def test_teams_update_does_not_take_users(server: ServerThread) -> None:
    result = admin(server, "teams.update", {"team": "T0001", "users": [{"id": "U9"}]})
    assert (result.status, result.body["error"]) == (400, "invalid_arguments")


# Slack's auth.revoke


def test_auth_revoke_revokes_the_calling_token(server: ServerThread) -> None:
    assert api(server, "auth.revoke", "xoxp-1-client").body == {"ok": True, "revoked": True}
    assert api(server, "auth.test", "xoxp-1-client").body["error"] == "token_revoked"


def test_auth_revoke_with_test_does_not_revoke(server: ServerThread) -> None:
    result = api(server, "auth.revoke", "xoxp-1-client", test="1")
    assert result.body == {"ok": True, "revoked": False}
    assert api(server, "auth.test", "xoxp-1-client").body["ok"] is True
