"""End to end in a real browser: a real ``rtm_v2`` bot answers a person typing in the web
client; what must be refused is refused (a wrong password and then the sign-in limit, a state
change without its CSRF token, an ``xoxc-`` token without its cookie, another team's
conversation by URL); signing out ends the session; over TLS the cookie is ``Secure`` and the
socket ``wss``."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import pytest
import trustme
from playwright.sync_api import Browser, expect
from slack_sdk.rtm_v2 import RTMClient

from slackline.testing.server import ServerThread
from tests.helpers.http import http_request
from tests.web.conftest import (
    People,
    Person,
    people_on,
    start_pong_bot,
    start_web_server,
    stop_bot,
)


def api_call(server: ServerThread, method: str, cookie: str | None, **args: str) -> dict[str, Any]:
    """A Web API call from outside the browser, with or without a ``d`` cookie."""
    headers = {"Content-Type": "application/x-www-form-urlencoded"}
    if cookie is not None:
        headers["Cookie"] = f"d={cookie}"
    return http_request(server.port, "POST", f"/api/{method}", urlencode(args), headers).body


def session_cookie(person: Person) -> str:
    """The value of the person's ``d`` cookie (they must be signed in)."""
    cookie = person.cookie()
    assert cookie is not None, "no d cookie"
    return str(cookie["value"])


def open_conversation(person: Person, conversation: str, name: str) -> None:
    """Click a conversation in the sidebar and wait until it is the open one."""
    person.page.locator(f'#sidebar [data-conversation="{conversation}"]').click()
    expect(person.page.locator("#channel-title")).to_contain_text(name)


@pytest.fixture
def pong_bot(web_server: ServerThread) -> Iterator[RTMClient]:
    """A real slack_sdk ``rtm_v2`` bot in #general that answers ``ping`` with ``pong``."""
    rtm = start_pong_bot(web_server)
    try:
        yield rtm
    finally:
        stop_bot(rtm)


def test_a_real_rtm_v2_bot_answers_a_person_typing_in_the_browser(
    people: People, pong_bot: RTMClient
) -> None:
    alice = people("alice")
    alice.sign_in()
    open_conversation(alice, "C0001", "general")
    composer = alice.page.locator("#composer-input")
    composer.fill("ping")
    composer.press("Enter")
    messages = alice.page.locator("#messages")
    expect(messages).to_contain_text("ping")
    expect(messages).to_contain_text("pong")


def test_a_wrong_password_is_refused_and_then_the_sign_in_limit_holds(
    browser: Browser, tmp_path: Path
) -> None:
    # A server of its own with its limits on: every context signs in from 127.0.0.1, so the
    # per-address limit would refuse the module's other tests too.
    server = start_web_server(tmp_path, rate_limits=True)
    try:
        with people_on(browser, server) as people:
            carol = people("carol")
            # A wrong password is answered 200 (no console error); the limit's 429, which
            # chromium logs as a failed load, is the one error this test expects.
            carol.allow_console_error("status of 429")
            alert = carol.page.get_by_role("alert")
            carol.open_sign_in()
            carol.fill_sign_in(password="not-carols-password")
            expect(alert).to_have_text("Wrong workspace, email or password.")
            assert carol.cookie() is None
            # Five attempts fill the bucket (failed or not); the sixth is limited, however right.
            for _ in range(4):
                carol.fill_sign_in(password="not-carols-password")
                expect(alert).to_be_visible()
            carol.fill_sign_in()
            expect(alert).to_contain_text("Too many failed sign-ins")
            assert carol.cookie() is None
            assert carol.page.url.endswith("/signin")
    finally:
        server.stop()


def test_a_state_change_without_its_csrf_token_is_refused(
    people: People,
) -> None:
    alice = people("alice")
    alice.sign_in()
    # The context's request client sends the session cookie, as a forged form would.
    forms: list[dict[str, str | float | bool]] = [{}, {"csrf": "not-the-token"}]
    for form in forms:
        refused = alice.context.request.post("/signout", form=form, max_redirects=0)
        assert refused.status == 403, (form, refused.status)
    alice.page.goto("/")
    expect(alice.page.locator("#composer-input")).to_be_visible()
    assert "/signin" not in alice.page.url


def test_an_xoxc_token_without_its_cookie_is_invalid_auth(
    people: People, web_server: ServerThread
) -> None:
    alice = people("alice")
    alice.sign_in()
    token = alice.boot()["token"]
    assert token.startswith("xoxc-")
    assert api_call(web_server, "auth.test", None, token=token)["error"] == "invalid_auth"
    assert api_call(web_server, "auth.test", "not-the-cookie", token=token)["error"] == (
        "invalid_auth"
    )
    answer = api_call(web_server, "auth.test", session_cookie(alice), token=token)
    assert answer["ok"] and answer["user_id"] == "U0001", answer


def test_another_teams_conversation_by_url_is_not_shown(
    people: People,
) -> None:
    gina = people("gina")
    gina.sign_in()
    secret = "globex plans for the quarter"
    posted = gina.page.evaluate(
        """async ([token, text]) => {
            const body = new URLSearchParams({token, channel: "C1001", text});
            return (await fetch("/api/chat.postMessage", {method: "POST", body})).json();
        }""",
        [gina.boot()["token"], secret],
    )
    assert posted["ok"], posted
    alice = people("alice")
    alice.sign_in()
    # The API refuses with 200 and ok:false, which chromium does not log: any console error
    # here is a real one.
    alice.page.goto("/#C1001")
    expect(alice.page.locator("#channel-title")).to_have_text("Not found")
    expect(alice.page.locator("#messages")).to_contain_text("not yours to see")
    expect(alice.page.locator("#messages")).not_to_contain_text(secret)
    history = alice.page.evaluate(
        """async (token) => {
            const body = new URLSearchParams({token, channel: "C1001"});
            return (await fetch("/api/conversations.history", {method: "POST", body})).json();
        }""",
        alice.boot()["token"],
    )
    assert history == {"ok": False, "error": "channel_not_found"} or (
        not history["ok"] and history["error"] == "channel_not_found"
    ), history


def test_signing_out_ends_the_cookie_the_token_and_the_page(
    people: People, web_server: ServerThread
) -> None:
    alice = people("alice")
    alice.sign_in()
    token, cookie = alice.boot()["token"], session_cookie(alice)
    alice.page.get_by_role("button", name="Sign out").click()
    alice.page.wait_for_url(f"{alice.base_url}/signin*")
    assert alice.cookie() is None
    alice.page.goto("/")
    alice.page.wait_for_url(f"{alice.base_url}/signin*")
    ended = api_call(web_server, "auth.test", cookie, token=token)
    assert not ended["ok"] and ended["error"] in ("invalid_auth", "token_revoked"), ended


def test_over_tls_the_cookie_is_secure_and_the_client_chats_over_wss(
    browser: Browser, tmp_path: Path
) -> None:
    cert = trustme.CA().issue_cert("127.0.0.1")
    cert_file, key_file = tmp_path / "cert.pem", tmp_path / "key.pem"
    cert.cert_chain_pems[0].write_to_path(str(cert_file))
    cert.private_key_pem.write_to_path(str(key_file))
    server = start_web_server(tmp_path, tls_port=0, tls_cert=str(cert_file), tls_key=str(key_file))
    try:
        with people_on(browser, server, tls=True) as people:
            alice, bob = people("alice"), people("bob")
            sockets: list[str] = []
            bob.page.on("websocket", lambda socket: sockets.append(socket.url))
            alice.sign_in()
            bob.sign_in()
            cookie = alice.cookie()
            assert cookie is not None and cookie["secure"] and cookie["httpOnly"], cookie
            for person in (alice, bob):
                expect(person.page.locator("#connection")).to_have_text("Connected")
            composer = alice.page.locator("#composer-input")
            composer.fill("over tls")
            composer.press("Enter")
            expect(bob.page.locator("#messages")).to_contain_text("over tls")
            assert sockets and all(url.startswith("wss://127.0.0.1:") for url in sockets), sockets
    finally:
        server.stop()
