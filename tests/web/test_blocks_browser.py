"""Block Kit in the web client, in a real browser: messages the bot posts with ``blocks`` render
their section, context, divider, actions and header blocks (docs/web-client.md, "Block Kit"),
every text stays text, the message's plain text is not shown twice, unknown blocks fall back
to the text, and a button's click or a select's change sends ``blocks.actions`` without an
error in the page. Every request the page makes is watched: none leaves 127.0.0.1 (images in
blocks are shown as their alt text only). Any console error fails the test (``people``)."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from playwright.sync_api import Locator, Request, Route, expect

from slackline.testing.server import ServerThread
from tests.helpers.http import api
from tests.web.conftest import BOT_TOKEN, People, Person
from tests.web.test_client import sign_in
from tests.web.test_client_browser import message

EXTERNAL_IMAGE = "https://images.example.com/logo.png"
EXTERNAL_LINK = "https://docs.example.com/deploy"


def unique(text: str) -> str:
    """Text no other test of the shared server posted."""
    return f"{text} {uuid.uuid4().hex[:8]}"


def plain(text: str) -> dict[str, Any]:
    return {"type": "plain_text", "text": text}


def mrkdwn(text: str) -> dict[str, Any]:
    return {"type": "mrkdwn", "text": text}


def option(text: str, value: str) -> dict[str, Any]:
    return {"text": plain(text), "value": value}


def post_blocks(server: ServerThread, text: str, blocks: list[dict[str, Any]]) -> str:
    """Post as the bot in #general; the message's ts."""
    answer = api(
        server, "chat.postMessage", BOT_TOKEN, channel="C0001", text=text, blocks=json.dumps(blocks)
    )
    body = answer.body
    assert body["ok"], body
    ts: str = body["ts"]
    return ts


def every_kind(title: str) -> list[dict[str, Any]]:
    """One block of each kind the client renders, and one it does not."""
    return [
        {"type": "header", "block_id": "b-header", "text": plain(title)},
        {
            "type": "section",
            "block_id": "b-section",
            "text": mrkdwn("Deploy *api* to _production_?"),
            "fields": [mrkdwn("*Service*\napi"), mrkdwn("*Region*\neu-1"), plain("Owner: ops")],
            "accessory": {
                "type": "button",
                "action_id": "details",
                "value": "show-details",
                "text": plain("Details"),
            },
        },
        {
            "type": "context",
            "elements": [
                {"type": "image", "image_url": EXTERNAL_IMAGE, "alt_text": "company logo"},
                mrkdwn("Requested by <@U0002>"),
            ],
        },
        {"type": "divider"},
        {"type": "image", "image_url": EXTERNAL_IMAGE, "alt_text": "an image block"},
        {"type": "not_a_block_type", "text": plain("never shown")},
        {
            "type": "actions",
            "block_id": "b-actions",
            "elements": [
                {
                    "type": "button",
                    "action_id": "approve",
                    "value": "yes",
                    "style": "primary",
                    "text": plain("Approve"),
                },
                {
                    "type": "button",
                    "action_id": "reject",
                    "value": "no",
                    "style": "danger",
                    "text": plain("Reject"),
                },
                {
                    "type": "button",
                    "action_id": "runbook",
                    "url": EXTERNAL_LINK,
                    "text": plain("Runbook"),
                },
                {
                    "type": "static_select",
                    "action_id": "when",
                    "placeholder": plain("Pick a time"),
                    "options": [option("Now", "now"), option("Tonight", "tonight")],
                    "initial_option": option("Tonight", "tonight"),
                },
            ],
        },
    ]


@pytest.fixture(scope="module")
def cookie(web_server: ServerThread) -> str:
    """Alice's session cookie, signed in once for the module (a sign-in hashes a password)."""
    return sign_in(web_server.port, "alice")


class Outside:
    """Every request of a context that is not for 127.0.0.1: recorded and refused."""

    def __init__(self) -> None:
        self.requests: list[str] = []

    def route(self, route: Route, request: Request) -> None:
        if urlsplit(request.url).hostname == "127.0.0.1":
            route.continue_()
        else:
            self.requests.append(request.url)
            route.abort()


@pytest.fixture
def alice(people: People, cookie: str) -> Iterator[tuple[Person, Outside]]:
    """Alice in #general, every request outside 127.0.0.1 refused and recorded."""
    person = people("alice")
    outside = Outside()
    person.context.route("**/*", outside.route)
    yield signed_in_here(person, cookie), outside
    assert outside.requests == [], outside.requests


def signed_in_here(person: Person, cookie: str) -> Person:
    """The person's context with the session, the client open and in #general."""
    person.context.add_cookies([{"name": "d", "value": cookie, "url": person.base_url}])
    person.page.goto(f"{person.base_url}/")
    expect(person.page.locator("#connection")).to_have_text("Connected")
    expect(person.page.locator("#channel-title")).to_have_text("#general")
    return person


def check_every_kind(shown: Locator, title: str, fallback: str) -> None:
    expect(shown.locator(".block")).to_have_count(5)  # not the image block nor the unknown one
    expect(shown.locator(".block.block-header")).to_have_text(title)
    section = shown.locator(".block.block-section")
    expect(section).to_have_count(1)
    expect(section.locator(".block-text")).to_have_text("Deploy api to production?")
    expect(section.locator(".block-text strong")).to_have_text("api")
    expect(section.locator(".block-text em")).to_have_text("production")
    expect(section.locator(".block-field")).to_have_count(3)
    expect(section.locator(".block-field").nth(1)).to_have_text("Region\neu-1")
    expect(section.locator(".block-field").nth(2)).to_have_text("Owner: ops")
    columns = section.locator(".block-fields").evaluate(
        "e => getComputedStyle(e).gridTemplateColumns.split(' ').length"
    )
    assert columns == 2
    expect(section.locator(".block-accessory button.block-button")).to_have_text("Details")
    context = shown.locator(".block.block-context")
    expect(context).to_have_text("company logoRequested by @Bob Example")
    expect(context.locator(".mention.user")).to_have_text("@Bob Example")
    expect(shown.locator(".block.block-divider")).to_have_count(1)
    expect(shown.locator("hr.block-divider")).to_have_count(1)
    expect(shown.locator("img")).to_have_count(0)
    expect(shown.locator("a")).to_have_count(0)
    actions = shown.locator(".block.block-actions")
    expect(actions.locator("button.block-button")).to_have_count(3)
    expect(shown.locator("button.block-button")).to_have_count(4)
    approve = shown.locator('button.block-button[data-action-id="approve"]')
    expect(approve).to_have_text("Approve")
    expect(approve).to_have_class("block-button primary")
    expect(approve).to_have_attribute("data-value", "yes")
    expect(shown.locator('button.block-button[data-action-id="reject"]')).to_have_class(
        "block-button danger"
    )
    expect(shown.locator('button.block-button[data-action-id="runbook"]')).to_have_text("Runbook")
    select = shown.locator('select.block-select[data-action-id="when"]')
    expect(select).to_have_count(1)
    expect(select.locator("option")).to_have_text(["Pick a time", "Now", "Tonight"])
    expect(select).to_have_value("tonight")
    # Slack shows the blocks only: the text is the notification's fallback.
    expect(shown).not_to_contain_text(fallback)
    expect(shown).not_to_contain_text("never shown")
    expect(shown).not_to_contain_text("an image block")


def test_every_block_type_renders_from_history(
    web_server: ServerThread, people: People, cookie: str
) -> None:
    title = unique("Deploy request")
    fallback = unique("fallback text")
    post_blocks(web_server, fallback, every_kind(title))
    person = people("alice")
    outside = Outside()
    person.context.route("**/*", outside.route)
    signed_in_here(person, cookie)
    check_every_kind(message(person.page, title), title, fallback)
    assert outside.requests == []


def test_blocks_posted_while_open_render_live(
    web_server: ServerThread, alice: tuple[Person, Outside]
) -> None:
    person, outside = alice
    title = unique("Live deploy")
    fallback = unique("live fallback")
    post_blocks(web_server, fallback, every_kind(title))
    check_every_kind(message(person.page, title), title, fallback)
    assert outside.requests == []


def test_text_in_blocks_stays_text(web_server: ServerThread, alice: tuple[Person, Outside]) -> None:
    person, _ = alice
    marker = unique("escape")
    blocks: list[dict[str, Any]] = [
        {"type": "header", "text": plain(f"{marker} <b>head</b>")},
        {
            "type": "section",
            "text": mrkdwn("&lt;b&gt;not bold&lt;/b&gt; &amp; *bold* <javascript:alert(1)|x>"),
            "fields": [plain("<i>field</i> &amp;")],
        },
        {"type": "context", "elements": [plain("<img src=x onerror=alert(1)>")]},
        {
            "type": "actions",
            "elements": [
                {"type": "button", "action_id": "esc", "text": plain("<b>press</b>")},
                {
                    "type": "static_select",
                    "action_id": "esc-select",
                    "placeholder": plain("<b>pick</b>"),
                    "options": [option("<script>x</script>", "s")],
                },
            ],
        },
    ]
    post_blocks(web_server, "escape fallback", blocks)
    shown = message(person.page, marker)
    expect(shown.locator(".block")).to_have_count(4)
    expect(shown.locator("b, i, img, script, a")).to_have_count(0)
    expect(shown.locator(".block-header")).to_have_text(f"{marker} <b>head</b>")
    section = shown.locator(".block-section .block-text")
    expect(section).to_have_text("<b>not bold</b> & bold x")
    expect(section.locator("strong")).to_have_text("bold")
    expect(shown.locator(".block-field")).to_have_text("<i>field</i> &amp;")
    expect(shown.locator(".block-context")).to_have_text("<img src=x onerror=alert(1)>")
    expect(shown.locator('button.block-button[data-action-id="esc"]')).to_have_text("<b>press</b>")
    options = shown.locator('select.block-select[data-action-id="esc-select"] option')
    expect(options).to_have_text(["<b>pick</b>", "<script>x</script>"])


def test_unknown_blocks_fall_back_to_the_text(
    web_server: ServerThread, alice: tuple[Person, Outside]
) -> None:
    person, _ = alice
    text = unique("only the text")
    post_blocks(web_server, text, [{"type": "rich_text_unknown"}, {"type": "section"}])
    shown = message(person.page, text)
    expect(shown.locator(".text")).to_have_text(text)
    expect(shown.locator(".block")).to_have_count(0)


def sent(request: Request) -> dict[str, str]:
    """A form-encoded Web API call's arguments, without the token."""
    form = {k: v[0] for k, v in parse_qs(request.post_data or "").items()}
    form.pop("token", None)
    return form


def test_a_click_and_a_choice_send_blocks_actions_without_an_error(
    web_server: ServerThread, alice: tuple[Person, Outside]
) -> None:
    person, outside = alice
    # What blocks.actions answers is not this test's business (its server side is separate):
    # a failed answer is a notice, but chromium logs a non-2xx answer as a console error.
    person.allow_console_error("blocks.actions")
    title = unique("Click me")
    ts = post_blocks(web_server, "click fallback", every_kind(title))
    shown = message(person.page, title)
    page = person.page
    with page.expect_request(lambda r: r.url.endswith("/api/blocks.actions")) as clicked:
        shown.locator('button.block-button[data-action-id="approve"]').click()
    assert sent(clicked.value) == {
        "channel": "C0001",
        "ts": ts,
        "block_id": "b-actions",
        "action_id": "approve",
        "value": "yes",
        "type": "button",
    }
    clicked.value.response()
    with page.expect_request(lambda r: r.url.endswith("/api/blocks.actions")) as linked:
        shown.locator('button.block-button[data-action-id="runbook"]').click()
    assert sent(linked.value)["action_id"] == "runbook"
    assert "value" not in sent(linked.value)
    linked.value.response()
    assert len(page.context.pages) == 1  # a url button opened nothing
    with page.expect_request(lambda r: r.url.endswith("/api/blocks.actions")) as chosen:
        shown.locator('select.block-select[data-action-id="when"]').select_option("now")
    arguments = sent(chosen.value)
    assert arguments["type"] == "static_select"
    assert arguments["action_id"] == "when"
    assert arguments["value"] == "now"
    assert json.loads(arguments["selected_option"]) == option("Now", "now")
    chosen.value.response()
    # The page goes on: the client still answers and its socket is up.
    expect(page.locator("#messages .message").filter(has_text=title)).to_have_count(1)
    page.wait_for_function(
        "() => !document.getElementById('connection').dataset.notice"
        " || document.getElementById('connection').dataset.notice.startsWith('Action not sent')"
    )
    assert outside.requests == []
    assert not [e for e in person.errors if "page error" in e]
