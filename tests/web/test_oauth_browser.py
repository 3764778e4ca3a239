"""Installing an app in chromium (web/oauth.py): a developer's app of its own, on 127.0.0.1
port 0, sends a person to Slackline's authorize page; the person signs in, approves (or
denies) and lands back on the app, which exchanges the code with slack_sdk's
``oauth_access`` / ``oauth_v2_access`` and keeps the tokens. A classic app's bot token then
opens RTM; a granular app's is refused by ``rtm.connect``. A replayed code, a wrong client
secret and a redirect URL the app did not register each get their error."""

from __future__ import annotations

import secrets
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from html import escape
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

import pytest
from playwright.sync_api import Browser, expect
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from slackline.testing.server import ServerThread
from tests.helpers.rtm import open_socket
from tests.web.conftest import TIMEOUT_MS, People, Person, register_app

PAGE = """<!doctype html><html lang="en"><head><meta charset="utf-8">
<link rel="icon" href="data:,"><title>Dev app</title></head><body><h1>{text}</h1></body></html>"""


@dataclass
class DevApp:
    """A bot developer's app as it ships: ``/install`` sends the browser to Slackline's
    authorize URL, ``/oauth/callback`` exchanges the code and keeps what it got."""

    slackline: str
    flow: str = "v1"
    scope: str = "bot"
    client_id: str = ""
    client_secret: str = ""
    redirect_uri: str = ""  # what /install names; the app's own callback when empty
    installs: list[dict[str, Any]] = field(default_factory=list)
    callbacks: list[dict[str, list[str]]] = field(default_factory=list)
    states: set[str] = field(default_factory=set)
    lock: threading.Lock = field(default_factory=threading.Lock)
    httpd: ThreadingHTTPServer | None = None

    @property
    def base_url(self) -> str:
        """``http://127.0.0.1:<port>``."""
        assert self.httpd is not None
        return f"http://127.0.0.1:{self.httpd.server_address[1]}"

    @property
    def callback(self) -> str:
        """The redirect URL the app registers."""
        return f"{self.base_url}/oauth/callback"

    def authorize_url(self) -> str:
        """Slackline's authorize URL for this app, with a fresh state."""
        state = secrets.token_urlsafe(8)
        with self.lock:
            self.states.add(state)
        path = "/oauth/authorize" if self.flow == "v1" else "/oauth/v2/authorize"
        query = {"client_id": self.client_id, "scope": self.scope, "state": state,
                 "redirect_uri": self.redirect_uri or self.callback}  # fmt: skip
        return f"{self.slackline}{path}?{urlencode(query)}"

    def finish(self, query: dict[str, list[str]]) -> str:
        """The callback's work: the page's heading (``Installed <team>`` or why not)."""
        with self.lock:
            self.callbacks.append(query)
            known = query.get("state", [""])[0] in self.states
        if "error" in query:
            return f"Not installed: {query['error'][0]}"
        if not known:
            return "Not installed: unknown state"
        client = WebClient(base_url=f"{self.slackline}/api/")
        exchange = client.oauth_access if self.flow == "v1" else client.oauth_v2_access
        try:
            answer = exchange(client_id=self.client_id, client_secret=self.client_secret,
                              code=query["code"][0], redirect_uri=self.callback)  # fmt: skip
        except SlackApiError as refused:
            return f"Install failed: {refused.response['error']}"
        data = dict(answer.data) if isinstance(answer.data, dict) else {}
        with self.lock:
            self.installs.append(data)
        team = data["team_name"] if self.flow == "v1" else data["team"]["name"]
        return f"Installed {team}"

    def start(self) -> DevApp:
        """Listen on 127.0.0.1 port 0, in a thread."""
        app = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                url = urlsplit(self.path)
                if url.path == "/install":
                    self.send_response(302)
                    self.send_header("Location", app.authorize_url())
                    self.end_headers()
                    return
                if url.path != "/oauth/callback":
                    self.send_response(204)  # the browser's own /favicon.ico, say
                    self.end_headers()
                    return
                body = PAGE.format(text=escape(app.finish(parse_qs(url.query)))).encode()
                self.send_response(200)
                self.send_header("Content-Type", "text/html; charset=utf-8")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, format: str, *args: Any) -> None:
                pass  # the test's output is not the app's access log

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        """Stop listening."""
        if self.httpd is not None:
            self.httpd.shutdown()
            self.httpd.server_close()


@pytest.fixture
def dev_app(web_server: ServerThread) -> Iterator[Callable[..., DevApp]]:
    """Start a developer's app and register it in Acme: ``dev_app(kind, scopes, ...)``."""
    started: list[DevApp] = []

    def start(kind: str = "classic", scopes: tuple[str, ...] = ("bot",), **extra: Any) -> DevApp:
        dev = DevApp(web_server.base_url, flow="v1" if kind == "classic" else "v2",
                     scope=",".join(scopes)).start()  # fmt: skip
        started.append(dev)
        name = f"Dev App {len(started)}{secrets.token_hex(2)}"
        registered = register_app(web_server, name, kind, [dev.callback], list(scopes), **extra)
        dev.client_id, dev.client_secret = registered.app.client_id, registered.client_secret
        return dev

    yield start
    for dev in started:
        dev.stop()


def walk_to_consent(person: Person, dev: DevApp) -> None:
    """Open the app's install link signed out, sign in, and wait for the consent page."""
    person.page.goto(f"{dev.base_url}/install")
    person.page.wait_for_url(f"{person.base_url}/signin?*")
    person.fill_sign_in()
    expect(person.page.get_by_role("heading", level=1)).to_contain_text("wants to be installed")


def decide(person: Person, dev: DevApp, button: str) -> None:
    """Press Allow or Deny and wait to land on the app's callback page."""
    with person.page.expect_navigation(url=f"{dev.callback}?*", timeout=TIMEOUT_MS):
        person.page.get_by_role("button", name=button).click()


def test_a_person_installs_a_classic_app_and_its_bot_token_opens_rtm(
    people: People, dev_app: Callable[..., DevApp], web_server: ServerThread
) -> None:
    dev = dev_app("classic", ("bot", "channels:read"))
    alice = people("alice")
    walk_to_consent(alice, dev)
    expect(alice.page.locator(".team")).to_have_text("Acme (acme)")
    decide(alice, dev, "Allow")
    expect(alice.page.get_by_role("heading")).to_have_text("Installed Acme")
    socket = open_socket(web_server, dev.installs[0]["bot"]["bot_access_token"])
    socket.close()


def test_a_granular_apps_bot_token_is_refused_by_rtm_connect(
    people: People, dev_app: Callable[..., DevApp], web_server: ServerThread
) -> None:
    dev = dev_app("granular", ("chat:write",))
    bob = people("bob")
    walk_to_consent(bob, dev)
    decide(bob, dev, "Allow")
    expect(bob.page.get_by_role("heading")).to_have_text("Installed Acme")
    bot = WebClient(base_url=f"{web_server.base_url}/api/", token=dev.installs[0]["access_token"])
    with pytest.raises(SlackApiError) as refused:
        bot.rtm_connect()
    assert refused.value.response["error"] == "not_allowed_token_type"


def test_denying_lands_on_the_app_with_access_denied(
    people: People, dev_app: Callable[..., DevApp]
) -> None:
    dev = dev_app()
    carol = people("carol")
    walk_to_consent(carol, dev)
    decide(carol, dev, "Deny")
    expect(carol.page.get_by_role("heading")).to_have_text("Not installed: access_denied")
    assert not dev.installs


def test_a_replayed_code_is_code_already_used(
    people: People, dev_app: Callable[..., DevApp]
) -> None:
    dev = dev_app()
    alice = people("alice")
    walk_to_consent(alice, dev)
    decide(alice, dev, "Allow")
    expect(alice.page.get_by_role("heading")).to_have_text("Installed Acme")
    # Reloading the callback page makes the app exchange the same code again.
    alice.page.reload()
    expect(alice.page.get_by_role("heading")).to_have_text("Install failed: code_already_used")


def test_a_wrong_client_secret_is_bad_client_secret(
    people: People, dev_app: Callable[..., DevApp]
) -> None:
    dev = dev_app()
    dev.client_secret = "not-the-apps-secret"
    bob = people("bob")
    walk_to_consent(bob, dev)
    decide(bob, dev, "Allow")
    expect(bob.page.get_by_role("heading")).to_have_text("Install failed: bad_client_secret")


def test_a_redirect_url_the_app_did_not_register_gets_the_error_page_and_no_redirect(
    people: People, dev_app: Callable[..., DevApp]
) -> None:
    dev = dev_app()
    dev.redirect_uri = "http://127.0.0.1:9/somewhere-else"
    carol = people("carol")
    carol.allow_console_error("status of 400")  # the error page's own status
    carol.page.goto(f"{dev.base_url}/install")
    carol.page.wait_for_url(f"{carol.base_url}/signin?*")
    carol.fill_sign_in()
    expect(carol.page.locator(".error-code")).to_have_text("bad_redirect_uri")
    assert carol.page.url.startswith(f"{carol.base_url}/oauth/authorize?")
    assert not dev.callbacks


def test_the_consent_form_works_with_javascript_off(
    browser: Browser, web_server: ServerThread, dev_app: Callable[..., DevApp]
) -> None:
    dev = dev_app()
    context = browser.new_context(base_url=web_server.base_url, java_script_enabled=False)
    context.set_default_timeout(TIMEOUT_MS)
    try:
        page = context.new_page()
        page.goto(f"{dev.base_url}/install")
        page.get_by_label("Workspace").fill("acme")
        page.get_by_label("Email or user name").fill("carol@acme.test")
        page.get_by_label("Password").fill("carol-password-3")
        with page.expect_navigation():
            page.get_by_role("button", name="Sign in").click()
        with page.expect_navigation(url=f"{dev.callback}?*"):
            page.get_by_role("button", name="Allow").click()
        expect(page.get_by_role("heading")).to_have_text("Installed Acme")
    finally:
        context.close()
