"""Fixtures of the browser tests: a real Slackline on 127.0.0.1 port 0 whose people have
passwords, Debian's chromium driven by Playwright (launched by its path, one browser per test
module), a browser context per person, and console and page errors failing the test.

Chromium is found at ``$SLACKLINE_CHROMIUM``, else ``chromium`` on the PATH (``make chromium``
installs Debian's package: ``tests/web/install_chromium.sh``). Playwright's own browser
download is never used.
"""

from __future__ import annotations

import os
import shutil
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, BrowserContext, ConsoleMessage, Page, sync_playwright
from slack_sdk.rtm_v2 import RTMClient

from slackline.services.apps import AppService, RegisteredApp
from slackline.testing.server import ServerThread
from tests.helpers.cluster import wait_until
from tests.helpers.http import serving, start_server

ADMIN_TOKEN = "admin-web-secret"
BOT_TOKEN = "xoxb-web-bot"
# Waits in the browser: generous for two shared cores, never a sleep.
TIMEOUT_MS = 30_000  # a bound, not a target: under the full suite a sign-in took over 10 s

# Two teams: Acme's people chat in #general and #random; Globex's gina is the other team whose
# conversation Acme's people must not see. The bot is a classic bot that can open RTM.
WORKSPACE = """
teams:
  - id: T0001
    name: Acme
    domain: acme
    users:
      - {id: U0001, name: alice, real_name: Alice Example, is_admin: true,
         profile: {email: alice@acme.test}, password: alice-password-1}
      - {id: U0002, name: bob, real_name: Bob Example,
         profile: {email: bob@acme.test}, password: bob-password-2}
      - {id: U0003, name: carol, real_name: Carol Example,
         profile: {email: carol@acme.test}, password: carol-password-3}
    bots:
      - {id: B0001, user_id: U0BOT, name: pongbot}
    conversations:
      - {id: C0001, name: general, is_general: true, members: [U0001, U0002, U0003, U0BOT]}
      - {id: C0002, name: random, members: [U0001, U0002]}
    tokens:
      - {token: xoxb-web-bot, user: U0BOT, type: classic_bot}
  - id: T0002
    name: Globex
    domain: globex
    users:
      - {id: U1001, name: gina, real_name: Gina Globex,
         profile: {email: gina@globex.test}, password: gina-password-4}
    conversations:
      - {id: C1001, name: globex-general, is_general: true, members: [U1001]}
"""


@dataclass(frozen=True)
class Account:
    """A person of :data:`WORKSPACE` and what they sign in with."""

    user_id: str
    team_id: str
    team: str
    email: str
    password: str


ACCOUNTS: dict[str, Account] = {
    "alice": Account("U0001", "T0001", "acme", "alice@acme.test", "alice-password-1"),
    "bob": Account("U0002", "T0001", "acme", "bob@acme.test", "bob-password-2"),
    "carol": Account("U0003", "T0001", "acme", "carol@acme.test", "carol-password-3"),
    "gina": Account("U1001", "T0002", "globex", "gina@globex.test", "gina-password-4"),
}


def chromium_path() -> str:
    """The chromium to launch: ``$SLACKLINE_CHROMIUM`` or ``chromium`` on the PATH."""
    path = os.environ.get("SLACKLINE_CHROMIUM") or shutil.which("chromium")
    if not path:
        pytest.fail("no chromium: run `make chromium` (tests/web/install_chromium.sh)")
    return path


def start_web_server(tmp_path: Path, **overrides: Any) -> ServerThread:
    """A server with :data:`WORKSPACE` and the admin API on; the caller stops it."""
    workspace = tmp_path / "web-workspace.yaml"
    workspace.write_text(WORKSPACE, encoding="utf-8")
    settings: dict[str, Any] = {"workspaces": (str(workspace),), "admin_token": ADMIN_TOKEN}
    settings.update(overrides)
    return start_server(tmp_path, **settings)


def start_pong_bot(server: ServerThread) -> RTMClient:
    """A real slack_sdk ``rtm_v2`` bot (:data:`BOT_TOKEN`, in #general) that answers ``ping``
    with ``pong``, connected; :func:`stop_bot` stops it."""
    rtm = RTMClient(
        token=BOT_TOKEN, base_url=f"http://127.0.0.1:{server.port}/api/", ping_interval=1
    )

    @rtm.on("message")
    def on_message(client: RTMClient, event: dict[str, Any]) -> None:
        if not event.get("bot_id") and not event.get("subtype") and event.get("text") == "ping":
            client.web_client.chat_postMessage(channel=event["channel"], text="pong")

    # rtm_v2 blocks in connect: a thread of its own.
    threading.Thread(target=rtm.connect, daemon=True).start()
    try:
        wait_until(rtm.is_connected, "the bot's RTM connection", TIMEOUT_MS / 1000)
    except BaseException:
        stop_bot(rtm)
        raise
    return rtm


def stop_bot(rtm: RTMClient) -> None:
    """Disconnect the bot for good (``close`` alone would let it reconnect)."""
    rtm.auto_reconnect_enabled = False
    rtm.close()


@pytest.fixture(scope="module")
def web_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerThread]:
    """A web server shared by one test module (rate limits off, as in every module fixture)."""
    yield from serving(start_web_server(tmp_path_factory.mktemp("web")))


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    """One headless chromium per test module: starting it is the slow part (about a second)."""
    with sync_playwright() as playwright:
        instance = playwright.chromium.launch(executable_path=chromium_path(), headless=True)
        try:
            yield instance
        finally:
            instance.close()


@dataclass
class Person:
    """A person's browser context and page, with every console error and page error seen."""

    account: Account
    context: BrowserContext
    page: Page
    base_url: str
    errors: list[str] = field(default_factory=list)
    allowed: list[str] = field(default_factory=list)

    def allow_console_error(self, fragment: str) -> None:
        """Let console errors containing ``fragment`` pass (an answer the test expects, such
        as the 429 of a refused sign-in, which chromium logs as a failed resource load)."""
        self.allowed.append(fragment)

    def unexpected_errors(self) -> list[str]:
        """The errors no :meth:`allow_console_error` let pass."""
        return [e for e in self.errors if not any(f in e for f in self.allowed)]

    def open_sign_in(self) -> None:
        """Open the sign-in form."""
        self.page.goto(f"{self.base_url}/signin")

    def fill_sign_in(self, password: str | None = None, email: str | None = None) -> None:
        """Fill the form with the account's team and email (or those given) and submit."""
        self.page.get_by_label("Workspace").fill(self.account.team)
        self.page.get_by_label("Email").fill(email or self.account.email)
        self.page.get_by_label("Password").fill(password or self.account.password)
        # Each submission is a navigation: the next step starts on the page that answered.
        with self.page.expect_navigation():
            self.page.get_by_role("button", name="Sign in").click()

    def sign_in(self) -> None:
        """Sign in through the form and wait for the client at ``/``."""
        self.open_sign_in()
        self.fill_sign_in()
        self.page.wait_for_url(f"{self.base_url}/", timeout=TIMEOUT_MS)

    def boot(self) -> dict[str, Any]:
        """The client page's boot data (token, team, user, csrf, api)."""
        data: dict[str, Any] = self.page.evaluate(
            "JSON.parse(document.getElementById('boot').textContent)"
        )
        return data

    def cookie(self, name: str = "d") -> dict[str, Any] | None:
        """The context's cookie of that name, if any."""
        for cookie in self.context.cookies():
            if cookie.get("name") == name:
                return dict(cookie)
        return None


def _watch(person: Person) -> None:
    def on_console(message: ConsoleMessage) -> None:
        if message.type == "error":
            person.errors.append(f"console error on {message.location}: {message.text}")

    def on_page_error(error: Exception) -> None:
        person.errors.append(f"page error: {error}")

    person.context.on("console", on_console)
    person.context.on("weberror", lambda web_error: on_page_error(web_error.error))


def wait_for_errors(person: Person, timeout_secs: float = TIMEOUT_MS / 1000) -> list[str]:
    """The errors seen so far, once there is at least one (or the time is up): events reach
    Python while a call into the browser waits, so each round trip lets them in."""
    deadline = time.monotonic() + timeout_secs
    while not person.errors and time.monotonic() < deadline:
        person.page.evaluate("0")
    return list(person.errors)


class People:
    """Opens people's browser contexts on one server; :meth:`close` closes them all and
    names every error the tests did not allow."""

    def __init__(self, browser: Browser, server: ServerThread, tls: bool = False) -> None:
        self.browser = browser
        # The TLS listener's certificate is a test CA's, which the browser need not trust.
        self.tls = tls
        if tls:
            self.base_url = f"https://127.0.0.1:{server.tls_port}"
        else:
            self.base_url = f"http://127.0.0.1:{server.port}"
        self.opened: list[Person] = []

    def __call__(self, name: str, width: int = 1280, height: int = 800) -> Person:
        """A new context for the account called ``name``, at that viewport."""
        context = self.browser.new_context(
            base_url=self.base_url,
            viewport={"width": width, "height": height},
            ignore_https_errors=self.tls,
        )
        context.set_default_timeout(TIMEOUT_MS)
        person = Person(ACCOUNTS[name], context, context.new_page(), self.base_url)
        _watch(person)
        self.opened.append(person)
        return person

    def close(self) -> list[str]:
        """Close every context; the errors no test allowed, each with its person."""
        errors = [f"{p.account.email}: {e}" for p in self.opened for e in p.unexpected_errors()]
        for person in self.opened:
            person.context.close()
        self.opened.clear()
        return errors


@contextmanager
def people_on(browser: Browser, server: ServerThread, tls: bool = False) -> Iterator[People]:
    """:class:`People` on ``server`` (its TLS listener with ``tls``); a browser error no test
    allowed fails the test."""
    opener = People(browser, server, tls)
    try:
        yield opener
    finally:
        errors = opener.close()
    if errors:
        pytest.fail("browser errors:\n" + "\n".join(errors))


@pytest.fixture
def people(browser: Browser, web_server: ServerThread) -> Iterator[People]:
    """Open a person's own browser context (``people("alice")``): cookies are not shared, so
    two contexts are two people. On teardown every context closes, and any console or page
    error that the test did not allow fails it."""
    with people_on(browser, web_server) as opener:
        yield opener


# --- apps and their OAuth installs (tests/web/test_oauth_*.py, test_apps_page.py) ---------


def register_app(
    server: ServerThread,
    name: str,
    kind: str,
    redirect_urls: list[str],
    scopes: list[str],
    team_id: str = "T0001",
    **extra: Any,
) -> RegisteredApp:
    """Register an app in ``team_id`` on the server's loop; it and its secrets, in the clear."""
    raw = {"name": name, "kind": kind, "redirect_urls": redirect_urls, "scopes": scopes, **extra}
    registered: RegisteredApp = server.run(app_service(server).register(team_id, raw))
    return registered


def app_service(server: ServerThread) -> AppService:
    """The running server's :class:`AppService` (call its coroutines with ``server.run``)."""
    assert server.app is not None, "the server is not running"
    service: AppService = server.app.services.apps
    return service
