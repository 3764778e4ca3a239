"""The web client in a real browser, two people in two contexts: messages live both ways,
edits and deletions, a thread reply, a reaction from the picker, typing, presence, an upload
the other sees, unread counts that clear on reading, slash commands, search and reconnection.
Any console error fails the test (the ``people`` fixture)."""

from __future__ import annotations

import json
import re
import struct
import uuid
import zlib
from collections.abc import Iterator
from urllib.parse import urlencode

import pytest
from playwright.sync_api import FilePayload, Locator, Page, expect

from slackline.testing.server import ServerThread
from tests.helpers.http import api, http_request
from tests.web.conftest import ADMIN_TOKEN, BOT_TOKEN, People, Person
from tests.web.test_client import sign_in


def unique(text: str) -> str:
    """Text no other test of the shared server posted."""
    return f"{text} {uuid.uuid4().hex[:8]}"


def tiny_png() -> bytes:
    """A valid 2x2 red PNG, made here (no file shipped for the test)."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    rows = b"".join(b"\x00" + b"\xff\x00\x00" * 2 for _ in range(2))
    header = struct.pack(">IIBBBBB", 2, 2, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(rows))
        + chunk(b"IEND", b"")
    )


@pytest.fixture(scope="module")
def cookies(web_server: ServerThread) -> dict[str, str]:
    """Alice's and Bob's session cookies, signed in once per module through the form over
    HTTP (each sign-in hashes a password: doing it per test would be most of the time)."""
    return {name: sign_in(web_server.port, name) for name in ("alice", "bob")}


def signed_in(people: People, name: str, cookie: str) -> Person:
    """A person's new browser context holding their session, the client open and connected."""
    person = people(name)
    person.context.add_cookies([{"name": "d", "value": cookie, "url": person.base_url}])
    person.page.goto(f"{person.base_url}/")
    expect(person.page.locator("#connection")).to_have_text("Connected")
    return person


def open_conversation(page: Page, conversation: str, title: str) -> None:
    """Click a conversation in the sidebar and wait until it is the open one."""
    page.locator(f'#sidebar [data-conversation="{conversation}"]').click()
    expect(page.locator("#channel-title")).to_have_text(title)


def send(page: Page, text: str) -> None:
    """Type into the composer and press Enter."""
    page.locator("#composer-input").fill(text)
    page.locator("#composer-input").press("Enter")


def message(page: Page, text: str, within: str = "#messages") -> Locator:
    """The message element showing that text."""
    return page.locator(f"{within} .message").filter(has_text=text)


@pytest.fixture
def pair(people: People, cookies: dict[str, str]) -> Iterator[tuple[Person, Person]]:
    """Alice and Bob signed in, both in #general."""
    alice = signed_in(people, "alice", cookies["alice"])
    bob = signed_in(people, "bob", cookies["bob"])
    expect(alice.page.locator("#channel-title")).to_have_text("#general")
    expect(bob.page.locator("#channel-title")).to_have_text("#general")
    yield alice, bob


def test_a_message_sent_by_one_is_seen_live_by_the_other(pair: tuple[Person, Person]) -> None:
    alice, bob = pair
    text = unique("hello from alice")
    send(alice.page, text)
    expect(message(bob.page, text)).to_have_count(1)
    reply = unique("hello back")
    send(bob.page, reply)
    expect(message(alice.page, reply)).to_have_count(1)


def test_mentions_and_links_are_rendered_as_elements_not_markup(
    pair: tuple[Person, Person],
) -> None:
    alice, bob = pair
    marker = unique("safe")
    send(alice.page, f"{marker} @bob <b>bold?</b> &amp; https://example.com/x")
    shown = message(bob.page, marker)
    expect(shown.locator(".mention.user.self")).to_have_text("@Bob Example")
    expect(shown.locator("a[href='https://example.com/x']")).to_have_count(1)
    expect(shown.locator("b")).to_have_count(0)
    expect(shown.locator(".text")).to_contain_text("<b>bold?</b> &amp;")


def test_an_edit_and_a_deletion_show_live(pair: tuple[Person, Person]) -> None:
    alice, bob = pair
    text = unique("typo here")
    send(alice.page, text)
    mine = message(alice.page, text)
    expect(mine).to_have_count(1)
    mine.hover()
    mine.get_by_role("button", name="Edit message").click()
    editor = alice.page.get_by_role("textbox", name="Edit message")
    fixed = unique("fixed")
    editor.fill(fixed)
    editor.press("Enter")
    expect(message(bob.page, fixed)).to_contain_text("(edited)")
    edited = message(alice.page, fixed)
    edited.hover()
    edited.get_by_role("button", name="Delete message").click()
    edited.get_by_role("button", name="Delete", exact=True).click()
    expect(message(bob.page, fixed)).to_have_count(0)


def test_a_thread_reply_reaches_the_other_in_the_thread_panel(
    pair: tuple[Person, Person],
) -> None:
    alice, bob = pair
    parent = unique("thread parent")
    send(bob.page, parent)
    shown = message(alice.page, parent)
    shown.hover()
    shown.get_by_role("button", name="Reply in thread").click()
    reply = unique("a reply")
    alice.page.locator("#thread-input").fill(reply)
    alice.page.locator("#thread-input").press("Enter")
    expect(message(alice.page, reply, "#side-body")).to_have_count(1)
    replies = message(bob.page, parent).locator(".replies")
    expect(replies).to_have_text("1 reply")
    expect(message(bob.page, reply)).to_have_count(0)  # not in the channel itself
    replies.click()
    expect(message(bob.page, reply, "#side-body")).to_have_count(1)


def test_a_reply_also_sent_to_the_channel_shows_in_it(pair: tuple[Person, Person]) -> None:
    alice, bob = pair
    parent = unique("broadcast parent")
    send(alice.page, parent)
    shown = message(alice.page, parent)
    shown.hover()
    shown.get_by_role("button", name="Reply in thread").click()
    reply = unique("for everyone")
    alice.page.locator("#thread-input").fill(reply)
    alice.page.get_by_label("Also send to channel").check()
    alice.page.locator("#thread-input").press("Enter")
    expect(message(bob.page, reply, "#messages")).to_contain_text("replied to a thread")


def test_a_reaction_from_the_picker_is_seen_by_the_other(pair: tuple[Person, Person]) -> None:
    alice, bob = pair
    text = unique("react to me")
    send(bob.page, text)
    shown = message(alice.page, text)
    shown.hover()
    shown.get_by_role("button", name="Add reaction").click()
    picker = alice.page.get_by_role("dialog", name="Pick an emoji")
    picker.get_by_label("Filter emoji").fill("tada")
    picker.get_by_role("option", name="tada").click()
    chip = message(bob.page, text).locator('.reaction[data-reaction="tada"]')
    expect(chip).to_contain_text("1")
    expect(message(alice.page, text).locator(".reaction.mine")).to_have_count(1)


def test_typing_is_seen_by_the_other(pair: tuple[Person, Person]) -> None:
    alice, bob = pair
    alice.page.locator("#composer-input").press_sequentially("someth")
    expect(bob.page.locator("#typing")).to_have_text("Alice Example is typing…")


def test_presence_of_a_connected_person_is_seen(pair: tuple[Person, Person]) -> None:
    alice, bob = pair
    text = unique("am i here")
    send(alice.page, text)
    dot = message(bob.page, text).locator('[data-presence-user="U0001"]')
    expect(dot).to_have_class("presence active")


def test_an_upload_is_shown_to_the_other(pair: tuple[Person, Person]) -> None:
    alice, bob = pair
    name = f"red-{uuid.uuid4().hex[:6]}.png"
    payload: FilePayload = {"name": name, "mimeType": "image/png", "buffer": tiny_png()}
    alice.page.locator("#file-input").set_input_files(files=[payload])
    shown = bob.page.locator("#messages .file").filter(has_text=name)
    expect(shown.get_by_role("button", name=f"Download {name}")).to_have_count(1)
    expect(shown.locator("img.file-image")).to_have_attribute("src", re.compile(r"^blob:"))


def test_a_file_dropped_on_the_conversation_is_uploaded(pair: tuple[Person, Person]) -> None:
    alice, bob = pair
    name = f"dropped-{uuid.uuid4().hex[:6]}.txt"
    transfer = alice.page.evaluate_handle(
        """name => {
            const transfer = new DataTransfer();
            transfer.items.add(new File(["dropped bytes"], name, { type: "text/plain" }));
            return transfer;
        }""",
        name,
    )
    alice.page.dispatch_event("#main", "dragover", {"dataTransfer": transfer})
    expect(alice.page.locator("#drop-zone")).to_be_visible()
    alice.page.dispatch_event("#main", "drop", {"dataTransfer": transfer})
    expect(alice.page.locator("#drop-zone")).to_be_hidden()
    expect(bob.page.get_by_role("button", name=f"Download {name}")).to_have_count(1)


def test_a_shared_file_downloads_with_its_bytes(pair: tuple[Person, Person]) -> None:
    alice, bob = pair
    name = f"notes-{uuid.uuid4().hex[:6]}.txt"
    payload: FilePayload = {"name": name, "mimeType": "text/plain", "buffer": b"the notes"}
    alice.page.locator("#file-input").set_input_files(files=[payload])
    button = bob.page.get_by_role("button", name=f"Download {name}")
    with bob.page.expect_download() as download:
        button.click()
    assert download.value.suggested_filename == name
    path = download.value.path()
    assert path.read_bytes() == b"the notes"


def test_older_history_pages_in_on_scrolling_up(
    pair: tuple[Person, Person], web_server: ServerThread
) -> None:
    alice, _ = pair
    first = unique("the oldest of many")
    for index in range(60):
        text = first if index == 0 else f"filler {index}"
        api(web_server, "chat.postMessage", BOT_TOKEN, channel="C0001", text=text)
    alice.page.reload()
    expect(message(alice.page, "filler 59")).to_have_count(1)
    expect(message(alice.page, first)).to_have_count(0)
    alice.page.locator("#messages").evaluate("list => { list.scrollTop = 0; }")
    expect(message(alice.page, first)).to_have_count(1)


def test_an_unread_count_clears_on_reading(pair: tuple[Person, Person]) -> None:
    alice, bob = pair
    text = unique("in random")
    open_conversation(bob.page, "C0002", "#random")
    send(bob.page, text)
    badge = alice.page.locator('#sidebar [data-conversation="C0002"] .badge')
    expect(badge).to_have_text("1")
    open_conversation(alice.page, "C0002", "#random")
    expect(badge).to_have_count(0)
    alice.page.reload()
    expect(alice.page.locator("#connection")).to_have_text("Connected")
    expect(alice.page.locator('#sidebar [data-conversation="C0002"] .badge')).to_have_count(0)


def test_a_mention_is_highlighted_in_the_sidebar(pair: tuple[Person, Person]) -> None:
    alice, bob = pair
    open_conversation(bob.page, "C0002", "#random")
    send(bob.page, unique("hey @alice"))
    item = alice.page.locator('#sidebar [data-conversation="C0002"]')
    expect(item).to_have_class("conversation unread mentioned")
    open_conversation(alice.page, "C0002", "#random")


def test_a_direct_message_appears_for_the_other_with_its_count(
    pair: tuple[Person, Person],
) -> None:
    alice, bob = pair
    bob.page.get_by_role("button", name="Open a direct message").click()
    bob.page.locator("#side-body label").filter(has_text="Alice Example").click()
    bob.page.locator("#side-body").get_by_role("button", name="Open").click()
    expect(bob.page.locator("#channel-title")).to_have_text("Alice Example")
    text = unique("just between us")
    send(bob.page, text)
    item = alice.page.locator("#dm-list .conversation").filter(has_text="Bob Example")
    expect(item.locator(".badge")).to_have_count(1)
    expect(item).to_have_class(re.compile(r"\bmentioned\b"))
    item.click()
    expect(message(alice.page, text)).to_have_count(1)
    expect(item.locator(".badge")).to_have_count(0)


def test_a_group_dm_appears_for_its_members(pair: tuple[Person, Person]) -> None:
    alice, bob = pair
    bob.page.get_by_role("button", name="Open a direct message").click()
    bob.page.locator("#side-body label").filter(has_text="Alice Example").click()
    bob.page.locator("#side-body label").filter(has_text="Carol Example").click()
    bob.page.locator("#side-body").get_by_role("button", name="Open").click()
    expect(bob.page.locator("#channel-title")).to_have_text("Alice Example, Carol Example")
    text = unique("the three of us")
    send(bob.page, text)
    item = alice.page.locator("#dm-list .conversation").filter(has_text="Bob Example, Carol")
    expect(item.locator(".badge")).to_have_count(1)
    item.click()
    expect(message(alice.page, text)).to_have_count(1)


def test_me_and_topic_commands(pair: tuple[Person, Person]) -> None:
    alice, bob = pair
    action = unique("waves")
    send(alice.page, f"/me {action}")
    expect(message(bob.page, action).locator(".text.me")).to_have_count(1)
    topic = unique("the topic")
    send(alice.page, f"/topic {topic}")
    expect(bob.page.locator("#channel-topic")).to_have_text(topic)


def test_leave_and_join_commands(pair: tuple[Person, Person]) -> None:
    alice, _ = pair
    open_conversation(alice.page, "C0002", "#random")
    send(alice.page, "/leave")
    expect(alice.page.locator('#sidebar [data-conversation="C0002"]')).to_have_count(0)
    expect(alice.page.locator("#channel-title")).to_have_text("#general")
    send(alice.page, "/join #random")
    expect(alice.page.locator("#channel-title")).to_have_text("#random")
    expect(alice.page.locator('#sidebar [data-conversation="C0002"]')).to_have_count(1)


def test_archiving_a_channel_removes_it_for_its_members(pair: tuple[Person, Person]) -> None:
    alice, bob = pair
    name = f"old-{uuid.uuid4().hex[:6]}"
    alice.page.get_by_role("button", name="Create a channel").click()
    alice.page.get_by_label("Name (lower case, digits, - and _)").fill(name)
    alice.page.get_by_role("button", name="Create", exact=True).click()
    expect(alice.page.locator("#channel-title")).to_have_text(f"#{name}")
    send(alice.page, "/invite @bob")
    entry = bob.page.locator("#sidebar .conversation").filter(has_text=name)
    expect(entry).to_have_count(1)
    alice.page.get_by_role("button", name="Archive").click()
    expect(entry).to_have_count(0)
    expect(alice.page.locator("#channel-title")).to_have_text("#general")


def test_the_picker_offers_the_workspaces_custom_emoji(
    pair: tuple[Person, Person], web_server: ServerThread
) -> None:
    alice, bob = pair
    name = f"party{uuid.uuid4().hex[:4]}"
    control(web_server, "emoji.add", team="T0001", name=name, value="alias:tada")
    text = unique("custom emoji please")
    send(bob.page, text)
    shown = message(alice.page, text)
    shown.hover()
    shown.get_by_role("button", name="Add reaction").click()
    picker = alice.page.get_by_role("dialog", name="Pick an emoji")
    picker.get_by_label("Filter emoji").fill(name)
    picker.get_by_role("option", name=name).click()
    expect(message(bob.page, text).locator(f'.reaction[data-reaction="{name}"]')).to_contain_text(
        "🎉"
    )


def test_a_persons_profile_opens_from_their_name(pair: tuple[Person, Person]) -> None:
    alice, bob = pair
    text = unique("who am i")
    send(bob.page, text)
    message(alice.page, text).get_by_role("button", name="Bob Example").click()
    expect(alice.page.locator("#side-title")).to_have_text("Bob Example")
    expect(alice.page.locator("#side-body .profile")).to_contain_text("bob@acme.test")
    alice.page.keyboard.press("Escape")
    expect(alice.page.locator("#side-panel")).to_be_hidden()


def test_search_finds_a_message(pair: tuple[Person, Person]) -> None:
    alice, bob = pair
    word = f"needle{uuid.uuid4().hex[:8]}"
    send(bob.page, f"find the {word} please")
    expect(message(alice.page, word)).to_have_count(1)
    alice.page.get_by_label("Search messages").fill(word)
    alice.page.get_by_label("Search messages").press("Enter")
    panel = alice.page.locator("#side-body")
    expect(panel.get_by_role("status")).to_contain_text("1 result")
    expect(panel.locator(".search-hit")).to_contain_text(word)


def test_create_a_channel_and_invite_someone(pair: tuple[Person, Person]) -> None:
    alice, bob = pair
    name = f"new-{uuid.uuid4().hex[:6]}"
    alice.page.get_by_role("button", name="Create a channel").click()
    alice.page.get_by_label("Name (lower case, digits, - and _)").fill(name)
    alice.page.get_by_role("button", name="Create", exact=True).click()
    expect(alice.page.locator("#channel-title")).to_have_text(f"#{name}")
    alice.page.get_by_role("button", name="Invite", exact=True).click()
    alice.page.locator("#side-body label").filter(has_text="Bob Example").click()
    alice.page.locator("#side-body").get_by_role("button", name="Invite").click()
    expect(bob.page.locator("#sidebar .conversation").filter(has_text=name)).to_have_count(1)


def test_keyboard_moves_between_conversations(pair: tuple[Person, Person]) -> None:
    alice, _ = pair
    alice.page.locator("#composer-input").press("Alt+ArrowDown")
    expect(alice.page.locator("#channel-title")).not_to_have_text("#general")
    alice.page.keyboard.press("Alt+ArrowUp")
    expect(alice.page.locator("#channel-title")).to_have_text("#general")


def control(server: ServerThread, endpoint: str, **body: object) -> None:
    """One call of the control API, which must succeed."""
    answer = http_request(
        server.port,
        "POST",
        f"/_slackline/admin/{endpoint}",
        json.dumps(body),
        {"Authorization": f"Bearer {ADMIN_TOKEN}", "Content-Type": "application/json"},
    )
    assert answer.status == 200, answer.body


@pytest.mark.parametrize("goodbye", [True, False], ids=["goodbye", "dropped"])
def test_reconnects_and_fetches_what_it_missed(
    pair: tuple[Person, Person], web_server: ServerThread, goodbye: bool
) -> None:
    alice, bob = pair
    # Two refused upgrades keep alice away long enough to miss a message; chromium logs
    # each refused upgrade as a console error, which is what this test expects.
    alice.allow_console_error("WebSocket connection to")
    control(web_server, "faults.refuse_tickets", count=2, user="U0001")
    control(web_server, "sessions.end", user="U0001", goodbye=goodbye)
    expect(alice.page.locator("#connection")).to_contain_text("Disconnected")
    text = unique("while you were away")
    send(bob.page, text)
    expect(message(bob.page, text)).to_have_count(1)
    expect(alice.page.locator("#connection")).to_have_text("Connected")
    expect(message(alice.page, text)).to_have_count(1)
    states = alice.page.evaluate("window.slackline.states")
    assert states[-1] == "reconnected", states


def test_a_session_ended_elsewhere_goes_back_to_signin(
    people: People, web_server: ServerThread
) -> None:
    cookie = sign_in(web_server.port, "carol")
    carol = signed_in(people, "carol", cookie)
    csrf = carol.boot()["csrf"]
    answer = http_request(
        web_server.port,
        "POST",
        "/signout",
        urlencode({"csrf": csrf}),
        {"Content-Type": "application/x-www-form-urlencoded", "Cookie": f"d={cookie}"},
    )
    assert answer.status == 303
    carol.page.wait_for_url(f"{carol.base_url}/signin")
    expect(carol.page.get_by_role("button", name="Sign in")).to_be_visible()
