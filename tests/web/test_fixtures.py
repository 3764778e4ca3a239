"""The browser fixtures themselves: chromium is the system one, and console and page errors
are caught (a test that saw one fails at teardown)."""

from __future__ import annotations

from playwright.sync_api import Browser

from tests.web.conftest import People, chromium_path, wait_for_errors


def test_the_browser_is_the_system_chromium(browser: Browser) -> None:
    assert chromium_path().startswith("/")
    assert int(browser.version.split(".")[0]) >= 100


def test_a_console_error_is_caught(people: People) -> None:
    alice = people("alice")
    alice.page.set_content("<script>console.error('broken on purpose')</script>")
    caught = wait_for_errors(alice)
    assert any("broken on purpose" in e for e in caught), caught
    alice.errors.clear()  # seen: the teardown would fail the test otherwise


def test_an_uncaught_exception_is_caught(people: People) -> None:
    alice = people("alice")
    alice.page.set_content("<script>throw new Error('thrown on purpose')</script>")
    caught = wait_for_errors(alice)
    assert any("thrown on purpose" in e for e in caught), caught
    alice.errors.clear()


def test_an_allowed_console_error_passes(people: People) -> None:
    alice = people("alice")
    alice.allow_console_error("expected by the test")
    alice.page.set_content("<script>console.error('expected by the test')</script>")
    wait_for_errors(alice)
    assert alice.unexpected_errors() == []
