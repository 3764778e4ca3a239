"""App-level tokens and Socket Mode fields in a workspace file: a ``type: app`` token naming
an ``app`` is linked to that app's Socket Mode, ``app`` on any other token or naming no app
of the team is refused before anything is written, and an app's ``socket_mode``,
``event_subscriptions`` and ``request_url`` are stored as declared."""

from __future__ import annotations

import asyncio
import re

import pytest

from slackline.app import App
from slackline.domain.apps import AppRecord, AppToken, AppTokenKind
from slackline.domain.workspace_file import WorkspaceFileError
from slackline.services.workspace import parse_workspace_text

Running = tuple[asyncio.Runner, App]

CALLBACK = "http://127.0.0.1:8000/oauth/callback"
APP_TOKEN = "xapp-1-A0SOCK-1-filesecret"
SOCKET_APP = f"""{{id: A0SOCK, name: Socket Bot, kind: granular, redirect_urls: [{CALLBACK}],
    scopes: [chat:write, channels:history], bot_user: U0BOT}}"""


def load(running: Running, text: str) -> list[str]:
    """Load a YAML document into the running application."""
    runner, app = running
    return runner.run(app.workspaces.load_document(parse_workspace_text(text)))


def fails(running: Running, text: str, message: str) -> None:
    """Loading the document raises an error with this message."""
    with pytest.raises(WorkspaceFileError, match=re.escape(message)):
        load(running, text)


def stored(running: Running, app_id: str = "A0SOCK") -> AppRecord | None:
    """The app as stored."""
    runner, app = running
    return runner.run(app.store.apps.get_app(app_id))


def link(running: Running, token: str = APP_TOKEN) -> AppToken | None:
    """The app token record of a token's text."""
    runner, app = running
    return runner.run(app.store.apps.get_app_token(app.identities.hash(token)))


def document(token: str, *, apps: str = SOCKET_APP, team: str = "T0001") -> str:
    """A document with these apps and one token entry in the team."""
    return f"teams: [{{id: {team}, apps: [{apps}], tokens: [{token}]}}]"


def with_app(**fields: str) -> str:
    """A document with the Socket Mode app and these fields added to it."""
    extra = ", ".join(f"{k}: {v}" for k, v in fields.items())
    return f"teams: [{{id: T0001, apps: [{SOCKET_APP[:-1]}, {extra}}}]}}]"


# --- app-level tokens ------------------------------------------------------------------------


def test_an_app_token_naming_an_app_is_linked_to_it_as_app_level(running: Running) -> None:
    load(running, document(f"{{token: {APP_TOKEN}, user: U0BOT, type: app, app: A0SOCK}}"))
    found = link(running)
    assert found is not None
    assert (found.kind, found.app_id, found.team_id, found.user_id) == (
        AppTokenKind.APP_LEVEL, "A0SOCK", "T0001", "U0BOT",
    )  # fmt: skip


def test_an_xapp_token_without_a_type_naming_an_app_is_linked(running: Running) -> None:
    load(running, document(f"{{token: {APP_TOKEN}, user: U0BOT, app: A0SOCK}}"))
    found = link(running)
    assert found is not None and found.kind is AppTokenKind.APP_LEVEL


def test_an_app_token_naming_an_already_stored_app_is_linked(running: Running) -> None:
    load(running, f"teams: [{{id: T0001, apps: [{SOCKET_APP}]}}]")
    load(running, f"teams: [{{id: T0001, tokens: [{{token: {APP_TOKEN}, user: U0BOT, "
                  "type: app, app: A0SOCK}]}]")  # fmt: skip
    found = link(running)
    assert found is not None and found.app_id == "A0SOCK"


def test_the_linked_app_token_is_the_apps_for_socket_mode(running: Running) -> None:
    runner, app = running
    load(running, document(f"{{token: {APP_TOKEN}, user: U0BOT, type: app, app: A0SOCK}}"))
    token_hash = app.identities.hash(APP_TOKEN)
    assert runner.run(app.services.apps.app_of_app_token(token_hash)) == "A0SOCK"


def test_an_app_token_without_app_is_not_linked(running: Running) -> None:
    load(running, document(f"{{token: {APP_TOKEN}, user: U0BOT, type: app}}"))
    assert link(running) is None


def test_app_on_a_user_token_is_refused(running: Running) -> None:
    fails(
        running,
        document("{token: xoxp-9-user, user: U0001, type: user, app: A0SOCK}"),
        "tokens[0].app: only app-level (xapp-) tokens name an app",
    )


def test_app_on_a_bot_token_is_refused(running: Running) -> None:
    fails(
        running,
        document("{token: xoxb-9-bot, user: U0BOT, type: granular_bot, app: A0SOCK}"),
        "tokens[0].app: only app-level (xapp-) tokens name an app",
    )


def test_app_on_an_xapp_text_declared_as_another_type_is_refused(running: Running) -> None:
    fails(
        running,
        document(f"{{token: {APP_TOKEN}, user: U0BOT, type: classic_bot, app: A0SOCK}}"),
        "tokens[0].app: only app-level (xapp-) tokens name an app",
    )


def test_a_refused_app_token_writes_nothing(running: Running) -> None:
    runner, app = running
    with pytest.raises(WorkspaceFileError):
        load(running, document("{token: xoxp-9-user, user: U0001, type: user, app: A0SOCK}"))
    assert runner.run(app.store.get_token(app.identities.hash("xoxp-9-user"))) is None
    assert stored(running) is None


def test_an_app_token_naming_no_app_is_refused(running: Running) -> None:
    fails(
        running,
        document(f"{{token: {APP_TOKEN}, user: U0BOT, type: app, app: A0NONE}}"),
        "tokens[0].app: no app A0NONE in team T0001",
    )


def test_an_app_token_naming_an_app_of_another_team_is_refused(running: Running) -> None:
    other = f"""{{id: A0GLOBEX, name: Globex Bot, kind: granular,
        redirect_urls: [{CALLBACK}], scopes: [chat:write]}}"""
    load(running, f"teams: [{{id: T0002, apps: [{other}]}}]")
    fails(
        running,
        document(f"{{token: {APP_TOKEN}, user: U0BOT, type: app, app: A0GLOBEX}}"),
        "tokens[0].app: no app A0GLOBEX in team T0001",
    )


def test_a_refused_app_token_leaves_no_link(running: Running) -> None:
    with pytest.raises(WorkspaceFileError):
        load(running, document(f"{{token: {APP_TOKEN}, user: U0BOT, type: app, app: A0NONE}}"))
    assert link(running) is None


# --- the app's Socket Mode fields ------------------------------------------------------------


def test_socket_mode_is_stored(running: Running) -> None:
    load(running, with_app(socket_mode="true"))
    app = stored(running)
    assert app is not None and app.socket_mode is True


def test_an_app_without_socket_mode_is_not_in_socket_mode(running: Running) -> None:
    load(running, with_app())
    app = stored(running)
    assert app is not None and app.socket_mode is False


def test_socket_mode_must_be_a_boolean(running: Running) -> None:
    with pytest.raises(WorkspaceFileError, match=re.escape("teams[0].apps[0].socket_mode")):
        load(running, with_app(socket_mode="sometimes"))


def test_event_subscriptions_are_stored(running: Running) -> None:
    load(running, with_app(event_subscriptions="[message.channels]"))
    app = stored(running)
    assert app is not None and app.event_subscriptions == ("message.channels",)


def test_a_subscription_the_scopes_do_not_allow_is_refused(running: Running) -> None:
    text = with_app(event_subscriptions="[app_mention]")
    fails(running, text, "app_mention needs the scope app_mentions:read")


def test_an_unknown_subscription_is_refused(running: Running) -> None:
    fails(running, with_app(event_subscriptions="[nope]"), "unknown event 'nope'")


def test_a_request_url_is_stored(running: Running) -> None:
    load(running, with_app(request_url="https://bot.example/slack/events"))
    app = stored(running)
    assert app is not None and app.request_url == "https://bot.example/slack/events"


def test_an_app_without_a_request_url_has_none(running: Running) -> None:
    load(running, with_app())
    app = stored(running)
    assert app is not None and app.request_url == ""


def test_a_request_url_that_is_not_http_is_refused(running: Running) -> None:
    fails(
        running,
        with_app(request_url="ftp://bot.example/events"),
        "teams[0].apps[0].request_url: 'ftp://bot.example/events' is not an absolute http(s) URL",
    )


def test_a_relative_request_url_is_refused(running: Running) -> None:
    with pytest.raises(WorkspaceFileError, match=re.escape("teams[0].apps[0].request_url: ")):
        load(running, with_app(request_url="/slack/events"))


def test_a_refused_request_url_stores_no_app(running: Running) -> None:
    with pytest.raises(WorkspaceFileError):
        load(running, with_app(request_url="ftp://bot.example/events"))
    assert stored(running) is None


def test_a_changed_request_url_updates_the_app(running: Running) -> None:
    load(running, with_app(request_url="https://bot.example/one"))
    changed = "{id: A0SOCK, request_url: https://bot.example/two}"
    load(running, f"teams: [{{id: T0001, apps: [{changed}]}}]")
    app = stored(running)
    assert app is not None and app.request_url == "https://bot.example/two"
