"""The sign-in page in chromium (web/signin.py): it signs in with JavaScript off, every
control has its label and is reached by the keyboard in order, and a wrong password shows
its message without a console error."""

from __future__ import annotations

from playwright.sync_api import Browser, expect

from slackline.testing.server import ServerThread
from tests.web.conftest import ACCOUNTS, TIMEOUT_MS, People


def test_signing_in_works_with_javascript_off(browser: Browser, web_server: ServerThread) -> None:
    base = f"http://127.0.0.1:{web_server.port}"
    context = browser.new_context(base_url=base, java_script_enabled=False)
    try:
        page = context.new_page()
        bob = ACCOUNTS["bob"]
        page.goto("/signin")
        page.get_by_label("Workspace").fill(bob.team)
        page.get_by_label("Email or user name").fill(bob.email)
        page.get_by_label("Password").fill(bob.password)
        page.get_by_role("button", name="Sign in").click()
        page.wait_for_url(f"{base}/", timeout=TIMEOUT_MS)
        assert any(c.get("name") == "d" for c in context.cookies())
    finally:
        context.close()


def test_the_keyboard_reaches_every_control_in_order_and_enter_signs_in(people: People) -> None:
    carol = people("carol")
    carol.open_sign_in()
    page = carol.page
    for label, value in (
        ("Workspace", carol.account.team),
        ("Email or user name", carol.account.email),
        ("Password", carol.account.password),
    ):
        page.keyboard.press("Tab")
        expect(page.get_by_label(label)).to_be_focused()
        page.keyboard.type(value)
    page.keyboard.press("Tab")
    expect(page.get_by_role("button", name="Sign in")).to_be_focused()
    page.keyboard.press("Enter")
    page.wait_for_url(f"{carol.base_url}/", timeout=TIMEOUT_MS)


def test_a_wrong_password_shows_its_message_without_a_console_error(people: People) -> None:
    alice = people("alice")
    alice.open_sign_in()
    alice.fill_sign_in(password="not-alices-password")
    expect(alice.page.get_by_role("alert")).to_have_text("Wrong workspace, email or password.")
    expect(alice.page.get_by_label("Email or user name")).to_have_value(alice.account.email)
    assert alice.cookie() is None
