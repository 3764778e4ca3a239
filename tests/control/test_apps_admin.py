"""The admin API's app endpoints, through real HTTP against a real server: apps.create,
apps.list, apps.rotateSecret, apps.installations and apps.uninstall."""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest

from slackline.app import App
from slackline.domain.apps import OAuthFlow
from slackline.testing.server import ServerThread
from tests.helpers.http import HttpResult, api, http_request, start_server

ADMIN_TOKEN = "admin-secret-for-app-tests"
CALLBACK = "http://127.0.0.1:8000/oauth/callback"
CLASSIC = {
    "team": "T0001", "name": "Weather Bot", "kind": "classic",
    "redirect_urls": [CALLBACK], "scopes": ["bot", "identify", "channels:read"],
}  # fmt: skip


def running_app(server: ServerThread) -> App:
    """The server's application (started, so never None)."""
    assert server.app is not None
    return server.app


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerThread]:
    """One server for the module: every test registers apps of its own (generated ids)."""
    thread = start_server(tmp_path_factory.mktemp("apps"), admin_token=ADMIN_TOKEN)
    yield thread
    thread.stop()


def admin(
    server: ServerThread, endpoint: str, body: dict[str, Any], *, token: str | None = ADMIN_TOKEN
) -> HttpResult:
    """POST a JSON body to an admin endpoint."""
    headers = {"Content-Type": "application/json"}
    if token is not None:
        headers["Authorization"] = f"Bearer {token}"
    return http_request(
        server.port, "POST", f"/_slackline/admin/{endpoint}", json.dumps(body), headers
    )


def ok(server: ServerThread, endpoint: str, body: dict[str, Any]) -> dict[str, Any]:
    """An admin call that must succeed; its answer."""
    result = admin(server, endpoint, body)
    assert (result.status, result.body["ok"]) == (200, True), result.body
    return result.body


def failure(server: ServerThread, endpoint: str, body: dict[str, Any]) -> tuple[int, str, str]:
    """An admin call that must fail: status, error code and detail."""
    result = admin(server, endpoint, body)
    assert result.body["ok"] is False, result.body
    return result.status, str(result.body["error"]), str(result.body["detail"])


def create(server: ServerThread, **fields: Any) -> dict[str, Any]:
    """Register a classic app (these fields replacing the defaults); the answer."""
    return ok(server, "apps.create", {**CLASSIC, **fields})


def exchange_error(server: ServerThread, client_id: str, secret: str) -> str:
    """What oauth.access answers for these credentials and a code nobody issued: past the
    client authentication ``invalid_code``, else the authentication's error."""
    args = {"client_id": client_id, "client_secret": secret, "code": "no-such-code"}
    return str(api(server, "oauth.access", **args).body["error"])


def install(server: ServerThread, created: dict[str, Any], user: str = "U0001") -> dict[str, Any]:
    """Install a created app in T0001 as ``user`` (approve, then oauth.access over HTTP)."""
    apps = running_app(server).services.apps
    client_id = created["app"]["client_id"]
    args = {"client_id": client_id, "scope": "bot,channels:read"}
    request = server.run(apps.check_authorize(OAuthFlow.V1, "T0001", args))
    code = parse_qs(urlsplit(server.run(apps.approve(request, user))).query)["code"][0]
    body = api(
        server, "oauth.access", client_id=client_id,
        client_secret=created["client_secret"], code=code,
    ).body  # fmt: skip
    assert body["ok"] is True, body
    return body


# apps.create


def test_create_answers_the_app_and_its_secrets(server: ServerThread) -> None:
    answer = create(server)
    app = answer["app"]
    assert re.fullmatch(r"A[0-9A-Z]+", app["id"])
    assert re.fullmatch(r"\d{12}\.\d{12}", app["client_id"])
    assert re.fullmatch(r"[0-9a-f]{32}", answer["client_secret"])
    assert re.fullmatch(r"[0-9a-f]{32}", answer["signing_secret"])
    assert (app["team"], app["name"], app["kind"], app["redirect_urls"], app["scopes"]) == (
        "T0001", "Weather Bot", "classic", [CALLBACK], ["bot", "identify", "channels:read"],
    )  # fmt: skip


def test_the_created_client_secret_authenticates_the_app(server: ServerThread) -> None:
    answer = create(server)
    assert exchange_error(server, answer["app"]["client_id"], answer["client_secret"]) == (
        "invalid_code"
    )


def test_create_keeps_given_ids_and_secrets(server: ServerThread) -> None:
    answer = create(
        server, id="A0GIVEN", client_id="given.client", client_secret="given-client-secret",
        signing_secret="given-signing-secret",
    )  # fmt: skip
    assert (answer["app"]["id"], answer["app"]["client_id"]) == ("A0GIVEN", "given.client")
    assert (answer["client_secret"], answer["signing_secret"]) == (
        "given-client-secret", "given-signing-secret",
    )  # fmt: skip
    assert server.run(running_app(server).services.apps.signing_secret("A0GIVEN")) == (
        "given-signing-secret"
    )


def test_create_in_an_unknown_team_is_404(server: ServerThread) -> None:
    status, error, _ = failure(server, "apps.create", {**CLASSIC, "team": "T404"})
    assert (status, error) == (404, "team_not_found")


def test_create_with_a_taken_id_is_409_app_exists(server: ServerThread) -> None:
    create(server, id="A0TAKEN")
    status, error, _ = failure(server, "apps.create", {**CLASSIC, "id": "A0TAKEN"})
    assert (status, error) == (409, "app_exists")


def test_create_with_a_taken_client_id_is_409(server: ServerThread) -> None:
    create(server, client_id="taken.client")
    status, error, _ = failure(server, "apps.create", {**CLASSIC, "client_id": "taken.client"})
    assert (status, error) == (409, "client_id_taken")


def test_an_invalid_app_is_400_naming_the_field(server: ServerThread) -> None:
    body = {**CLASSIC, "redirect_urls": ["ftp://host/cb"]}
    status, error, detail = failure(server, "apps.create", body)
    assert (status, error) == (400, "invalid_app")
    assert detail.startswith("redirect_urls: ")


def test_a_granular_app_with_the_bot_scope_is_400(server: ServerThread) -> None:
    status, error, detail = failure(server, "apps.create", {**CLASSIC, "kind": "granular"})
    assert (status, error) == (400, "invalid_app")
    assert "'bot' is a classic scope" in detail


def test_create_without_a_team_is_400_invalid_arguments(server: ServerThread) -> None:
    body = {k: v for k, v in CLASSIC.items() if k != "team"}
    status, error, detail = failure(server, "apps.create", body)
    assert (status, error, detail) == (400, "invalid_arguments", "team: required")


def test_the_created_secret_never_reaches_the_log(
    server: ServerThread, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.INFO, logger="slackline"):
        answer = create(server)
    logged = "\n".join(r.getMessage() for r in caplog.records)
    assert f"registered app {answer['app']['id']}" in logged  # the log was captured
    assert answer["client_secret"] not in logged and answer["signing_secret"] not in logged


# apps.list


def test_list_shows_the_teams_apps(server: ServerThread) -> None:
    answer = create(server, name="Listed")
    listed = ok(server, "apps.list", {"team": "T0001"})["apps"]
    assert {**answer["app"], "event_subscriptions_disabled": False} in listed


def test_list_says_whether_an_apps_event_subscriptions_are_disabled(server: ServerThread) -> None:
    answer = create(server, name="Healthy")
    listed = ok(server, "apps.list", {"team": "T0001"})["apps"]
    found = next(a for a in listed if a["id"] == answer["app"]["id"])
    assert found["event_subscriptions_disabled"] is False


def test_list_shows_no_secret(server: ServerThread) -> None:
    answer = create(server)
    text = json.dumps(ok(server, "apps.list", {"team": "T0001"}))
    assert answer["client_secret"] not in text and answer["signing_secret"] not in text
    assert "secret" not in text


def test_list_of_an_unknown_team_is_404(server: ServerThread) -> None:
    status, error, _ = failure(server, "apps.list", {"team": "T404"})
    assert (status, error) == (404, "team_not_found")


def test_list_shows_apps_a_workspace_document_declared(server: ServerThread) -> None:
    document = (
        "teams: [{id: T0001, apps: [{id: A0FILE, name: Filed, kind: classic, "
        f"redirect_urls: [{CALLBACK}], scopes: [bot]}}]}}]"
    )
    result = http_request(
        server.port, "POST", "/_slackline/admin/workspace.apply", document,
        {"Authorization": f"Bearer {ADMIN_TOKEN}", "Content-Type": "application/yaml"},
    )  # fmt: skip
    assert result.body == {"ok": True, "teams": ["T0001"]}
    listed = ok(server, "apps.list", {"team": "T0001"})["apps"]
    assert "A0FILE" in {a["id"] for a in listed}


def test_a_document_with_a_bad_app_is_400_naming_the_place(server: ServerThread) -> None:
    document = "teams: [{id: T0001, apps: [{id: A0BAD, name: Bad, kind: legacy}]}]"
    result = http_request(
        server.port, "POST", "/_slackline/admin/workspace.apply", document,
        {"Authorization": f"Bearer {ADMIN_TOKEN}", "Content-Type": "application/yaml"},
    )  # fmt: skip
    assert (result.status, result.body["error"]) == (400, "invalid_workspace")
    assert result.body["detail"] == "teams[0].apps[0].kind: classic or granular"


# apps.rotateSecret


def test_rotating_the_client_secret_answers_a_new_one(server: ServerThread) -> None:
    answer = create(server)
    rotated = ok(
        server, "apps.rotateSecret", {"app": answer["app"]["id"], "secret": "client_secret"}
    )
    assert (rotated["app"], rotated["secret"]) == (answer["app"]["id"], "client_secret")
    assert re.fullmatch(r"[0-9a-f]{32}", rotated["value"])
    assert rotated["value"] != answer["client_secret"]


def test_after_rotating_the_old_client_secret_fails(server: ServerThread) -> None:
    answer = create(server)
    ok(server, "apps.rotateSecret", {"app": answer["app"]["id"], "secret": "client_secret"})
    client_id = answer["app"]["client_id"]
    assert exchange_error(server, client_id, answer["client_secret"]) == "bad_client_secret"


def test_after_rotating_the_new_client_secret_works(server: ServerThread) -> None:
    answer = create(server)
    body = {"app": answer["app"]["id"], "secret": "client_secret"}
    new = ok(server, "apps.rotateSecret", body)["value"]
    assert exchange_error(server, answer["app"]["client_id"], new) == "invalid_code"


def test_rotating_the_signing_secret_replaces_it(server: ServerThread) -> None:
    answer = create(server)
    app_id = answer["app"]["id"]
    new = ok(server, "apps.rotateSecret", {"app": app_id, "secret": "signing_secret"})["value"]
    assert new != answer["signing_secret"]
    assert server.run(running_app(server).services.apps.signing_secret(app_id)) == new


def test_rotating_an_unknown_secret_is_400(server: ServerThread) -> None:
    answer = create(server)
    body = {"app": answer["app"]["id"], "secret": "password"}
    status, error, _ = failure(server, "apps.rotateSecret", body)
    assert (status, error) == (400, "invalid_arguments")


def test_rotating_a_secret_of_an_unknown_app_is_404(server: ServerThread) -> None:
    status, error, _ = failure(
        server, "apps.rotateSecret", {"app": "A404", "secret": "client_secret"}
    )
    assert (status, error) == (404, "app_not_found")


# apps.installations


def test_a_new_app_has_no_installations(server: ServerThread) -> None:
    answer = create(server)
    assert ok(server, "apps.installations", {"app": answer["app"]["id"]})["installations"] == []


def test_installations_list_an_install(server: ServerThread) -> None:
    answer = create(server)
    installed = install(server, answer)
    found = ok(server, "apps.installations", {"app": answer["app"]["id"]})["installations"]
    assert [(i["team"], i["installer"], i["bot_user_id"], i["scopes"]) for i in found] == [
        ("T0001", "U0001", installed["bot"]["bot_user_id"], ["bot", "channels:read"])
    ]


def test_installations_of_an_unknown_app_is_404(server: ServerThread) -> None:
    status, error, _ = failure(server, "apps.installations", {"app": "A404"})
    assert (status, error) == (404, "app_not_found")


# apps.uninstall


def test_uninstall_answers_how_many_tokens_it_revoked(server: ServerThread) -> None:
    answer = create(server)
    install(server, answer)
    body = {"app": answer["app"]["id"], "team": "T0001"}
    # The install issued the installer's user token and the bot's token.
    assert ok(server, "apps.uninstall", body) == {"ok": True, **body, "revoked": 2}


def test_after_uninstall_the_bot_token_fails(server: ServerThread) -> None:
    answer = create(server)
    bot_token = install(server, answer)["bot"]["bot_access_token"]
    ok(server, "apps.uninstall", {"app": answer["app"]["id"], "team": "T0001"})
    assert api(server, "auth.test", bot_token).body["ok"] is False


def test_after_uninstall_the_app_has_no_installations(server: ServerThread) -> None:
    answer = create(server)
    install(server, answer)
    ok(server, "apps.uninstall", {"app": answer["app"]["id"], "team": "T0001"})
    assert ok(server, "apps.installations", {"app": answer["app"]["id"]})["installations"] == []


def test_uninstalling_an_app_not_installed_is_404(server: ServerThread) -> None:
    answer = create(server)
    status, error, _ = failure(
        server, "apps.uninstall", {"app": answer["app"]["id"], "team": "T0001"}
    )
    assert (status, error) == (404, "not_installed")


def test_uninstalling_an_unknown_app_is_404(server: ServerThread) -> None:
    status, error, _ = failure(server, "apps.uninstall", {"app": "A404", "team": "T0001"})
    assert (status, error) == (404, "app_not_found")


# The admin token


@pytest.mark.parametrize(
    ("endpoint", "body"),
    [
        ("apps.create", CLASSIC),
        ("apps.list", {"team": "T0001"}),
        ("apps.rotateSecret", {"app": "A404", "secret": "client_secret"}),
        ("apps.installations", {"app": "A404"}),
        ("apps.uninstall", {"app": "A404", "team": "T0001"}),
    ],
)
def test_every_app_endpoint_needs_the_admin_token(
    server: ServerThread, endpoint: str, body: dict[str, Any]
) -> None:
    result = admin(server, endpoint, body, token=None)
    assert (result.status, result.body["error"]) == (401, "not_authed")


def test_a_wrong_admin_token_registers_nothing(server: ServerThread) -> None:
    result = admin(server, "apps.create", {**CLASSIC, "id": "A0GUESS"}, token="guess")
    assert (result.status, result.body["error"]) == (401, "invalid_auth")
    assert server.run(running_app(server).store.apps.get_app("A0GUESS")) is None


def test_app_endpoints_answer_404_when_the_admin_api_is_off(tmp_path: Path) -> None:
    plain = start_server(tmp_path)
    try:
        result = admin(plain, "apps.list", {"team": "T0001"})
    finally:
        plain.stop()
    assert (result.status, result.body) == (404, {"ok": False, "error": "not_found"})


# Socket Mode


def test_create_app_token_answers_an_xapp_token_that_opens_socket_mode(
    server: ServerThread,
) -> None:
    created = create(server, kind="granular", scopes=["chat:write"], socket_mode=True)
    assert created["app"]["socket_mode"] is True
    apps = running_app(server).services.apps
    args = {"client_id": created["app"]["client_id"], "scope": "chat:write"}
    request = server.run(apps.check_authorize(OAuthFlow.V2, "T0001", args))
    code = parse_qs(urlsplit(server.run(apps.approve(request, "U0001"))).query)["code"][0]
    exchanged = api(server, "oauth.v2.access", client_id=created["app"]["client_id"],
                    client_secret=created["client_secret"], code=code).body  # fmt: skip
    assert exchanged["ok"] is True, exchanged
    answer = ok(server, "apps.createAppToken", {"app": created["app"]["id"], "team": "T0001"})
    assert answer["token"].startswith("xapp-")
    opened = api(server, "apps.connections.open", token=answer["token"]).body
    assert opened["ok"] is True and "/link/?ticket=" in opened["url"]


def test_create_app_token_of_an_app_without_a_bot_is_invalid_app(server: ServerThread) -> None:
    created = create(server, kind="granular", scopes=["chat:write"], socket_mode=True)
    status, error, _ = failure(
        server, "apps.createAppToken", {"app": created["app"]["id"], "team": "T0001"}
    )
    assert (status, error) == (400, "invalid_app")
