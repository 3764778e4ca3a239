"""An unmodified Bolt for Python 1.30 app installs itself through Slackline's V2 flow: its
``OAuthSettings`` point ``authorization_url`` at ``/oauth/v2/authorize`` and its
``WebClient`` at Slackline's Web API, and nothing else changes. Bolt's own WSGI adapter
serves ``/slack/install`` and ``/slack/oauth_redirect`` on 127.0.0.1; a signed-in person
approves (or denies) on Slackline's consent page over plain HTTP, with Bolt's state cookie
kept as a browser keeps it."""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

import pytest
from slack_bolt import App
from slack_bolt.adapter.wsgi import SlackRequestHandler
from slack_bolt.oauth.oauth_settings import OAuthSettings
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.oauth.installation_store import FileInstallationStore
from slack_sdk.oauth.state_store import FileOAuthStateStore

from slackline.services.apps import RegisteredApp
from slackline.testing.server import ServerThread
from tests.helpers.signin import Answer, Browserless
from tests.web.conftest import register_app


class _QuietHandler(WSGIRequestHandler):
    """wsgiref's handler without its access log on stderr."""

    def log_message(self, format: str, *args: Any) -> None:
        """Drop the line."""


def _not_ready(environ: dict[str, Any], start_response: Any) -> list[bytes]:
    """The placeholder WSGI app until Bolt's handler is set (nothing calls it)."""
    start_response("503 Service Unavailable", [])
    return []


@dataclass
class BoltSite:
    """A Bolt app served by its WSGI adapter, its installation store and its browser."""

    app: RegisteredApp
    store: FileInstallationStore
    browser: Browserless

    def install(self, person: Browserless, decision: str) -> Answer:
        """Visit ``/slack/install``, decide on Slackline's consent page, and follow the
        redirect back to Bolt's callback; Bolt's answer."""
        start = self.browser.request("GET", "/slack/install")
        assert start.status == 302, start.text
        decided = person.decide(start.headers["location"], decision)
        assert decided.status == 303, decided.text[:500]
        back = urlsplit(decided.headers["location"])
        assert (back.hostname, back.port) == ("127.0.0.1", self.browser.port)
        return self.browser.request("GET", f"{back.path}?{back.query}")


def bolt_app(people_server: ServerThread, app: RegisteredApp, redirect: str, files: Path) -> App:
    """Bolt's ``App`` for the registered app: only the URLs point at Slackline."""
    base = f"http://127.0.0.1:{people_server.port}"
    settings = OAuthSettings(
        client_id=app.app.client_id,
        client_secret=app.client_secret,
        scopes=list(app.app.scopes),
        user_scopes=list(app.app.user_scopes),
        redirect_uri=redirect,
        install_page_rendering_enabled=False,
        authorization_url=f"{base}/oauth/v2/authorize",
        installation_store=FileInstallationStore(base_dir=str(files / "installations")),
        state_store=FileOAuthStateStore(expiration_seconds=600, base_dir=str(files / "states")),
    )
    return App(
        signing_secret=app.signing_secret,
        oauth_settings=settings,
        client=WebClient(base_url=f"{base}/api/"),
        logger=logging.getLogger("bolt-under-test"),
    )


@pytest.fixture()
def site(people_server: ServerThread, tmp_path: Path) -> Iterator[BoltSite]:
    """A granular app registered with the Bolt server's callback, Bolt serving it."""
    # Bound first: the app's redirect URL names the port; Bolt's handler is set once built.
    wsgi: WSGIServer = make_server("127.0.0.1", 0, _not_ready, handler_class=_QuietHandler)
    port = wsgi.server_address[1]
    redirect = f"http://127.0.0.1:{port}/slack/oauth_redirect"
    app = register_app(people_server, "Bolt Bot", "granular", [redirect], ["chat:write"],
                       user_scopes=["search:read"])  # fmt: skip
    bolt = bolt_app(people_server, app, redirect, tmp_path)
    wsgi.set_app(SlackRequestHandler(bolt))
    thread = threading.Thread(target=wsgi.serve_forever, daemon=True)
    thread.start()
    try:
        assert bolt.oauth_flow is not None
        store = bolt.oauth_flow.settings.installation_store
        assert isinstance(store, FileInstallationStore)
        yield BoltSite(app, store, Browserless(port))
    finally:
        wsgi.shutdown()
        wsgi.server_close()
        thread.join(timeout=10)


def test_bolt_installs_and_stores_the_bot_token(
    people_server: ServerThread, alice: Browserless, site: BoltSite
) -> None:
    answer = site.install(alice, "allow")
    assert answer.status == 200, answer.text
    installation = site.store.find_installation(enterprise_id=None, team_id="T0001")
    assert installation is not None
    assert installation.app_id == site.app.app.id and installation.user_id == "U0001"
    assert installation.bot_token is not None and installation.bot_token.startswith("xoxb-")
    assert installation.user_token is not None and installation.user_token.startswith("xoxp-")


def test_the_installed_bot_token_works_and_rtm_refuses_it(
    people_server: ServerThread, alice: Browserless, site: BoltSite
) -> None:
    assert site.install(alice, "allow").status == 200
    bot = site.store.find_bot(enterprise_id=None, team_id="T0001")
    assert bot is not None and bot.bot_token is not None
    client = WebClient(base_url=f"http://127.0.0.1:{people_server.port}/api/")
    identity = client.auth_test(token=bot.bot_token)
    assert (identity["user_id"], identity["bot_id"]) == (bot.bot_user_id, bot.bot_id)
    with pytest.raises(SlackApiError) as refused:
        client.rtm_connect(token=bot.bot_token)
    assert refused.value.response["error"] == "not_allowed_token_type"


def test_denying_shows_bolts_failure_page_and_stores_nothing(
    alice: Browserless, site: BoltSite
) -> None:
    answer = site.install(alice, "deny")
    assert answer.status == 200  # Bolt's suggested status for a person's cancellation
    assert "access_denied" in answer.text
    assert site.store.find_installation(enterprise_id=None, team_id="T0001") is None
