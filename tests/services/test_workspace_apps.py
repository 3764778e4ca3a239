"""Loading a team's ``apps`` from a workspace file: registered through the app service,
idempotent, updated by a changed file, checked before anything is written."""

from __future__ import annotations

import asyncio
import dataclasses
import re
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest

from slackline.app import App
from slackline.clock import SystemClock
from slackline.demo import demo_workspace_path
from slackline.domain.apps import AppKind, AppRecord, OAuthFlow
from slackline.domain.workspace_file import WorkspaceFileError
from slackline.services.apps import AppError, AppErrorCode
from slackline.services.workspace import WorkspaceService, parse_workspace_text

Running = tuple[asyncio.Runner, App]

CALLBACK = "http://127.0.0.1:8000/oauth/callback"
CLASSIC = f"""
teams:
  - id: T0001
    bots: [{{id: B0100, user_id: U0APPBOT, name: weatherbot}}]
    apps:
      - id: A0100
        name: Weather Bot
        kind: classic
        client_id: "1111.2222"
        client_secret: file-client-secret
        signing_secret: file-signing-secret
        redirect_urls: [{CALLBACK}]
        scopes: [bot, identify, channels:read]
        bot_user: U0APPBOT
"""


def load(running: Running, text: str) -> list[str]:
    """Load a YAML document into the running application."""
    runner, app = running
    return runner.run(app.workspaces.load_document(parse_workspace_text(text)))


def stored(running: Running, app_id: str = "A0100") -> AppRecord | None:
    """The app as stored."""
    runner, app = running
    return runner.run(app.store.apps.get_app(app_id))


def fails(running: Running, text: str, message: str) -> None:
    """Loading the document raises an error with this message."""
    with pytest.raises(WorkspaceFileError, match=re.escape(message)):
        load(running, text)


def without_box(app: AppRecord | None) -> AppRecord | None:
    """The record apart from its sealed signing secret (sealing draws a fresh nonce)."""
    return dataclasses.replace(app, signing_secret_box="") if app else None


def app_entry(**fields: Any) -> str:
    """A document with one classic app in T0001 (these fields replacing the defaults)."""
    entry = {
        "id": "A0200", "name": "Other", "kind": "classic", "redirect_urls": f"[{CALLBACK}]",
        "scopes": "[bot]", **fields,
    }  # fmt: skip
    inner = ", ".join(f"{k}: {v}" for k, v in entry.items())
    return f"teams: [{{id: T0001, apps: [{{{inner}}}]}}]"


def test_loading_a_file_registers_its_apps(running: Running) -> None:
    load(running, CLASSIC)
    app = stored(running)
    assert app is not None
    assert (app.team_id, app.name, app.kind, app.client_id) == (
        "T0001", "Weather Bot", AppKind.CLASSIC, "1111.2222",
    )  # fmt: skip
    assert (app.redirect_urls, app.scopes, app.bot_user) == (
        (CALLBACK,), ("bot", "identify", "channels:read"), "U0APPBOT",
    )  # fmt: skip


def test_the_files_secrets_are_stored_hashed_and_sealed_not_in_the_clear(
    running: Running,
) -> None:
    load(running, CLASSIC)
    app = stored(running)
    assert app is not None
    assert "file-client-secret" not in app.client_secret_hash
    assert "file-signing-secret" not in app.signing_secret_box


def test_the_files_client_secret_is_the_apps(running: Running) -> None:
    load(running, CLASSIC)
    app = stored(running)
    assert app is not None
    assert running[1].services.apps.client_secret_matches(app, "file-client-secret")


def test_the_files_signing_secret_is_the_apps(running: Running) -> None:
    runner, app = running
    load(running, CLASSIC)
    assert runner.run(app.services.apps.signing_secret("A0100")) == "file-signing-secret"


def test_the_files_secrets_work_in_the_oauth_exchange(running: Running) -> None:
    runner, app = running
    load(running, CLASSIC)
    apps = app.services.apps
    args = {"client_id": "1111.2222", "scope": "bot,channels:read", "state": "s1"}
    request = runner.run(apps.check_authorize(OAuthFlow.V1, "T0001", args))
    location = runner.run(apps.approve(request, "U0001"))
    code = parse_qs(urlsplit(location).query)["code"][0]
    exchange = {"client_id": "1111.2222", "client_secret": "file-client-secret", "code": code}
    body = runner.run(apps.exchange(OAuthFlow.V1, exchange, None))
    # The declared bot user is the install's bot user.
    assert body["bot"]["bot_user_id"] == "U0APPBOT"
    assert body["bot"]["bot_access_token"].startswith("xoxb-")


def test_loading_the_same_file_again_changes_nothing(running: Running) -> None:
    document = CLASSIC.replace("        signing_secret: file-signing-secret\n", "")
    load(running, document)
    before = stored(running)
    load(running, document)
    assert stored(running) == before


def test_loading_the_same_file_again_keeps_the_signing_secret(running: Running) -> None:
    runner, app = running
    load(running, CLASSIC)
    before = stored(running)
    load(running, CLASSIC)
    assert without_box(stored(running)) == without_box(before)
    assert runner.run(app.services.apps.signing_secret("A0100")) == "file-signing-secret"


def test_a_changed_redirect_url_updates_the_app(running: Running) -> None:
    load(running, CLASSIC)
    load(running, CLASSIC.replace(CALLBACK, "https://bot.example/oauth"))
    app = stored(running)
    assert app is not None and app.redirect_urls == ("https://bot.example/oauth",)


def test_an_update_keeps_what_the_file_leaves_out(running: Running) -> None:
    load(running, CLASSIC)
    before = stored(running)
    load(running, "teams: [{id: T0001, apps: [{id: A0100, name: Renamed}]}]")
    assert before is not None
    assert stored(running) == dataclasses.replace(before, name="Renamed")


def test_an_app_without_secrets_gets_generated_ones(running: Running) -> None:
    load(running, app_entry())
    app = stored(running, "A0200")
    assert app is not None and app.client_secret_hash and app.signing_secret_box
    assert re.fullmatch(r"\d{12}\.\d{12}", app.client_id)


def test_a_new_app_needs_its_redirect_urls(running: Running) -> None:
    document = "teams: [{id: T0001, apps: [{id: A0200, name: X, kind: classic, scopes: [bot]}]}]"
    fails(running, document, "teams[0].apps[0].redirect_urls: required to create an app")


def test_a_bot_user_must_be_a_bot_user_of_the_team(running: Running) -> None:
    fails(
        running,
        app_entry(bot_user="U0001"),
        "teams[0].apps[0].bot_user: no bot user U0001 in team T0001",
    )


def test_a_bot_user_of_another_team_is_refused(running: Running) -> None:
    fails(running, app_entry(bot_user="U1BOT"), "teams[0].apps[0].bot_user: no bot user U1BOT")


def test_an_already_stored_bot_user_is_accepted(running: Running) -> None:
    load(running, app_entry(bot_user="U0BOT"))
    app = stored(running, "A0200")
    assert app is not None and app.bot_user == "U0BOT"


def test_an_app_of_another_team_is_refused(running: Running) -> None:
    load(running, CLASSIC)
    fails(
        running,
        "teams: [{id: T0002, apps: [{id: A0100, name: Taken}]}]",
        "teams[0].apps[0]: app A0100 belongs to team T0001",
    )


def test_a_client_id_another_app_holds_is_refused(running: Running) -> None:
    load(running, CLASSIC)
    fails(
        running,
        app_entry(client_id='"1111.2222"'),
        "teams[0].apps[0].client_id: another app has this client_id",
    )


def test_two_apps_of_a_file_cannot_share_a_client_id(running: Running) -> None:
    base = f"kind: classic, redirect_urls: [{CALLBACK}], scopes: [bot], client_id: c1"
    apps = f"{{id: A1, name: a, {base}}}, {{id: A2, name: b, {base}}}"
    document = f"teams: [{{id: T0001, apps: [{apps}]}}]"
    fails(running, document, "teams[0].apps[1].client_id: another app has this client_id")


def test_a_granular_app_cannot_ask_for_the_classic_bot_scope(running: Running) -> None:
    fails(
        running,
        app_entry(kind="granular"),
        "teams[0].apps[0]: scopes: 'bot' is a classic scope",
    )


def test_a_classic_app_cannot_rotate_tokens(running: Running) -> None:
    fails(
        running,
        app_entry(token_rotation="true"),
        "teams[0].apps[0].token_rotation: only granular apps rotate tokens",
    )


def test_an_update_is_checked_with_the_stored_fields(running: Running) -> None:
    load(running, CLASSIC)
    fails(
        running,
        "teams: [{id: T0001, apps: [{id: A0100, user_scopes: [search:read]}]}]",
        "teams[0].apps[0]: user_scopes: only granular apps have them",
    )


def test_a_refused_app_changes_nothing_in_the_document(running: Running) -> None:
    runner, app = running
    document = app_entry(bot_user="U0001").replace("{id: T0001,", "{id: T0001, name: Changed,")
    with pytest.raises(WorkspaceFileError):
        load(running, document)
    team = runner.run(app.store.get_team("T0001"))
    assert team is not None and team.name == "Acme"


def test_an_app_service_refusal_names_the_place_in_the_file(running: Running) -> None:
    app = running[1]

    async def refusing(team_id: str, fields: dict[str, Any]) -> object:
        # The app service's own checks, past what the file's checks catch.
        raise AppError(AppErrorCode.INVALID_APP, "redirect_urls: refused by the service")

    app.workspaces.app_declarer = refusing
    fails(running, app_entry(), "teams[0].apps[0]: redirect_urls: refused by the service")


def test_without_an_app_service_a_file_with_apps_is_refused(running: Running) -> None:
    runner, app = running
    # What ``slackline workspace load`` builds: no app service to register apps with.
    offline = WorkspaceService(app.store, app.identities, SystemClock())
    with pytest.raises(WorkspaceFileError, match=re.escape("teams[0].apps[0]: apps are")):
        runner.run(offline.load_document(parse_workspace_text(app_entry())))
    assert stored(running, "A0200") is None


def test_the_demo_workspace_registers_its_app_with_the_documented_secrets(
    running: Running,
) -> None:
    runner, app = running
    runner.run(app.workspaces.load_file(demo_workspace_path()))
    demo = stored(running, "A0DEMOINST")
    assert demo is not None and demo.client_id == "demo-installer"
    assert app.services.apps.client_secret_matches(demo, "demo-installer-client-secret")
    assert runner.run(app.services.apps.signing_secret("A0DEMOINST")) == (
        "demo-installer-signing-secret"
    )
