"""The app service (services/apps.py) on a running application with a manual clock:
registering (generated ids and secrets, only hashes and sealed boxes at rest, the errors),
rotating secrets, installing (the bot user made once, its events, re-installs reissuing),
the code's rules, refreshing rotating tokens and uninstalling."""

from __future__ import annotations

import asyncio
import re
import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest

from slackline.app import App, Components, create_app
from slackline.broker import ControlAction, Event, SessionControl
from slackline.clock import ManualClock
from slackline.config import Settings
from slackline.domain.apps import CODE_TTL_SECS, AuthorizeError, OAuthFlow
from slackline.domain.models import TokenType
from slackline.errors import SlackError
from slackline.services.apps import AppError, RegisteredApp
from tests.helpers.http import TEST_SECRET, WORKSPACE_FILE

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
    "user_scopes": ["search:read"],
}

Running = tuple[asyncio.Runner, App, ManualClock]


@pytest.fixture
def running(tmp_path: Path) -> Iterator[Running]:
    """An application on a fresh SQLite file (``tmp_path/db``) and a manual clock."""
    settings = Settings(
        database=f"sqlite:///{tmp_path / 'db'}",
        workspaces=(WORKSPACE_FILE,),
        secret_file=str(tmp_path / "secret"),
    )
    clock = ManualClock()
    with asyncio.Runner() as runner:
        app = create_app(settings, Components(secret=TEST_SECRET, clock=clock))
        runner.run(app.start())
        yield runner, app, clock
        runner.run(app.close())


def register(running: Running, raw: dict[str, Any] = CLASSIC, team: str = "T0001") -> RegisteredApp:
    """Register an app; its secrets in the clear."""
    runner, app, _ = running
    return runner.run(app.services.apps.register(team, dict(raw)))


def code_for(
    running: Running,
    registered: RegisteredApp,
    *,
    user: str = "U0001",
    team: str = "T0001",
    **args: str,
) -> str:
    """The code an approval of this request hands the browser."""
    runner, app, _ = running
    flow = registered.app.flow
    fields = {"client_id": registered.app.client_id, "scope": ",".join(registered.app.scopes)}
    fields |= args
    request = runner.run(app.services.apps.check_authorize(flow, team, fields))
    location = runner.run(app.services.apps.approve(request, user))
    return parse_qs(urlsplit(location).query)["code"][0]


def exchange(running: Running, registered: RegisteredApp, **args: str) -> dict[str, Any]:
    """``oauth.access`` / ``oauth.v2.access`` with form credentials; the body."""
    runner, app, _ = running
    fields = {"client_id": registered.app.client_id, "client_secret": registered.client_secret}
    fields |= args
    return runner.run(app.services.apps.exchange(registered.app.flow, fields, None))


def install(running: Running, registered: RegisteredApp, **args: str) -> dict[str, Any]:
    """Approve and exchange in one go (the installer U0001 of T0001 unless named)."""
    return exchange(running, registered, code=code_for(running, registered, **args))


def exchange_error(running: Running, registered: RegisteredApp, **args: str) -> str:
    """The Slack error an exchange fails with."""
    with pytest.raises(SlackError) as refused:
        exchange(running, registered, **args)
    return refused.value.code.value


def app_error(running: Running, raw: dict[str, Any], team: str = "T0001") -> str:
    """The code registering this definition fails with."""
    with pytest.raises(AppError) as refused:
        register(running, raw, team)
    return refused.value.code.value


def is_revoked(running: Running, token: str) -> bool:
    """Whether the token's stored record is revoked."""
    runner, app, _ = running
    stored = runner.run(app.store.get_token(app.identities.hash(token)))
    assert stored is not None
    return stored.revoked


def recorded(app: App) -> list[object]:
    """Every broker message (events and session endings) the app publishes from now on."""
    messages: list[object] = []
    app.broker.subscribe(messages.append)
    return messages


def event_types(messages: list[object]) -> list[str]:
    """The types of the events among the messages."""
    return [m.payload["type"] for m in messages if isinstance(m, Event)]


def goodbyes(messages: list[object]) -> set[str | None]:
    """The token hashes whose sessions the messages end with ``goodbye``."""
    return {
        m.token_hash
        for m in messages
        if isinstance(m, SessionControl) and m.action is ControlAction.GOODBYE
    }


# --- registering -----------------------------------------------------------------------------


def test_registering_generates_the_id_client_id_and_secrets(running: Running) -> None:
    registered = register(running)
    assert re.fullmatch(r"A[0-9A-Z]+", registered.app.id)
    assert re.fullmatch(r"\d{12}\.\d{12}", registered.app.client_id)
    assert re.fullmatch(r"[0-9a-f]{32}", registered.client_secret)
    assert re.fullmatch(r"[0-9a-f]{32}", registered.signing_secret)


def test_no_secret_nor_token_is_stored_in_the_clear(running: Running, tmp_path: Path) -> None:
    registered = register(running)
    code = code_for(running, registered)
    body = exchange(running, registered, code=code)
    clear = [
        registered.client_secret,
        registered.signing_secret,
        code,
        body["access_token"],
        body["bot"]["bot_access_token"],
    ]
    with sqlite3.connect(tmp_path / "db") as database:
        tables = [
            r[0] for r in database.execute("SELECT name FROM sqlite_master WHERE type='table'")
        ]
        dump = "\n".join(
            repr(row) for table in tables for row in database.execute(f'SELECT * FROM "{table}"')
        )
    assert registered.app.id in dump  # the dump does hold the app
    assert [secret for secret in clear if secret in dump] == []


def test_the_signing_secret_given_is_recovered(running: Running) -> None:
    runner, app, _ = running
    registered = register(running, {**CLASSIC, "signing_secret": "sign-me-please"})
    assert runner.run(app.services.apps.signing_secret(registered.app.id)) == "sign-me-please"


def test_a_rotated_client_secret_replaces_the_old_one(running: Running) -> None:
    runner, app, _ = running
    registered = register(running)
    code = code_for(running, registered)
    new_secret = runner.run(app.services.apps.rotate(registered.app.id, "client_secret"))
    assert new_secret != registered.client_secret
    assert exchange_error(running, registered, code=code) == "bad_client_secret"
    assert "access_token" in exchange(running, registered, code=code, client_secret=new_secret)


def test_a_rotated_signing_secret_is_the_one_recovered(running: Running) -> None:
    runner, app, _ = running
    registered = register(running)
    new_secret = runner.run(app.services.apps.rotate(registered.app.id, "signing_secret"))
    assert new_secret != registered.signing_secret
    assert runner.run(app.services.apps.signing_secret(registered.app.id)) == new_secret


def test_rotating_what_is_no_secret_is_invalid_app(running: Running) -> None:
    runner, app, _ = running
    registered = register(running)
    with pytest.raises(AppError) as refused:
        runner.run(app.services.apps.rotate(registered.app.id, "client_id"))
    assert refused.value.code.value == "invalid_app"


def test_declaring_again_updates_fields_and_keeps_secrets_not_named(running: Running) -> None:
    runner, app, _ = running
    first = register(running, {**CLASSIC, "id": "A0WEATHER"})
    again = runner.run(
        app.services.apps.declare("T0001", {"id": "A0WEATHER", "name": "Weather Two"})
    )
    assert (again.client_secret, again.signing_secret) == ("", "")
    stored = runner.run(app.services.apps.get("A0WEATHER"))
    assert stored.name == "Weather Two" and stored.scopes == first.app.scopes
    assert stored.client_secret_hash == first.app.client_secret_hash
    assert runner.run(app.services.apps.signing_secret("A0WEATHER")) == first.signing_secret


@pytest.mark.parametrize(
    "changes",
    [
        {"colour": "blue"},
        {"kind": "modern"},
        {"name": ""},
        {"redirect_urls": ["ftp://127.0.0.1/cb"]},
        {"scopes": ["Not A Scope"]},
        {"scopes": []},
        {"user_scopes": ["search:read"]},  # classic apps list every scope in scopes
        {"token_rotation": True},  # only granular apps rotate
        {"distributed": "yes"},
        {"client_secret": "short"},
        {"client_id": ""},
        {"bot_user": 7},
    ],
)
def test_a_bad_definition_is_invalid_app(running: Running, changes: dict[str, Any]) -> None:
    assert app_error(running, {**CLASSIC, **changes}) == "invalid_app"


def test_a_definition_without_a_required_field_is_invalid_app(running: Running) -> None:
    without_scopes = {k: v for k, v in CLASSIC.items() if k != "scopes"}
    assert app_error(running, without_scopes) == "invalid_app"


def test_a_client_id_of_another_app_is_client_id_taken(running: Running) -> None:
    first = register(running)
    assert app_error(running, {**CLASSIC, "client_id": first.app.client_id}) == "client_id_taken"


def test_registering_an_id_that_exists_is_app_exists(running: Running) -> None:
    register(running, {**CLASSIC, "id": "A0WEATHER"})
    assert app_error(running, {**CLASSIC, "id": "A0WEATHER"}) == "app_exists"


def test_declaring_another_teams_app_is_app_exists(running: Running) -> None:
    runner, app, _ = running
    register(running, {**CLASSIC, "id": "A0WEATHER"})
    with pytest.raises(AppError) as refused:
        runner.run(app.services.apps.declare("T0002", {**CLASSIC, "id": "A0WEATHER"}))
    assert refused.value.code.value == "app_exists"


def test_registering_in_a_team_that_does_not_exist_is_team_not_found(running: Running) -> None:
    assert app_error(running, CLASSIC, "T9999") == "team_not_found"


@pytest.mark.parametrize("user", ["U0002", "U1BOT", "U9999"])  # a person, another team's, none
def test_a_bot_user_must_be_a_bot_user_of_the_team(running: Running, user: str) -> None:
    assert app_error(running, {**CLASSIC, "bot_user": user}) == "invalid_app"


def test_a_declared_bot_user_is_the_installs_bot_user(running: Running) -> None:
    registered = register(running, {**CLASSIC, "bot_user": "U0BOT"})
    assert install(running, registered)["bot"]["bot_user_id"] == "U0BOT"


# --- installing ------------------------------------------------------------------------------


def test_installing_with_bot_creates_a_bot_user_named_after_the_app(running: Running) -> None:
    runner, app, _ = running
    bot_user_id = install(running, register(running))["bot"]["bot_user_id"]
    user = runner.run(app.store.get_user(bot_user_id))
    assert user is not None and user.bot_id and not user.deleted
    assert (user.name, user.team_id) == ("weather_bot", "T0001")


def test_the_first_install_announces_team_join_and_bot_added(running: Running) -> None:
    _, app, _ = running
    registered = register(running)
    messages = recorded(app)
    install(running, registered)
    assert [t for t in event_types(messages) if t in ("team_join", "bot_added")] == [
        "team_join",
        "bot_added",
    ]


def test_reinstalling_reuses_the_bot_user_and_announces_no_new_one(running: Running) -> None:
    _, app, _ = running
    registered = register(running)
    first = install(running, registered)
    messages = recorded(app)
    second = install(running, registered)
    assert second["bot"]["bot_user_id"] == first["bot"]["bot_user_id"]
    assert {"team_join", "bot_added", "bot_changed"}.isdisjoint(event_types(messages))


def test_reinstalling_revokes_the_earlier_bot_token_and_ends_its_sessions(
    running: Running,
) -> None:
    _, app, _ = running
    registered = register(running)
    first = install(running, registered)["bot"]["bot_access_token"]
    messages = recorded(app)
    second = install(running, registered)["bot"]["bot_access_token"]
    assert second != first
    assert is_revoked(running, first) and not is_revoked(running, second)
    assert app.identities.hash(first) in goodbyes(messages)


def test_reinstalling_revokes_the_installers_earlier_user_token(running: Running) -> None:
    registered = register(running)
    first = install(running, registered)["access_token"]
    second = install(running, registered)["access_token"]
    assert is_revoked(running, first) and not is_revoked(running, second)


def test_another_persons_install_keeps_the_first_installers_user_token(
    running: Running,
) -> None:
    registered = register(running)
    alice = install(running, registered)["access_token"]
    bob = install(running, registered, user="U0002")
    assert bob["user_id"] == "U0002" and not is_revoked(running, alice)


def test_a_classic_install_issues_a_user_token_and_a_classic_bot_token(
    running: Running,
) -> None:
    runner, app, _ = running
    body = install(running, register(running), scope="bot,channels:read")
    bot = runner.run(app.store.get_token(app.identities.hash(body["bot"]["bot_access_token"])))
    user = runner.run(app.store.get_token(app.identities.hash(body["access_token"])))
    assert bot is not None and bot.type is TokenType.CLASSIC_BOT
    assert user is not None and (user.type, user.user_id) == (TokenType.USER, "U0001")
    assert (body["scope"], user.scopes) == (
        "identify,bot,channels:read",
        ("identify", "channels:read"),
    )


def test_an_install_is_recorded_with_its_installer_and_bot(running: Running) -> None:
    runner, app, _ = running
    registered = register(running)
    body = install(running, registered)
    (installation,) = runner.run(app.services.apps.installations(registered.app.id))
    assert (installation.team_id, installation.installer) == ("T0001", "U0001")
    assert installation.bot_user_id == body["bot"]["bot_user_id"]


# --- the code --------------------------------------------------------------------------------


def test_a_code_is_exchanged_once(running: Running) -> None:
    registered = register(running)
    code = code_for(running, registered)
    exchange(running, registered, code=code)
    assert exchange_error(running, registered, code=code) == "code_already_used"


def test_a_code_expires_after_ten_minutes(running: Running) -> None:
    _, _, clock = running
    registered = register(running)
    code = code_for(running, registered)
    clock.advance(CODE_TTL_SECS)
    assert exchange_error(running, registered, code=code) == "invalid_code"


def test_another_apps_code_is_invalid_code(running: Running) -> None:
    first, second = register(running), register(running)
    assert exchange_error(running, second, code=code_for(running, first)) == "invalid_code"


@pytest.mark.parametrize("code", ["", "123.456.deadbeef"])
def test_no_or_an_unknown_code_is_invalid_code(running: Running, code: str) -> None:
    assert exchange_error(running, register(running), code=code) == "invalid_code"


def test_a_v1_code_sent_to_the_v2_exchange_is_a_url_mismatch(running: Running) -> None:
    runner, app, _ = running
    registered = register(running)
    fields = {
        "client_id": registered.app.client_id,
        "client_secret": registered.client_secret,
        "code": code_for(running, registered),
    }
    with pytest.raises(SlackError) as refused:
        runner.run(app.services.apps.exchange(OAuthFlow.V2, fields, None))
    assert refused.value.code.value == "oauth_authorization_url_mismatch"


def test_the_exchange_must_name_the_redirect_url_the_request_named(running: Running) -> None:
    registered = register(running)
    code = code_for(running, registered, redirect_uri=REDIRECT + "/a")
    assert exchange_error(running, registered, code=code) == "bad_redirect_uri"


def test_the_exchange_may_not_name_a_foreign_redirect_url(running: Running) -> None:
    registered = register(running)
    code = code_for(running, registered)
    error = exchange_error(running, registered, code=code, redirect_uri="http://evil.example/")
    assert error == "bad_redirect_uri"


def test_an_unknown_grant_type_is_invalid_grant_type(running: Running) -> None:
    registered = register(running)
    code = code_for(running, registered)
    assert exchange_error(running, registered, code=code, grant_type="password") == (
        "invalid_grant_type"
    )


def test_a_code_binds_its_team_a_person_of_another_team_cannot_install(
    running: Running,
) -> None:
    # The approval names gina of T0002 for a T0001 request: no token of T0001 goes to her.
    registered = register(running)
    code = code_for(running, registered, user="U1001")
    assert exchange_error(running, registered, code=code) == "invalid_code"


def test_a_deactivated_installer_cannot_exchange_their_code(running: Running) -> None:
    runner, app, _ = running
    registered = register(running)
    code = code_for(running, registered, user="U0002")
    runner.run(app.workspaces.deactivate_user("U0002"))
    assert exchange_error(running, registered, code=code) == "invalid_code"


def test_a_distributed_app_installs_in_another_team(running: Running) -> None:
    registered = register(running, {**CLASSIC, "distributed": True})
    body = install(running, registered, user="U1001", team="T0002")
    assert (body["team_id"], body["user_id"]) == ("T0002", "U1001")


def test_an_app_not_distributed_is_refused_in_another_team(running: Running) -> None:
    runner, app, _ = running
    registered = register(running)
    args = {"client_id": registered.app.client_id, "scope": "bot"}
    with pytest.raises(AuthorizeError) as refused:
        runner.run(app.services.apps.check_authorize(OAuthFlow.V1, "T0002", args))
    assert refused.value.code == "invalid_team"


# --- rotating tokens -------------------------------------------------------------------------


def test_a_rotating_install_answers_expiring_tokens_and_refresh_tokens(running: Running) -> None:
    body = install(running, register(running, GRANULAR), user_scope="search:read")
    assert body["access_token"].startswith("xoxe.xoxb-1-")
    assert body["authed_user"]["access_token"].startswith("xoxe.xoxp-1-")
    assert body["refresh_token"].startswith("xoxe-1-") and body["expires_in"] == 43200


def test_refreshing_issues_new_tokens_and_spends_the_refresh_token(running: Running) -> None:
    registered = register(running, GRANULAR)
    body = install(running, registered)
    fields = {"grant_type": "refresh_token", "refresh_token": body["refresh_token"]}
    refreshed = exchange(running, registered, **fields)
    assert refreshed["access_token"] != body["access_token"]
    assert refreshed["refresh_token"] != body["refresh_token"]
    assert exchange_error(running, registered, **fields) == "invalid_refresh_token"


def test_another_apps_refresh_token_is_invalid_refresh_token(running: Running) -> None:
    first, second = register(running, GRANULAR), register(running, GRANULAR)
    refresh = install(running, first)["refresh_token"]
    error = exchange_error(running, second, grant_type="refresh_token", refresh_token=refresh)
    assert error == "invalid_refresh_token"


def test_an_access_token_is_no_refresh_token(running: Running) -> None:
    registered = register(running, GRANULAR)
    access = install(running, registered)["access_token"]
    error = exchange_error(running, registered, grant_type="refresh_token", refresh_token=access)
    assert error == "invalid_refresh_token"


# --- uninstalling ----------------------------------------------------------------------------


def test_uninstalling_revokes_every_token_and_deactivates_the_bot_user(running: Running) -> None:
    runner, app, _ = running
    registered = register(running)
    alice, bob = install(running, registered), install(running, registered, user="U0002")
    messages = recorded(app)
    revoked = runner.run(app.services.apps.uninstall(registered.app.id, "T0001"))
    tokens = [alice["access_token"], bob["access_token"], bob["bot"]["bot_access_token"]]
    assert revoked == 3 and all(is_revoked(running, t) for t in tokens)
    assert {app.identities.hash(t) for t in tokens} <= goodbyes(messages)
    user = runner.run(app.store.get_user(bob["bot"]["bot_user_id"]))
    assert user is not None and user.deleted
    assert runner.run(app.services.apps.installations(registered.app.id)) == []


def test_uninstalling_an_app_not_installed_is_not_installed(running: Running) -> None:
    runner, app, _ = running
    registered = register(running)
    with pytest.raises(AppError) as refused:
        runner.run(app.services.apps.uninstall(registered.app.id, "T0001"))
    assert refused.value.code.value == "not_installed"


def test_installing_after_uninstalling_reactivates_the_same_bot_user(running: Running) -> None:
    runner, app, _ = running
    registered = register(running)
    first = install(running, registered)["bot"]["bot_user_id"]
    runner.run(app.services.apps.uninstall(registered.app.id, "T0001"))
    messages = recorded(app)
    again = install(running, registered)["bot"]["bot_user_id"]
    user = runner.run(app.store.get_user(again))
    assert again == first and user is not None and not user.deleted
    assert "bot_changed" in event_types(messages)
