"""The inspector over real HTTP: who may open it (the admin token's form, its cookie), the
CSRF token on every state change, what its API proxies, and the live session list."""

from __future__ import annotations

import http.client
import json
import re
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import pytest
from playwright.sync_api import expect
from slack_sdk import WebClient
from slack_sdk.rtm_v2 import RTMClient

from slackline.testing.server import ServerThread
from slackline.web.inspector import FORM_COOKIE, SESSION_COOKIE
from tests.helpers.cluster import wait_until
from tests.helpers.events import ADMIN_TOKEN, ALICE, BOT, admin, error_of, ok, start_event_server
from tests.helpers.http import start_server
from tests.helpers.rtm import open_socket, recv_until, send_json
from tests.helpers.socket_mode import acknowledge, connected_app
from tests.web.conftest import ADMIN_TOKEN as WEB_ADMIN_TOKEN
from tests.web.conftest import BOT_TOKEN, TIMEOUT_MS, People, Person, app_service


@dataclass
class Raw:
    """An HTTP answer whose body may be HTML: status, headers (repeated ones kept), text."""

    status: int
    headers: list[tuple[str, str]]
    text: str

    def header(self, name: str) -> str | None:
        return next((v for k, v in self.headers if k.lower() == name), None)

    def cookies(self) -> dict[str, str]:
        """Set-Cookie lines by cookie name."""
        return {v.partition("=")[0]: v for k, v in self.headers if k.lower() == "set-cookie"}

    def json(self) -> dict[str, Any]:
        document: dict[str, Any] = json.loads(self.text)
        return document


def raw(
    port: int, method: str, path: str, body: str = "", headers: dict[str, str] | None = None
) -> Raw:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        connection.request(method, path, body=body.encode() or None, headers=headers or {})
        response = connection.getresponse()
        return Raw(response.status, response.getheaders(), response.read().decode())
    finally:
        connection.close()


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerThread]:
    thread = start_event_server(tmp_path_factory.mktemp("inspector"))
    yield thread
    thread.stop()


def cookie_value(set_cookie: str) -> str:
    return set_cookie.partition("=")[2].partition(";")[0]


def form_post(server: ServerThread, path: str, fields: dict[str, str], cookie: str = "") -> Raw:
    headers = {"Content-Type": "application/x-www-form-urlencoded"}
    if cookie:
        headers["Cookie"] = cookie
    return raw(server.port, "POST", path, urlencode(fields), headers)


@dataclass
class Signed:
    """An inspector session: its cookie header and its page's CSRF token."""

    cookie: str
    csrf: str


def sign_in(server: ServerThread) -> Signed:
    form = raw(server.port, "GET", "/inspector/signin")
    csrf = re.search(r'name="csrf" value="([^"]+)"', form.text)
    assert csrf is not None
    pre = cookie_value(form.cookies()[FORM_COOKIE])
    done = form_post(server, "/inspector/signin",
                     {"csrf": csrf.group(1), "admin_token": ADMIN_TOKEN},
                     f"{FORM_COOKIE}={pre}")  # fmt: skip
    assert done.status == 303, done.text
    cookie = f"{SESSION_COOKIE}={cookie_value(done.cookies()[SESSION_COOKIE])}"
    page = raw(server.port, "GET", "/inspector", headers={"Cookie": cookie})
    boot = re.search(r'<script id="boot" type="application/json">(.*?)</script>', page.text)
    assert boot is not None
    return Signed(cookie, json.loads(boot.group(1))["csrf"])


def inspect(
    server: ServerThread,
    endpoint: str,
    body: dict[str, Any],
    signed: Signed | None,
    csrf: str | None = None,
    **headers: str,
) -> Raw:
    sent = {"Content-Type": "application/json", **headers}
    if signed is not None:
        sent["Cookie"] = signed.cookie
        sent["X-Slackline-CSRF"] = signed.csrf if csrf is None else csrf
    return raw(server.port, "POST", f"/inspector/api/{endpoint}", json.dumps(body), sent)


# who may open it


def test_without_an_admin_token_the_inspector_is_not_there(tmp_path: Path) -> None:
    with start_server(tmp_path) as plain:
        for path in ("/inspector", "/inspector/signin", "/inspector/inspector.js"):
            assert raw(plain.port, "GET", path).status == 404


def test_a_visitor_without_a_session_is_sent_to_the_admin_token_form(
    server: ServerThread,
) -> None:
    answer = raw(server.port, "GET", "/inspector")
    assert (answer.status, answer.header("location")) == (303, "/inspector/signin")


def test_the_form_opens_a_session_with_an_http_only_strict_cookie(server: ServerThread) -> None:
    form = raw(server.port, "GET", "/inspector/signin")
    assert form.status == 200 and 'name="admin_token"' in form.text
    csrf = re.search(r'name="csrf" value="([^"]+)"', form.text)
    assert csrf is not None
    pre = cookie_value(form.cookies()[FORM_COOKIE])
    done = form_post(server, "/inspector/signin",
                     {"csrf": csrf.group(1), "admin_token": ADMIN_TOKEN},
                     f"{FORM_COOKIE}={pre}")  # fmt: skip
    assert (done.status, done.header("location")) == (303, "/inspector")
    set_cookie = done.cookies()[SESSION_COOKIE]
    assert "HttpOnly" in set_cookie and "SameSite=Strict" in set_cookie
    assert ADMIN_TOKEN not in set_cookie


def test_a_wrong_admin_token_is_refused_with_a_message(server: ServerThread) -> None:
    form = raw(server.port, "GET", "/inspector/signin")
    csrf = re.search(r'name="csrf" value="([^"]+)"', form.text)
    assert csrf is not None
    pre = cookie_value(form.cookies()[FORM_COOKIE])
    done = form_post(server, "/inspector/signin",
                     {"csrf": csrf.group(1), "admin_token": "not-it"},
                     f"{FORM_COOKIE}={pre}")  # fmt: skip
    assert done.status == 403 and "not this server" in done.text
    assert SESSION_COOKIE not in done.cookies()


def test_wrong_admin_tokens_are_limited_per_address(tmp_path: Path) -> None:
    with start_event_server(tmp_path, rate_limits=True) as limited:
        statuses = []
        for _ in range(6):
            form = raw(limited.port, "GET", "/inspector/signin")
            csrf = re.search(r'name="csrf" value="([^"]+)"', form.text)
            assert csrf is not None
            pre = cookie_value(form.cookies()[FORM_COOKIE])
            done = form_post(limited, "/inspector/signin",
                             {"csrf": csrf.group(1), "admin_token": "guess"},
                             f"{FORM_COOKIE}={pre}")  # fmt: skip
            statuses.append(done.status)
        assert statuses == [403] * 5 + [429]
        assert "Too many attempts" in done.text and done.header("retry-after")


def test_the_form_without_its_csrf_cookie_is_refused(server: ServerThread) -> None:
    done = form_post(server, "/inspector/signin", {"csrf": "x", "admin_token": ADMIN_TOKEN})
    assert done.status == 403 and SESSION_COOKIE not in done.cookies()


def test_the_page_has_a_strict_csp_and_no_inline_script(server: ServerThread) -> None:
    signed = sign_in(server)
    page = raw(server.port, "GET", "/inspector", headers={"Cookie": signed.cookie})
    assert page.status == 200
    csp = page.header("content-security-policy") or ""
    assert "default-src 'self'" in csp and "connect-src 'self' ws: wss:" in csp
    scripts = re.findall(r"<script([^>]*)>(.*?)</script>", page.text, re.S)
    assert all('src="' in attrs or not body.strip() or "application/json" in attrs
               for attrs, body in scripts)  # fmt: skip
    assert ADMIN_TOKEN not in page.text


def test_the_assets_are_served_from_the_package(server: ServerThread) -> None:
    script = raw(server.port, "GET", "/inspector/inspector.js")
    assert script.status == 200 and "javascript" in (script.header("content-type") or "")
    assert raw(server.port, "GET", "/inspector/../app.py").status == 404


# the API and its CSRF token


def test_the_api_refuses_a_call_without_the_session_cookie(server: ServerThread) -> None:
    answer = inspect(server, "sessions.list", {}, None, **{"X-Slackline-CSRF": "anything"})
    assert (answer.status, answer.json()["error"]) == (403, "not_authed")


def test_the_api_refuses_a_state_change_without_the_csrf_token(server: ServerThread) -> None:
    signed = sign_in(server)
    for csrf in ("", "wrong"):
        answer = inspect(server, "faults.goodbye", {}, signed, csrf=csrf)
        assert (answer.status, answer.json()["error"]) == (403, "invalid_csrf")


def test_the_api_refuses_another_sites_origin(server: ServerThread) -> None:
    signed = sign_in(server)
    answer = inspect(server, "faults.clear", {}, signed, Origin="http://evil.test")
    assert (answer.status, answer.json()["error"]) == (403, "invalid_csrf")


def test_the_api_serves_only_the_inspectors_endpoints(server: ServerThread) -> None:
    signed = sign_in(server)
    for endpoint in ("reset", "tokens.create", "workspace.apply", "nothing"):
        assert inspect(server, endpoint, {}, signed).status == 404


def test_the_admin_bearer_header_alone_does_not_open_the_inspector_api(
    server: ServerThread,
) -> None:
    answer = inspect(server, "sessions.list", {}, None, Authorization=f"Bearer {ADMIN_TOKEN}")
    assert answer.status == 403


def test_sign_out_ends_the_inspector_session(server: ServerThread) -> None:
    signed = sign_in(server)
    refused = form_post(server, "/inspector/signout", {"csrf": "wrong"}, signed.cookie)
    assert refused.status == 403
    done = form_post(server, "/inspector/signout", {"csrf": signed.csrf}, signed.cookie)
    assert (done.status, done.header("location")) == (303, "/inspector/signin")
    assert inspect(server, "sessions.list", {}, signed).status == 403


# what it shows and does


def test_the_session_list_shows_a_bots_session_and_its_frames(server: ServerThread) -> None:
    signed = sign_in(server)
    with open_socket(server, BOT) as bot:  # hello read
        send_json(bot, {"id": 7, "type": "ping"})
        recv_until(bot, lambda f: f.get("type") == "pong")
        sessions = inspect(server, "sessions.list", {"user": "U0BOT"}, signed).json()["sessions"]
        assert len(sessions) == 1
        listed = sessions[0]
        assert listed["frames_in"] >= 1 and listed["frames_out"] >= 2 and listed["since"]
        assert listed["token_id"] and listed["token_id"] not in BOT
        frames = inspect(server, "journal.frames", {"session": listed["session"]}, signed)
        kinds = [(f["direction"], f["frame"].get("type")) for f in frames.json()["frames"]]
        assert ("out", "hello") in kinds and ("in", "ping") in kinds
        assert all(f["at"] > 0 for f in frames.json()["frames"])


def test_the_goodbye_button_reaches_the_socket(server: ServerThread) -> None:
    signed = sign_in(server)
    with open_socket(server, ALICE) as alice:
        answer = inspect(server, "faults.goodbye", {"user": "U0001"}, signed)
        assert answer.status == 200 and answer.json()["sessions"] >= 1
        assert recv_until(alice, lambda f: f.get("type") == "goodbye") == {"type": "goodbye"}


def test_acting_as_a_person_posts_as_them(server: ServerThread) -> None:
    signed = sign_in(server)
    act = {"as": "U0001", "method": "chat.postMessage",
           "args": {"channel": "C0001", "text": "from the inspector"}}  # fmt: skip
    result = inspect(server, "act", act, signed).json()["result"]
    assert result["ok"] is True and result["message"]["user"] == "U0001"


def test_the_call_journal_shows_each_request_and_response_with_its_time(
    server: ServerThread,
) -> None:
    signed = sign_in(server)
    ok(server, "chat.postMessage", ALICE, channel="C0001", text="journaled")
    calls = inspect(server, "journal.calls", {"method": "chat.postMessage"}, signed).json()
    found = [c for c in calls["calls"] if c["args"].get("text") == "journaled"]
    assert found and found[-1]["response"]["ok"] is True and found[-1]["at"] > 0
    assert "token" not in found[-1]["args"]


def test_the_fail_next_button_arms_the_fault(server: ServerThread) -> None:
    signed = sign_in(server)
    armed = {"method": "users.list", "error": "fatal_error"}
    assert inspect(server, "faults.fail_next", armed, signed).status == 200
    try:
        assert error_of(server, "users.list", ALICE) == "fatal_error"
    finally:
        admin(server, "faults.clear", {})


# in a real browser


@pytest.fixture
def watched_bot(web_server: ServerThread) -> Iterator[tuple[RTMClient, list[dict[str, Any]]]]:
    """A real slack_sdk ``rtm_v2`` bot, with every ``goodbye`` it got."""
    goodbyes: list[dict[str, Any]] = []
    rtm = RTMClient(token=BOT_TOKEN, base_url=f"http://127.0.0.1:{web_server.port}/api/")

    @rtm.on("goodbye")
    def on_goodbye(client: RTMClient, event: dict[str, Any]) -> None:
        goodbyes.append(event)

    threading.Thread(target=rtm.connect, daemon=True).start()
    try:
        wait_until(rtm.is_connected, "the bot's RTM connection", TIMEOUT_MS / 1000)
        yield rtm, goodbyes
    finally:
        rtm.auto_reconnect_enabled = False
        rtm.close()


def open_inspector(person: Person) -> None:
    """Sign in to the inspector with the admin token, through its form."""
    person.page.goto("/inspector")
    person.page.wait_for_url("**/inspector/signin")
    person.page.get_by_label("Admin token").fill(WEB_ADMIN_TOKEN)
    person.page.get_by_role("button", name="Open the inspector").click()
    person.page.wait_for_url(f"{person.base_url}/inspector")


def test_the_inspector_shows_a_real_bots_frames_live(
    people: People, watched_bot: tuple[RTMClient, list[dict[str, Any]]]
) -> None:
    admin_person = people("alice")
    open_inspector(admin_person)
    row = admin_person.page.locator("#sessions tbody tr", has_text="U0BOT")
    expect(row).to_have_count(1)
    row.get_by_role("button", name="Timeline").click()
    timeline = admin_person.page.locator("#timeline")
    expect(timeline.locator(".frame.out", has_text="hello")).to_have_count(1)
    # Frames sent while the page is open show up without a reload.
    rtm, _ = watched_bot
    rtm.send({"id": 41, "type": "ping"})
    expect(timeline.locator(".frame.in", has_text="ping")).to_have_count(1)
    expect(row.locator("td").nth(4)).to_have_text("1")
    calls = admin_person.page.locator("#calls")
    expect(calls).to_contain_text("rtm.connect")


def test_the_goodbye_button_sends_goodbye_to_a_real_bot(
    people: People, watched_bot: tuple[RTMClient, list[dict[str, Any]]]
) -> None:
    _, goodbyes = watched_bot
    admin_person = people("alice")
    open_inspector(admin_person)
    row = admin_person.page.locator("#sessions tbody tr", has_text="U0BOT")
    row.get_by_role("button", name="Goodbye").click()
    wait_until(lambda: bool(goodbyes), "the bot's goodbye", TIMEOUT_MS / 1000)
    assert goodbyes[0]["type"] == "goodbye"


def test_a_signed_in_admin_person_opens_the_inspector_without_the_token(people: People) -> None:
    alice = people("alice")  # is_admin in the workspace
    alice.sign_in()
    alice.page.goto("/inspector")
    assert alice.page.url == f"{alice.base_url}/inspector"
    expect(alice.page.locator("#status")).to_contain_text("Live")
    expect(alice.page.locator("#who")).to_have_text("Signed in as alice")
    # Sign-out belongs to the web client's session, not to the inspector's page.
    expect(alice.page.get_by_role("button", name="Sign out")).to_be_hidden()


def test_a_signed_in_person_who_is_not_an_admin_is_sent_to_the_token_form(
    people: People,
) -> None:
    bob = people("bob")
    bob.sign_in()
    bob.page.goto("/inspector")
    assert bob.page.url == f"{bob.base_url}/inspector/signin"
    status = bob.context.request.post("/inspector/api/sessions.list", data="{}").status
    assert status == 403


INSPECTED_APP = "A0INSPECT1"


@pytest.fixture
def socket_mode_app(web_server: ServerThread) -> Iterator[None]:
    """A Socket Mode app of Acme for pongbot, connected with slack_sdk (acknowledging)."""
    raw = {
        "id": INSPECTED_APP, "name": "Inspected", "kind": "classic", "scopes": ["bot"],
        "redirect_urls": ["http://127.0.0.1:9/cb"], "bot_user": "U0BOT",
        "socket_mode": True, "event_subscriptions": ["message.channels"],
    }  # fmt: skip
    service = app_service(web_server)
    web_server.run(service.declare("T0001", raw))
    token = web_server.run(service.create_app_token(INSPECTED_APP, "T0001"))
    try:
        with connected_app(web_server, token, INSPECTED_APP, acknowledge):
            yield
    finally:
        web_server.run(service.declare("T0001", {"id": INSPECTED_APP, "socket_mode": False}))


def test_the_inspector_lists_what_an_app_was_handed_and_its_acknowledgement(
    web_server: ServerThread, people: People, socket_mode_app: None
) -> None:
    bot = WebClient(token=BOT_TOKEN, base_url=f"http://127.0.0.1:{web_server.port}/api/")
    bot.chat_postMessage(channel="C0001", text="for the inspector")
    admin_person = people("alice")
    open_inspector(admin_person)
    deliveries = admin_person.page.locator("#deliveries")
    expect(deliveries.locator("li[data-outcome='acknowledged']",
                              has_text=INSPECTED_APP)).to_have_count(1)  # fmt: skip
    sent = deliveries.locator("li[data-outcome='sent']", has_text=INSPECTED_APP)
    expect(sent).to_contain_text("Socket Mode")
    sent.locator("summary").click()
    expect(sent.locator("pre")).to_contain_text("for the inspector")
