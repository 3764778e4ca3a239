"""users.list, users.info, users.getPresence, users.setPresence, users.profile.get/set."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from slackline.testing.server import ServerThread
from tests.helpers.events import recorded_events
from tests.helpers.http import WORKSPACE_FILE, api, start_server

# Added to the test workspace's team T0001: an admin, an owner, and tokens with the
# granular user scopes these methods accept.
EXTRA_WORKSPACE = """
teams:
  - id: T0001
    users:
      - {id: U0006, name: frank, real_name: Frank Admin, is_admin: true}
      - {id: U0007, name: olga, real_name: Olga Owner, is_admin: true, is_owner: true}
    tokens:
      - {token: xoxp-u-bob, user: U0002, type: user, scopes: [users:read, users:write,
         users.profile:read, users.profile:write]}
      - {token: xoxp-u-frank, user: U0006, type: user, scopes: [users:read, users:write,
         users.profile:read, users.profile:write]}
      - {token: xoxp-u-olga, user: U0007, type: user, scopes: [users:read, users:write,
         users.profile:read, users.profile:write]}
"""
ACME_USERS = [
    "U0001", "U0002", "U0003", "U0004", "U0005", "U0006", "U0007",
    "U0BOT", "U0DEADBOT", "U0DENIED",
]  # fmt: skip
ALICE = "xoxp-1-client"
BOT = "xoxb-1-classic"
BOB = "xoxp-u-bob"
FRANK = "xoxp-u-frank"
OLGA = "xoxp-u-olga"
GRID_USER = "xoxp-grid-user"


@pytest.fixture(scope="module")
def acme(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerThread]:
    """A server with the test workspace plus the extra users and tokens above."""
    tmp_path = tmp_path_factory.mktemp("users")
    extra = tmp_path / "extra.yaml"
    extra.write_text(EXTRA_WORKSPACE)
    thread = start_server(tmp_path, workspaces=(WORKSPACE_FILE, str(extra)))
    yield thread
    thread.stop()


def open_session(server: ServerThread, team_id: str, user_id: str) -> None:
    """Tell the presence service an RTM session opened, as the socket server will."""
    assert server.app is not None
    server.run(server.app.shared.presence.session_opened(team_id, user_id))


def close_session(server: ServerThread, team_id: str, user_id: str) -> None:
    """Tell the presence service an RTM session closed."""
    assert server.app is not None
    server.run(server.app.shared.presence.session_closed(team_id, user_id))


def ok(server: ServerThread, method: str, token: str, **args: str) -> dict[str, Any]:
    """Call a method that must succeed; return its body."""
    result = api(server, method, token, **args)
    assert result.body["ok"] is True, result.body
    return result.body


def error_of(server: ServerThread, method: str, token: str, **args: str) -> str:
    """Call a method that must fail; return its error code."""
    result = api(server, method, token, **args)
    assert result.status == 200
    assert result.body["ok"] is False
    return str(result.body["error"])


# users.list


def test_users_list_returns_every_member_of_the_team_with_cache_ts(acme: ServerThread) -> None:
    body = ok(acme, "users.list", BOT)
    members = body["members"]
    assert isinstance(members, list)
    assert [m["id"] for m in members] == ACME_USERS
    assert isinstance(body["cache_ts"], int)
    assert body["response_metadata"] == {"next_cursor": ""}


def test_users_list_pages_with_limit_and_ends_with_an_empty_cursor(acme: ServerThread) -> None:
    seen: list[str] = []
    cursor = ""
    pages = 0
    while True:
        body = ok(acme, "users.list", BOT, limit="2", cursor=cursor)
        members = body["members"]
        assert isinstance(members, list) and len(members) <= 2
        seen += [m["id"] for m in members]
        pages += 1
        cursor = body["response_metadata"]["next_cursor"]
        if not cursor:
            break
    assert seen == ACME_USERS
    assert pages == 5


def test_users_list_never_shows_another_teams_users(acme: ServerThread) -> None:
    body = ok(acme, "users.list", GRID_USER)
    assert [m["id"] for m in body["members"]] == ["U1001", "U1BOT"]


def test_users_list_rejects_a_cursor_it_did_not_issue(acme: ServerThread) -> None:
    assert error_of(acme, "users.list", BOT, cursor="bm90LWEtY3Vyc29y") == "invalid_cursor"


def test_users_list_rejects_a_negative_limit(acme: ServerThread) -> None:
    assert error_of(acme, "users.list", BOT, limit="-1") == "invalid_limit"


def test_users_list_needs_the_users_read_scope(acme: ServerThread) -> None:
    result = api(acme, "users.list", "xoxp-3-granular")
    assert result.body["error"] == "missing_scope"
    assert result.body["needed"] == "users:read"


# users.info


def test_users_info_returns_slacks_user_object(acme: ServerThread) -> None:
    user = ok(acme, "users.info", BOT, user="U0002")["user"]
    assert isinstance(user, dict)
    assert user["id"] == "U0002"
    assert user["team_id"] == "T0001"
    assert user["name"] == "bob"
    assert user["is_bot"] is False
    assert user["is_app_user"] is False
    assert isinstance(user["updated"], int)
    assert user["profile"]["team"] == "T0001"


def test_users_info_shows_has_2fa_to_admins_only(acme: ServerThread) -> None:
    assert ok(acme, "users.info", ALICE, user="U0001")["user"]["has_2fa"] is True
    assert "has_2fa" not in ok(acme, "users.info", BOT, user="U0001")["user"]


def test_users_info_adds_locale_when_asked(acme: ServerThread) -> None:
    user = ok(acme, "users.info", BOT, user="U0002", include_locale="true")["user"]
    assert user["locale"] == "en-US"


def test_users_info_without_user_is_user_not_found(acme: ServerThread) -> None:
    assert error_of(acme, "users.info", BOT) == "user_not_found"


def test_users_info_for_an_unknown_id_is_user_not_found(acme: ServerThread) -> None:
    assert error_of(acme, "users.info", BOT, user="U9999") == "user_not_found"


def test_users_info_for_another_teams_user_is_user_not_found(acme: ServerThread) -> None:
    assert error_of(acme, "users.info", BOT, user="U1001") == "user_not_found"


# users.getPresence


def test_get_presence_of_oneself_without_sessions_is_away_and_offline(acme: ServerThread) -> None:
    body = ok(acme, "users.getPresence", ALICE)
    assert body["presence"] == "away"
    assert body["online"] is False
    assert body["auto_away"] is False
    assert body["manual_away"] is False
    assert body["connection_count"] == 0
    assert "last_activity" not in body


def test_get_presence_of_oneself_with_a_session_is_active_and_online(acme: ServerThread) -> None:
    open_session(acme, "T0001", "U0BOT")
    try:
        body = ok(acme, "users.getPresence", BOT)
    finally:
        close_session(acme, "T0001", "U0BOT")
    assert body["presence"] == "active"
    assert body["online"] is True
    assert body["connection_count"] == 1
    assert isinstance(body["last_activity"], int)


def test_get_presence_of_another_user_reports_only_presence(acme: ServerThread) -> None:
    assert ok(acme, "users.getPresence", BOT, user="U0004") == {"ok": True, "presence": "away"}


def test_get_presence_of_another_teams_user_is_user_not_found(acme: ServerThread) -> None:
    assert error_of(acme, "users.getPresence", BOT, user="U1001") == "user_not_found"


def test_closing_the_last_session_makes_a_user_away(acme: ServerThread) -> None:
    open_session(acme, "T0001", "U0004")
    close_session(acme, "T0001", "U0004")
    assert ok(acme, "users.getPresence", BOT, user="U0004")["presence"] == "away"


# users.setPresence


def test_set_presence_rejects_values_other_than_auto_and_away(acme: ServerThread) -> None:
    assert error_of(acme, "users.setPresence", OLGA, presence="active") == "invalid_presence"


def test_set_presence_without_presence_is_invalid_presence(acme: ServerThread) -> None:
    assert error_of(acme, "users.setPresence", OLGA) == "invalid_presence"


def test_set_presence_away_overrides_an_open_session_until_auto(acme: ServerThread) -> None:
    open_session(acme, "T0001", "U0007")
    try:
        ok(acme, "users.setPresence", OLGA, presence="away")
        away = ok(acme, "users.getPresence", OLGA)
        ok(acme, "users.setPresence", OLGA, presence="auto")
        back = ok(acme, "users.getPresence", OLGA)
    finally:
        close_session(acme, "T0001", "U0007")
    assert (away["presence"], away["manual_away"], away["online"]) == ("away", True, True)
    assert (back["presence"], back["manual_away"]) == ("active", False)


def test_set_presence_announces_to_own_sessions_and_to_the_team(acme: ServerThread) -> None:
    with recorded_events(acme) as events:
        ok(acme, "users.setPresence", FRANK, presence="away")
    ok(acme, "users.setPresence", FRANK, presence="auto")
    manual, change = events
    assert manual.payload == {"type": "manual_presence_change", "presence": "away"}
    assert manual.audience == frozenset({"U0006"})
    assert change.payload == {"type": "presence_change", "user": "U0006", "presence": "away"}
    assert change.audience is None
    assert change.team_id == "T0001"


def test_set_presence_to_the_current_value_announces_nothing(acme: ServerThread) -> None:
    ok(acme, "users.setPresence", BOB, presence="away")
    with recorded_events(acme) as events:
        ok(acme, "users.setPresence", BOB, presence="away")
    ok(acme, "users.setPresence", BOB, presence="auto")
    assert events == []


def test_set_presence_needs_the_users_write_scope(acme: ServerThread) -> None:
    result = api(acme, "users.setPresence", "xoxp-3-granular", presence="away")
    assert (result.body["error"], result.body["needed"]) == ("missing_scope", "users:write")


# users.profile.get


def test_profile_get_returns_the_callers_profile(acme: ServerThread) -> None:
    profile = ok(acme, "users.profile.get", ALICE)["profile"]
    assert profile["real_name"] == "Alice Example"


def test_profile_get_returns_another_members_profile(acme: ServerThread) -> None:
    profile = ok(acme, "users.profile.get", ALICE, user="U0005")["profile"]
    assert profile["team"] == "T0001"


def test_profile_get_for_another_teams_user_is_user_not_found(acme: ServerThread) -> None:
    assert error_of(acme, "users.profile.get", ALICE, user="U1001") == "user_not_found"


# users.profile.set


def test_profile_set_with_a_json_profile_changes_what_users_info_shows(
    acme: ServerThread,
) -> None:
    profile = json.dumps({"status_text": "riding a train", "status_emoji": ":train:"})
    body = ok(acme, "users.profile.set", BOB, profile=profile)
    assert body["profile"]["status_text"] == "riding a train"
    shown = ok(acme, "users.info", BOT, user="U0002")["user"]["profile"]
    assert (shown["status_text"], shown["status_emoji"]) == ("riding a train", ":train:")


def test_profile_set_with_name_and_value_changes_one_field(acme: ServerThread) -> None:
    ok(acme, "users.profile.set", BOB, name="title", value="Bridge keeper")
    assert ok(acme, "users.profile.get", BOB)["profile"]["title"] == "Bridge keeper"


def test_profile_set_derives_real_name_from_first_and_last_name(acme: ServerThread) -> None:
    ok(acme, "users.profile.set", OLGA, profile='{"first_name":"Olga","last_name":"Ownerova"}')
    user = ok(acme, "users.info", BOT, user="U0007")["user"]
    assert user["real_name"] == "Olga Ownerova"


def test_profile_set_announces_user_change_to_the_team(acme: ServerThread) -> None:
    with recorded_events(acme) as events:
        ok(acme, "users.profile.set", BOB, name="phone", value="555-0100")
    (event,) = events
    assert event.payload["type"] == "user_change"
    assert event.payload["user"]["id"] == "U0002"
    assert event.payload["user"]["profile"]["phone"] == "555-0100"
    assert event.audience is None


def test_profile_set_with_broken_json_is_invalid_profile(acme: ServerThread) -> None:
    assert error_of(acme, "users.profile.set", BOB, profile="{not json") == "invalid_profile"


def test_profile_set_with_a_json_array_is_invalid_profile(acme: ServerThread) -> None:
    assert error_of(acme, "users.profile.set", BOB, profile="[]") == "invalid_profile"


def test_profile_set_with_a_non_string_value_is_invalid_profile(acme: ServerThread) -> None:
    assert error_of(acme, "users.profile.set", BOB, profile='{"title": 7}') == "invalid_profile"


def test_profile_set_with_nothing_to_set_is_invalid_profile(acme: ServerThread) -> None:
    assert error_of(acme, "users.profile.set", BOB) == "invalid_profile"


def test_profile_set_on_someone_else_needs_an_admin(acme: ServerThread) -> None:
    error = error_of(acme, "users.profile.set", BOB, user="U0005", name="title", value="x")
    assert error == "not_admin"


def test_an_admin_may_set_a_members_profile(acme: ServerThread) -> None:
    ok(acme, "users.profile.set", FRANK, user="U0005", name="title", value="Intern")
    assert ok(acme, "users.profile.get", BOT, user="U0005")["profile"]["title"] == "Intern"


def test_an_admin_who_is_not_owner_cannot_update_another_admin(acme: ServerThread) -> None:
    error = error_of(acme, "users.profile.set", FRANK, user="U0001", name="title", value="x")
    assert error == "cannot_update_admin_user"


def test_an_owner_may_update_an_admins_profile(acme: ServerThread) -> None:
    ok(acme, "users.profile.set", OLGA, user="U0001", name="title", value="Chief")
    assert ok(acme, "users.profile.get", ALICE)["profile"]["title"] == "Chief"


def test_profile_set_for_another_teams_user_is_user_not_found(acme: ServerThread) -> None:
    error = error_of(acme, "users.profile.set", OLGA, user="U1001", name="title", value="x")
    assert error == "user_not_found"


def test_manual_away_survives_a_restart(tmp_path: Path) -> None:
    first = start_server(tmp_path)
    try:
        ok(first, "users.setPresence", ALICE, presence="away")
    finally:
        first.stop()
    second = start_server(tmp_path)
    try:
        assert ok(second, "users.getPresence", ALICE)["manual_away"] is True
    finally:
        second.stop()
