"""Every error of rtm.connect's table reached through a real HTTP request (decisions B)."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from pathlib import Path

import pytest

from slackline.testing.server import ServerThread
from tests.helpers.http import WORKSPACE_FILE, HttpResult, api, http_request, start_server

JSON_UTF8 = "application/json; charset=utf-8"
RTM_SCOPES = "rtm:stream"
FENCED_TOKEN = "xoxb-fenced"


def assert_error(result: HttpResult, code: str, status: int = 200) -> None:
    """The exact envelope of a plain Slack error (decisions A.1, A.9)."""
    assert result.status == status
    assert result.body == {"ok": False, "error": code}
    assert result.headers["content-type"] == JSON_UTF8
    assert result.headers["x-slack-req-id"]


def assert_rejected_token(result: HttpResult, code: str) -> None:
    """An authentication failure: the method's scopes are named, the token's are not."""
    assert_error(result, code)
    assert result.headers["x-accepted-oauth-scopes"] == RTM_SCOPES
    assert "x-oauth-scopes" not in result.headers


def assert_refused(result: HttpResult, code: str, scopes: str) -> None:
    """A permission failure of a known token: both scope headers are sent."""
    assert_error(result, code)
    assert result.headers["x-accepted-oauth-scopes"] == RTM_SCOPES
    assert result.headers["x-oauth-scopes"] == scopes


@pytest.fixture
def limited(tmp_path: Path) -> Iterator[ServerThread]:
    """A private server with rate limits on."""
    thread = start_server(tmp_path, rate_limits=True)
    yield thread
    thread.stop()


@pytest.fixture
def legacy_off(tmp_path: Path) -> Iterator[ServerThread]:
    """A private server started with ``--legacy-methods off``."""
    thread = start_server(tmp_path, legacy_methods=False)
    yield thread
    thread.stop()


@pytest.fixture
def behind_proxy(tmp_path: Path) -> Iterator[ServerThread]:
    """A private server trusting X-Forwarded-For from 127.0.0.1."""
    thread = start_server(tmp_path, trusted_proxies=("127.0.0.1/32",))
    yield thread
    thread.stop()


# Success envelope


def test_a_classic_bot_gets_ok_with_its_scopes_in_the_headers(server: ServerThread) -> None:
    result = api(server, "rtm.connect", "xoxb-1-classic")
    assert result.status == 200
    assert result.body["ok"] is True
    assert result.headers["content-type"] == JSON_UTF8
    assert result.headers["x-oauth-scopes"] == "identify,bot:basic"
    assert result.headers["x-accepted-oauth-scopes"] == RTM_SCOPES
    assert result.headers["x-slack-req-id"]


def test_a_user_token_with_only_rtm_stream_is_allowed(server: ServerThread) -> None:
    assert api(server, "rtm.connect", "xoxp-2-stream").body["ok"] is True


def test_a_user_token_with_client_is_allowed(server: ServerThread) -> None:
    assert api(server, "rtm.connect", "xoxp-1-client").body["ok"] is True


# Authentication


def test_no_token_is_not_authed(server: ServerThread) -> None:
    assert_rejected_token(api(server, "rtm.connect"), "not_authed")


def test_an_unknown_token_is_invalid_auth(server: ServerThread) -> None:
    assert_rejected_token(api(server, "rtm.connect", "xoxb-no-such-token"), "invalid_auth")


def test_a_token_bound_to_other_networks_is_invalid_auth(server: ServerThread) -> None:
    assert_rejected_token(api(server, "rtm.connect", "xoxb-5-ipbound"), "invalid_auth")


def test_a_revoked_token_is_token_revoked(server: ServerThread) -> None:
    assert_rejected_token(api(server, "rtm.connect", "xoxb-3-revoked"), "token_revoked")


def test_a_user_token_of_a_deleted_user_is_token_revoked(server: ServerThread) -> None:
    assert_rejected_token(api(server, "rtm.connect", "xoxp-4-deleted"), "token_revoked")


def test_a_user_token_of_a_deleted_team_is_token_revoked(server: ServerThread) -> None:
    assert_rejected_token(api(server, "rtm.connect", "xoxp-gone-team"), "token_revoked")


def test_a_bot_token_of_a_deleted_bot_user_is_account_inactive(server: ServerThread) -> None:
    assert_rejected_token(api(server, "rtm.connect", "xoxb-6-deadbot"), "account_inactive")


def test_a_bot_token_of_a_deleted_team_is_account_inactive(server: ServerThread) -> None:
    assert_rejected_token(api(server, "rtm.connect", "xoxb-gone-team"), "account_inactive")


def test_a_token_past_its_expiry_is_token_expired(server: ServerThread) -> None:
    assert_rejected_token(api(server, "rtm.connect", "xoxb-4-expired"), "token_expired")


# Token type and permission


def test_a_granular_bot_token_is_not_allowed_token_type(server: ServerThread) -> None:
    result = api(server, "rtm.connect", "xoxb-2-granular")
    assert_refused(result, "not_allowed_token_type", "chat:write")


def test_an_app_token_is_not_allowed_token_type(server: ServerThread) -> None:
    result = api(server, "rtm.connect", "xapp-1-app")
    assert_refused(result, "not_allowed_token_type", "connections:write")


def test_a_workspace_token_has_no_permission(server: ServerThread) -> None:
    assert_refused(api(server, "rtm.connect", "xoxa-1-workspace"), "no_permission", RTM_SCOPES)


def test_an_org_token_is_enterprise_is_restricted(server: ServerThread) -> None:
    result = api(server, "rtm.connect", "xoxe-1-org")
    assert_refused(result, "enterprise_is_restricted", RTM_SCOPES)


def test_a_user_token_without_client_is_missing_scope_with_needed_and_provided(
    server: ServerThread,
) -> None:
    result = api(server, "rtm.connect", "xoxp-3-granular")
    assert result.status == 200
    assert result.body == {
        "ok": False,
        "error": "missing_scope",
        "needed": "rtm:stream",
        "provided": "channels:read,chat:write",
    }
    assert result.headers["content-type"] == JSON_UTF8
    assert result.headers["x-oauth-scopes"] == "channels:read,chat:write"
    assert result.headers["x-accepted-oauth-scopes"] == RTM_SCOPES


def test_a_bot_in_the_teams_rtm_denied_policy_is_access_denied(server: ServerThread) -> None:
    result = api(server, "rtm.connect", "xoxb-7-denied")
    assert_refused(result, "access_denied", "identify,bot:basic")


def test_a_user_without_2fa_on_a_2fa_team_is_two_factor_setup_required(
    server: ServerThread,
) -> None:
    result = api(server, "rtm.connect", "xoxp-no-2fa")
    assert_refused(result, "two_factor_setup_required", "client")


def test_a_user_with_2fa_on_a_2fa_team_connects(server: ServerThread) -> None:
    assert api(server, "rtm.connect", "xoxp-with-2fa").body["ok"] is True


def test_a_bot_on_a_2fa_team_is_exempt(server: ServerThread) -> None:
    assert api(server, "rtm.connect", "xoxb-strict-bot").body["ok"] is True


def test_a_caller_outside_the_teams_networks_is_accesslimited(server: ServerThread) -> None:
    result = api(server, "rtm.connect", FENCED_TOKEN)
    assert_refused(result, "accesslimited", "identify,bot:basic")


def test_x_forwarded_for_is_ignored_without_a_trusted_proxy(server: ServerThread) -> None:
    result = http_request(
        server.port,
        "GET",
        "/api/rtm.connect",
        headers={"Authorization": f"Bearer {FENCED_TOKEN}", "X-Forwarded-For": "10.1.2.3"},
    )
    assert_error(result, "accesslimited")


def test_x_forwarded_for_from_a_trusted_proxy_lets_the_fenced_team_in(
    behind_proxy: ServerThread,
) -> None:
    result = http_request(
        behind_proxy.port,
        "GET",
        "/api/rtm.connect",
        headers={"Authorization": f"Bearer {FENCED_TOKEN}", "X-Forwarded-For": "10.1.2.3"},
    )
    assert result.status == 200
    assert result.body["ok"] is True
    assert result.body["team"]["id"] == "T0008"


def test_a_forwarded_address_outside_the_networks_stays_accesslimited(
    behind_proxy: ServerThread,
) -> None:
    result = http_request(
        behind_proxy.port,
        "GET",
        "/api/rtm.connect",
        headers={"Authorization": f"Bearer {FENCED_TOKEN}", "X-Forwarded-For": "192.0.2.7"},
    )
    assert_error(result, "accesslimited")


def test_x_forwarded_for_from_a_trusted_proxy_also_unlocks_an_ip_bound_token(
    behind_proxy: ServerThread,
) -> None:
    result = http_request(
        behind_proxy.port,
        "GET",
        "/api/rtm.connect",
        headers={"Authorization": "Bearer xoxb-5-ipbound", "X-Forwarded-For": "10.9.9.9"},
    )
    assert result.body["ok"] is True


# Rate limits (Tier 1: 10 per minute, burst 10)


def test_the_eleventh_call_in_a_minute_is_ratelimited_with_429(limited: ServerThread) -> None:
    for _ in range(10):
        assert api(limited, "rtm.connect", "xoxb-1-classic").body["ok"] is True
    result = api(limited, "rtm.connect", "xoxb-1-classic")
    assert result.status == 429
    assert result.body == {"ok": False, "error": "ratelimited"}
    assert result.headers["content-type"] == JSON_UTF8
    retry_after = result.headers["retry-after"]
    assert retry_after.isdigit()
    assert 1 <= int(retry_after) <= 60


def test_a_ratelimited_token_does_not_slow_another_token(limited: ServerThread) -> None:
    for _ in range(11):
        api(limited, "rtm.connect", "xoxb-1-classic")
    assert api(limited, "rtm.connect", "xoxp-1-client").body["ok"] is True


def test_requests_rejected_before_the_limit_do_not_count(limited: ServerThread) -> None:
    for _ in range(5):
        assert_error(
            api(limited, "rtm.connect", "xoxb-1-classic", batch_presence_aware="maybe"),
            "invalid_arguments",
        )
    for _ in range(10):
        assert api(limited, "rtm.connect", "xoxb-1-classic").body["ok"] is True


def test_ratelimited_requests_do_not_count(limited: ServerThread) -> None:
    # A rejected request takes nothing from the bucket: after 10 successes and 20 rejections,
    # the bucket is as empty as after the 10 successes alone, and still answers 429, while
    # the time to wait does not grow with the rejections.
    for _ in range(10):
        api(limited, "rtm.connect", "xoxb-1-classic")
    first = api(limited, "rtm.connect", "xoxb-1-classic").headers["retry-after"]
    for _ in range(20):
        api(limited, "rtm.connect", "xoxb-1-classic")
    last = api(limited, "rtm.connect", "xoxb-1-classic").headers["retry-after"]
    assert int(last) <= int(first)


# Workspace state


def test_a_migrating_team_is_migration_in_progress(server: ServerThread) -> None:
    assert_error(api(server, "rtm.connect", "xoxb-migrating"), "migration_in_progress")


def test_a_team_joining_an_org_is_team_added_to_org(server: ServerThread) -> None:
    assert_error(api(server, "rtm.connect", "xoxb-added-to-org"), "team_added_to_org")


def test_a_team_needing_org_login_is_org_login_required(server: ServerThread) -> None:
    assert_error(api(server, "rtm.connect", "xoxb-org-login"), "org_login_required")


def test_a_team_with_revoked_keys_is_ekm_access_denied(server: ServerThread) -> None:
    assert_error(api(server, "rtm.connect", "xoxb-ekm"), "ekm_access_denied")


# The method itself


def test_the_json_suffixed_path_is_a_deprecated_endpoint(server: ServerThread) -> None:
    result = http_request(
        server.port,
        "GET",
        "/api/rtm.connect.json",
        headers={"Authorization": "Bearer xoxb-1-classic"},
    )
    assert_error(result, "deprecated_endpoint")
    assert result.headers["x-accepted-oauth-scopes"] == RTM_SCOPES


def test_the_v1_prefixed_path_is_a_deprecated_endpoint(server: ServerThread) -> None:
    result = http_request(
        server.port,
        "GET",
        "/api/v1/rtm.connect",
        headers={"Authorization": "Bearer xoxb-1-classic"},
    )
    assert_error(result, "deprecated_endpoint")


def test_an_unknown_method_is_unknown_method(server: ServerThread) -> None:
    assert_error(api(server, "rtm.nonsense", "xoxb-1-classic"), "unknown_method")


def test_rtm_start_for_a_token_created_after_2021_11_30_is_method_deprecated(
    server: ServerThread,
) -> None:
    result = api(server, "rtm.start", "xoxb-8-new")
    assert_error(result, "method_deprecated")
    assert result.headers["x-accepted-oauth-scopes"] == "rtm:stream,client"


def test_rtm_start_for_an_older_token_still_serves_the_team_state(server: ServerThread) -> None:
    result = api(server, "rtm.start", "xoxb-1-classic")
    assert result.body["ok"] is True
    assert "channels" in result.body


def test_rtm_start_with_legacy_methods_off_answers_like_rtm_connect(
    legacy_off: ServerThread,
) -> None:
    result = api(legacy_off, "rtm.start", "xoxb-8-new")
    assert result.body["ok"] is True
    assert set(result.body) == {"ok", "url", "team", "self"}
    assert result.body["url"].startswith(f"ws://127.0.0.1:{legacy_off.port}/websocket/")


def _channels_list_registered() -> bool:
    from slackline.api.methods import all_methods  # noqa: PLC0415

    return any(spec.name == "channels.list" for spec in all_methods())


@pytest.mark.skipif(not _channels_list_registered(), reason="channels.list is not registered yet")
def test_channels_list_with_legacy_methods_off_is_method_deprecated(
    legacy_off: ServerThread,
) -> None:
    assert_error(api(legacy_off, "channels.list", "xoxb-1-classic"), "method_deprecated")


# Check order (decisions B.1): the earlier condition wins


def test_a_format_error_beats_not_authed(server: ServerThread) -> None:
    result = http_request(server.port, "POST", "/api/rtm.connect", body="a=1")
    assert_error(result, "missing_post_type")


def test_invalid_arguments_beats_not_authed(server: ServerThread) -> None:
    assert_error(api(server, "rtm.connect", batch_presence_aware="maybe"), "invalid_arguments")


def test_a_revoked_token_beats_its_missing_scope(tmp_path: Path) -> None:
    extra = tmp_path / "extra.yaml"
    extra.write_text(
        "teams:\n"
        "  - id: T0001\n"
        "    tokens:\n"
        "      - {token: xoxp-9-revoked-granular, user: U0002, type: user,"
        " scopes: [channels:read], revoked: true}\n"
    )
    thread = start_server(tmp_path, workspaces=(WORKSPACE_FILE, str(extra)))
    try:
        assert_error(api(thread, "rtm.connect", "xoxp-9-revoked-granular"), "token_revoked")
    finally:
        thread.stop()


def test_an_expired_token_beats_the_team_state(server: ServerThread) -> None:
    assert_error(api(server, "rtm.connect", "xoxb-4-expired"), "token_expired")


def test_missing_scope_beats_ratelimited(limited: ServerThread) -> None:
    for _ in range(12):
        result = api(limited, "rtm.connect", "xoxp-3-granular")
    assert result.status == 200
    assert result.body["error"] == "missing_scope"


def test_ratelimited_beats_migration_in_progress(limited: ServerThread) -> None:
    for _ in range(10):
        assert_error(api(limited, "rtm.connect", "xoxb-migrating"), "migration_in_progress")
    assert_error(api(limited, "rtm.connect", "xoxb-migrating"), "ratelimited", status=429)


def test_team_state_beats_deprecated_endpoint(server: ServerThread) -> None:
    result = http_request(
        server.port, "GET", "/api/rtm.connect.json", headers={"Authorization": "Bearer xoxb-ekm"}
    )
    assert_error(result, "ekm_access_denied")


def test_accesslimited_beats_deprecated_endpoint(server: ServerThread) -> None:
    result = http_request(
        server.port,
        "GET",
        "/api/v1/rtm.connect",
        headers={"Authorization": f"Bearer {FENCED_TOKEN}"},
    )
    assert_error(result, "accesslimited")


# Logs


def test_logs_never_contain_a_token_or_a_ticket(
    server: ServerThread, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    connected = api(server, "rtm.connect", "xoxb-1-classic")
    ticket = connected.body["url"].rsplit("/", 1)[-1]
    http_request(server.port, "GET", "/api/rtm.connect?token=xoxp-1-client")
    http_request(
        server.port,
        "POST",
        "/api/rtm.connect",
        "token=xoxp-2-stream",
        {"Content-Type": "application/x-www-form-urlencoded"},
    )
    api(server, "rtm.connect", "xoxb-3-revoked")
    http_request(server.port, "GET", f"/websocket/{ticket}")
    logged = caplog.text
    assert "req=" in logged
    for secret in ("xoxb-1-classic", "xoxp-1-client", "xoxp-2-stream", "xoxb-3-revoked", ticket):
        assert secret not in logged
