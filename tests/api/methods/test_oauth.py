"""``oauth.access``, ``oauth.v2.access`` and ``apps.uninstall`` over raw HTTP: client
credentials by form fields or HTTP Basic (Basic wins), GET and POST, every error answered as
Slackline answers errors (HTTP 200, ``ok: false``), uninstalling by the app's own token, and
the sessions the app's tokens opened ending with ``goodbye``."""

from __future__ import annotations

import base64
from collections.abc import Iterator
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

import pytest

from slackline.domain.apps import OAuthFlow
from slackline.services.apps import RegisteredApp
from slackline.testing.server import ServerThread
from tests.helpers.http import HttpResult, api, http_request, serving, start_server
from tests.helpers.rtm import open_socket, recv_until

REDIRECT = "http://127.0.0.1:9999/oauth/cb"
CLASSIC: dict[str, Any] = {
    "name": "Weather Bot",
    "kind": "classic",
    "redirect_urls": [REDIRECT],
    "scopes": ["bot", "client", "channels:read"],
}
GRANULAR: dict[str, Any] = {
    "name": "New Bot",
    "kind": "granular",
    "token_rotation": True,
    "redirect_urls": [REDIRECT],
    "scopes": ["chat:write"],
}


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerThread]:
    """One server for the module: every test registers apps of its own."""
    yield from serving(start_server(tmp_path_factory.mktemp("oauth")))


def register(server: ServerThread, raw: dict[str, Any] = CLASSIC) -> RegisteredApp:
    """A new app of T0001, with its secrets in the clear."""
    assert server.app is not None
    return server.run(server.app.services.apps.register("T0001", dict(raw)))


def code_for(server: ServerThread, registered: RegisteredApp, user: str = "U0001") -> str:
    """The code approving the app's every scope hands the browser."""
    assert server.app is not None
    args = {"client_id": registered.app.client_id, "scope": ",".join(registered.app.scopes)}
    apps = server.app.services.apps
    request = server.run(apps.check_authorize(registered.app.flow, "T0001", args))
    location = server.run(apps.approve(request, user))
    return parse_qs(urlsplit(location).query)["code"][0]


def basic(client_id: str, secret: str) -> str:
    """An ``Authorization: Basic`` header value."""
    return "Basic " + base64.b64encode(f"{client_id}:{secret}".encode()).decode()


def post(
    server: ServerThread, method: str, authorization: str | None = None, **args: str
) -> HttpResult:
    """POST urlencoded arguments with no token, optionally with an Authorization header."""
    headers = {"Content-Type": "application/x-www-form-urlencoded"}
    if authorization is not None:
        headers["Authorization"] = authorization
    return http_request(server.port, "POST", f"/api/{method}", urlencode(args), headers)


def credentials(registered: RegisteredApp) -> dict[str, str]:
    """The app's client id and secret as form fields."""
    return {"client_id": registered.app.client_id, "client_secret": registered.client_secret}


def install(server: ServerThread, registered: RegisteredApp) -> dict[str, Any]:
    """Approve and exchange over HTTP; the answer's body."""
    method = "oauth.access" if registered.app.flow is OAuthFlow.V1 else "oauth.v2.access"
    result = post(server, method, code=code_for(server, registered), **credentials(registered))
    assert result.body["ok"], result.body
    return result.body


def assert_error(result: HttpResult, error: str) -> None:
    """The answer is Slackline's error answer for ``error``: HTTP 200 and ``ok: false``."""
    assert (result.status, result.body["ok"], result.body["error"]) == (200, False, error)


# --- client credentials ----------------------------------------------------------------------


def test_form_credentials_exchange_a_code_for_the_v1_shape(server: ServerThread) -> None:
    registered = register(server)
    result = post(
        server, "oauth.access", code=code_for(server, registered), **credentials(registered)
    )
    assert result.status == 200 and result.body["ok"] is True
    assert {"access_token", "scope", "user_id", "team_id", "team_name", "bot"} <= set(result.body)
    assert result.body["bot"]["bot_access_token"].startswith("xoxb-")


def test_basic_credentials_exchange_a_code(server: ServerThread) -> None:
    registered = register(server)
    authorization = basic(registered.app.client_id, registered.client_secret)
    result = post(server, "oauth.access", authorization, code=code_for(server, registered))
    assert result.body["ok"] is True, result.body


def test_basic_credentials_win_over_form_fields(server: ServerThread) -> None:
    registered = register(server)
    wrong = basic(registered.app.client_id, "not-the-secret")
    code = code_for(server, registered)
    result = post(server, "oauth.access", wrong, code=code, **credentials(registered))
    assert_error(result, "bad_client_secret")


@pytest.mark.parametrize("header", ["Basic !!!", "Basic " + base64.b64encode(b"nocolon").decode()])
def test_a_malformed_basic_header_is_invalid_client_id(server: ServerThread, header: str) -> None:
    registered = register(server)
    code = code_for(server, registered)
    assert_error(post(server, "oauth.access", header, code=code), "invalid_client_id")


def test_a_malformed_basic_header_is_not_replaced_by_form_fields(server: ServerThread) -> None:
    registered = register(server)
    code = code_for(server, registered)
    result = post(server, "oauth.access", "Basic !!!", code=code, **credentials(registered))
    assert_error(result, "invalid_client_id")


def test_the_exchange_answers_a_get(server: ServerThread) -> None:
    registered = register(server)
    result = api(
        server,
        "oauth.access",
        verb="GET",
        code=code_for(server, registered),
        **credentials(registered),
    )
    assert result.body["ok"] is True, result.body


def test_the_v2_exchange_answers_the_v2_shape(server: ServerThread) -> None:
    body = install(server, register(server, GRANULAR))
    assert body["token_type"] == "bot" and body["team"]["id"] == "T0001"
    assert body["authed_user"] == {"id": "U0001"}
    assert {"app_id", "bot_user_id", "enterprise", "refresh_token", "expires_in"} <= set(body)


# --- errors ----------------------------------------------------------------------------------


def test_an_exchange_error_has_the_shape_of_every_other_error(server: ServerThread) -> None:
    failed = post(server, "oauth.access", client_id="nope", client_secret="nope", code="x")
    other = api(server, "auth.test")  # another method's error: not_authed
    assert (failed.status, set(failed.body)) == (other.status, set(other.body))
    assert failed.headers["content-type"] == other.headers["content-type"]


def test_an_unknown_client_id_is_invalid_client_id(server: ServerThread) -> None:
    result = post(server, "oauth.access", client_id="1.2", client_secret="secret", code="x")
    assert_error(result, "invalid_client_id")


def test_no_credentials_is_invalid_client_id(server: ServerThread) -> None:
    assert_error(post(server, "oauth.v2.access", code="x"), "invalid_client_id")


def test_a_wrong_secret_is_bad_client_secret(server: ServerThread) -> None:
    registered = register(server)
    args = {**credentials(registered), "client_secret": "wrongwrong"}
    assert_error(
        post(server, "oauth.access", code=code_for(server, registered), **args), "bad_client_secret"
    )


def test_a_missing_code_is_invalid_code(server: ServerThread) -> None:
    assert_error(post(server, "oauth.access", **credentials(register(server))), "invalid_code")


def test_a_replayed_code_is_code_already_used(server: ServerThread) -> None:
    registered = register(server)
    code = code_for(server, registered)
    post(server, "oauth.access", code=code, **credentials(registered))
    result = post(server, "oauth.access", code=code, **credentials(registered))
    assert_error(result, "code_already_used")


def test_an_unknown_grant_type_is_invalid_grant_type(server: ServerThread) -> None:
    registered = register(server)
    result = post(server, "oauth.v2.access", grant_type="password", **credentials(registered))
    assert_error(result, "invalid_grant_type")


def test_a_foreign_redirect_url_is_bad_redirect_uri(server: ServerThread) -> None:
    registered = register(server)
    args = {"code": code_for(server, registered), "redirect_uri": "http://evil.example/cb"}
    assert_error(
        post(server, "oauth.access", **args, **credentials(registered)), "bad_redirect_uri"
    )


def test_a_classic_code_at_the_v2_exchange_is_a_url_mismatch(server: ServerThread) -> None:
    registered = register(server)
    result = post(
        server, "oauth.v2.access", code=code_for(server, registered), **credentials(registered)
    )
    assert_error(result, "oauth_authorization_url_mismatch")


def test_an_unknown_refresh_token_is_invalid_refresh_token(server: ServerThread) -> None:
    registered = register(server, GRANULAR)
    args = {"grant_type": "refresh_token", "refresh_token": "xoxe-1-nope"}
    assert_error(
        post(server, "oauth.v2.access", **args, **credentials(registered)), "invalid_refresh_token"
    )


# --- the tokens ------------------------------------------------------------------------------


def test_a_classic_bot_token_connects_over_rtm(server: ServerThread) -> None:
    body = install(server, register(server))
    with open_socket(server, body["bot"]["bot_access_token"]) as socket:
        assert socket is not None


def test_a_granular_bot_token_is_refused_by_rtm_connect(server: ServerThread) -> None:
    body = install(server, register(server, GRANULAR))
    assert_error(api(server, "rtm.connect", body["access_token"]), "not_allowed_token_type")


def test_a_refreshed_token_works_and_the_old_refresh_token_does_not(server: ServerThread) -> None:
    registered = register(server, GRANULAR)
    body = install(server, registered)
    args = {
        "grant_type": "refresh_token",
        "refresh_token": body["refresh_token"],
        **credentials(registered),
    }
    refreshed = post(server, "oauth.v2.access", **args)
    assert api(server, "auth.test", refreshed.body["access_token"]).body["ok"] is True
    assert_error(post(server, "oauth.v2.access", **args), "invalid_refresh_token")


def test_auth_revoke_of_an_app_token_revokes_only_that_token(server: ServerThread) -> None:
    body = install(server, register(server))
    bot, user = body["bot"]["bot_access_token"], body["access_token"]
    assert api(server, "auth.revoke", bot).body == {"ok": True, "revoked": True}
    assert_error(api(server, "auth.test", bot), "token_revoked")
    assert api(server, "auth.test", user).body["ok"] is True


# --- apps.uninstall --------------------------------------------------------------------------


def test_uninstalling_ends_the_bots_socket_with_goodbye(server: ServerThread) -> None:
    registered = register(server)
    bot = install(server, registered)["bot"]["bot_access_token"]
    with open_socket(server, bot) as socket:
        result = api(server, "apps.uninstall", bot, **credentials(registered))
        assert result.body == {"ok": True}
        assert recv_until(socket, lambda f: f.get("type") == "goodbye") == {"type": "goodbye"}
    assert_error(api(server, "auth.test", bot), "token_revoked")


def test_the_installers_token_may_uninstall_the_app(server: ServerThread) -> None:
    registered = register(server)
    body = install(server, registered)
    result = api(server, "apps.uninstall", body["access_token"], **credentials(registered))
    assert result.body == {"ok": True}
    assert_error(api(server, "auth.test", body["bot"]["bot_access_token"]), "token_revoked")


def test_uninstalling_without_a_token_is_not_authed(server: ServerThread) -> None:
    assert_error(api(server, "apps.uninstall", **credentials(register(server))), "not_authed")


def test_uninstalling_with_an_unknown_client_id_is_invalid_client_id(server: ServerThread) -> None:
    registered = register(server)
    token = install(server, registered)["access_token"]
    args = {**credentials(registered), "client_id": "1.2"}
    assert_error(api(server, "apps.uninstall", token, **args), "invalid_client_id")


def test_uninstalling_with_a_wrong_secret_is_bad_client_secret(server: ServerThread) -> None:
    registered = register(server)
    token = install(server, registered)["access_token"]
    args = {**credentials(registered), "client_secret": "wrongwrong"}
    assert_error(api(server, "apps.uninstall", token, **args), "bad_client_secret")


def test_uninstalling_with_another_apps_token_is_client_id_token_mismatch(
    server: ServerThread,
) -> None:
    mine, theirs = register(server), register(server)
    token = install(server, theirs)["access_token"]
    result = api(server, "apps.uninstall", token, **credentials(mine))
    assert_error(result, "client_id_token_mismatch")


def test_uninstalling_with_a_workspace_token_is_client_id_token_mismatch(
    server: ServerThread,
) -> None:
    registered = register(server)
    result = api(server, "apps.uninstall", "xoxp-1-client", **credentials(registered))
    assert_error(result, "client_id_token_mismatch")
