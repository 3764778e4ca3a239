"""Writes the screenshots of ``docs/screenshots/`` (shown in the README and docs/web-client.md):
the sign-in page, a conversation with a thread and reactions, and the inspector (a real
``rtm_v2`` bot's frame timeline open), each at desktop width (1280 px) and at 390 px (a phone,
where the thread is a picture of its own, ``thread-mobile.png``); and, for docs/apps.md, an
app's consent page and the admin Apps page at desktop width; and the inspector's "App
deliveries" with a Socket Mode app's envelope open, for docs/socket-mode.md.

Run from the repository's root, after ``make chromium``::

    .venv/bin/python -m tests.web.screenshots [OUTPUT_DIR]

It starts its own server (the browser tests' workspace) on 127.0.0.1 port 0 and stops it, with
the browser, before it returns. Only the messages it posts are in the pictures, so every run
draws the same conversation.
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path
from typing import Any

from playwright.sync_api import Browser, Page, expect, sync_playwright
from slack_sdk import WebClient

from slackline.domain.apps import OAuthFlow
from slackline.testing.server import ServerThread
from tests.helpers.socket_mode import acknowledge, connected_app
from tests.web.conftest import (
    BOT_TOKEN,
    People,
    Person,
    app_service,
    chromium_path,
    register_app,
    start_pong_bot,
    start_web_server,
    stop_bot,
)

OUTPUT = Path(__file__).resolve().parents[2] / "docs" / "screenshots"
WIDTHS = {"desktop": (1280, 800), "mobile": (390, 844)}

CALL = """async ([method, args]) => {
    const boot = JSON.parse(document.getElementById("boot").textContent);
    const body = new URLSearchParams({token: boot.token, ...args});
    return (await fetch(boot.api + method, {method: "POST", body})).json();
}"""


def call(person: Person, method: str, **args: str) -> dict[str, Any]:
    """A Web API call from the person's signed-in page (their token, their cookie)."""
    answer: dict[str, Any] = person.page.evaluate(CALL, [method, args])
    assert answer.get("ok"), (method, answer)
    return answer


def seed_conversation(alice: Person, bob: Person) -> None:
    """A short conversation in #general: a thread with replies and reactions on it."""
    call(alice, "chat.postMessage", channel="C0001", text="Morning! The release notes are up.")
    root = call(
        bob, "chat.postMessage", channel="C0001", text="Can we ship the web client on Friday?"
    )["ts"]
    call(alice, "chat.postMessage", channel="C0001", thread_ts=root, text="Yes, tests are green.")
    call(bob, "chat.postMessage", channel="C0001", thread_ts=root, text="Great, I'll tag it.")
    for person, name in ((alice, "tada"), (bob, "tada"), (alice, "+1")):
        call(person, "reactions.add", channel="C0001", timestamp=root, name=name)
    call(alice, "chat.postMessage", channel="C0001", text="I'll write the announcement :memo:")


def shoot(page: Page, output: Path, name: str, full_page: bool = False) -> None:
    """Save the page's viewport (or, with ``full_page``, all of it) as ``output/name.png``."""
    output.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(output / f"{name}.png"), full_page=full_page)
    print(output / f"{name}.png")


# docs/apps.md's example app: fixed ids, so its pictures name what the page's text names.
WEATHER_BOT = {"id": "A0WEATHER", "client_id": "1111.2222"}
WEATHER_CALLBACK = "http://127.0.0.1:3000/oauth/callback"


def seed_apps(server: ServerThread) -> None:
    """docs/apps.md's classic Weather Bot, installed by Alice, and a granular app beside it."""
    services = app_service(server)
    weather = register_app(server, "Weather Bot", "classic", [WEATHER_CALLBACK],
                           ["bot", "channels:read", "chat:write:bot"], **WEATHER_BOT)  # fmt: skip
    register_app(server, "Standup Notes", "granular", ["http://127.0.0.1:3001/slack/oauth"],
                 ["chat:write", "channels:history"], id="A0STANDUP", client_id="3333.4444",
                 user_scopes=["search:read"], token_rotation=True)  # fmt: skip
    args = {"client_id": weather.app.client_id, "scope": "bot,channels:read", "state": "s"}
    request = server.run(services.check_authorize(OAuthFlow.V1, "T0001", args))
    code = server.run(services.approve(request, "U0001")).split("code=", 1)[1].split("&")[0]
    exchange = {"client_id": weather.app.client_id, "client_secret": weather.client_secret,
                "code": code}  # fmt: skip
    server.run(services.exchange(OAuthFlow.V1, exchange, None))


def shoot_apps(opener: People, output: Path) -> None:
    """The consent page Bob sees for the Weather Bot, and Alice's Apps page, at 1280 px."""
    width, height = WIDTHS["desktop"]
    bob = opener("bob", width, height)
    bob.sign_in()
    bob.page.goto(
        "/oauth/authorize?client_id=1111.2222&scope=bot,channels:read,chat:write:bot"
        f"&redirect_uri={WEATHER_CALLBACK}&state=s"
    )
    expect(bob.page.get_by_role("heading", level=1)).to_contain_text("Weather Bot")
    shoot(bob.page, output, "consent-desktop")
    alice = opener("alice", width, height)
    alice.sign_in()
    alice.page.goto("/apps")
    expect(alice.page.locator("table.installs")).to_contain_text("Weather Bot")
    shoot(alice.page, output, "apps-desktop", full_page=True)


# docs/socket-mode.md's picture: a Socket Mode app beside the RTM bot, for the inspector.
SOCKET_APP = {
    "id": "A0SOCKAPP", "name": "Standup Socket", "kind": "classic", "scopes": ["bot"],
    "redirect_urls": ["http://127.0.0.1:9/cb"], "bot_user": "U0BOT", "socket_mode": True,
    "event_subscriptions": ["message.channels"],
}  # fmt: skip


def shoot_deliveries(opener: People, server: ServerThread, output: Path) -> None:
    """The inspector's "App deliveries" at 1280 px: a Socket Mode app (slack_sdk) handed a
    message, one envelope opened."""
    service = app_service(server)
    server.run(service.declare("T0001", SOCKET_APP))
    token = server.run(service.create_app_token("A0SOCKAPP", "T0001"))
    with connected_app(server, token, "A0SOCKAPP", acknowledge):
        bot = WebClient(token=BOT_TOKEN, base_url=f"http://127.0.0.1:{server.port}/api/")
        bot.chat_postMessage(channel="C0001", text="Standup in five minutes")
        width, height = WIDTHS["desktop"]
        alice = opener("alice", width, height)
        alice.sign_in()
        alice.page.goto("/inspector")
        section = alice.page.locator("section", has=alice.page.locator("#deliveries"))
        acknowledged = alice.page.locator("#deliveries li[data-outcome='acknowledged']")
        expect(acknowledged).to_have_count(1)
        acknowledged.locator("summary").click()
        section.screenshot(path=str(output / "inspector-deliveries-desktop.png"))
        print(output / "inspector-deliveries-desktop.png")


def take_all(browser: Browser, server: ServerThread, output: Path) -> None:
    """Every screenshot, each width in a context of its own."""
    opener = People(browser, server)
    # A real rtm_v2 bot in #general: the inspector's picture follows its frames.
    bot = start_pong_bot(server)
    try:
        alice, bob = opener("alice"), opener("bob")
        alice.sign_in()
        bob.sign_in()
        seed_conversation(alice, bob)
        for label, (width, height) in WIDTHS.items():
            visitor = opener("carol", width, height)
            visitor.open_sign_in()
            shoot(visitor.page, output, f"signin-{label}")

            reader = opener("alice", width, height)
            reader.sign_in()
            if width < 600:
                reader.page.get_by_role("button", name="Show conversations").click()
            reader.page.locator('#sidebar [data-conversation="C0001"]').click()
            expect(reader.page.locator("#messages")).to_contain_text("Can we ship")
            replies = reader.page.locator("#messages").get_by_text("2 replies", exact=False)
            if width < 600:
                # A phone shows the channel or the thread, not both: a picture of each.
                shoot(reader.page, output, f"conversation-{label}")
                replies.first.click()
                expect(reader.page.locator("#side-panel")).to_contain_text("tag it")
                reader.page.mouse.move(0, 0)  # no hover toolbar in the picture
                shoot(reader.page, output, f"thread-{label}")
            else:
                replies.first.click()
                expect(reader.page.locator("#side-panel")).to_contain_text("tag it")
                reader.page.mouse.move(0, 0)
                shoot(reader.page, output, f"conversation-{label}")

            reader.page.goto("/inspector")
            bot_row = reader.page.locator("tr", has_text="pongbot")
            bot_row.get_by_role("button", name="Timeline").click()
            expect(reader.page.locator("body")).to_contain_text("reaction_added")
            shoot(reader.page, output, f"inspector-{label}")
        seed_apps(server)
        shoot_apps(opener, output)
        shoot_deliveries(opener, server, output)
    finally:
        stop_bot(bot)
        errors = opener.close()
    if errors:
        raise SystemExit("browser errors:\n" + "\n".join(errors))


def main(argv: list[str]) -> None:
    """Start a server and a browser, take the screenshots, stop both."""
    output = Path(argv[0]) if argv else OUTPUT
    with tempfile.TemporaryDirectory() as scratch:
        server = start_web_server(Path(scratch))
        try:
            with sync_playwright() as playwright:
                browser = playwright.chromium.launch(executable_path=chromium_path(), headless=True)
                try:
                    take_all(browser, server, output)
                finally:
                    browser.close()
        finally:
            server.stop()


if __name__ == "__main__":
    main(sys.argv[1:])
