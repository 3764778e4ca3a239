"""Acceptance: wee-slack (Debian's ``weechat-scripts``, unmodified) in WeeChat headless
against a real Slackline.

One WeeChat for the module (:mod:`tests.weechat.harness`): alice's client, aimed at a
Slackline TLS listener through a local SOCKS5/CONNECT proxy that sends ``api.slack.com`` and
``wss-primary.slack.com`` there, trusting a throw-away CA in a private mount namespace. Bob
and dave (other people of the team) have real RTM sockets, and alice a second one (her
"other session", where read marks go). Each test drives WeeChat through its FIFO and checks
what reached the server (the toolkit's call journal, ``conversations.*`` read back), what
reached the sockets, or what WeeChat drew (the tap script's lines, buffer dumps). See
docs/wee-slack.md.

Tests run in file order and share the one WeeChat; each posts or types text of its own and
waits for that, so none depends on another having run. Two come last on purpose: the
reconnection test ends alice's sessions (her other socket too), and the final one checks
that nothing before it printed an error or got a failed call.
"""

from __future__ import annotations

import contextlib
import re
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import pytest
import trustme
from websockets.exceptions import ConnectionClosed
from websockets.sync.client import ClientConnection

from slackline.testing.journal import CallRecord
from slackline.testing.toolkit import Member, Slackline, SlacklineServer
from tests.helpers.http import api
from tests.helpers.rtm import no_frame, open_socket, recv_json
from tests.weechat.harness import (
    CORE_BUFFER,
    HarnessError,
    SlackProxy,
    WeeChat,
    buffer_name,
    install,
    write_slack_certificate,
)

DOMAIN = "acme"
# rtm.connect names this host (tls_public_url), so the socket too goes through the proxy and is
# checked against the certificate as Slack's would be.
WEBSOCKET_HOST = "wss-primary.slack.com"
CONNECT_TIMEOUT_SECS = 30.0
WAIT_SECS = 15.0
FRAME_WAIT_SECS = 10.0
HIGHLIGHT_WORD = "pineapple"
CROWD_SIZE = 760
WEE_SLACK_PRESENCE_SUB_IDS = 751  # wee-slack's first 750 users, then itself
CUSTOM_EMOJI = "partyparrot"
# A weemoji.json of two standard emoji (wee-slack draws these as characters): with one,
# wee-slack asks emoji.list for the custom ones.
STANDARD_EMOJI = {
    "smile": "\N{SMILING FACE WITH OPEN MOUTH AND SMILING EYES}",
    "+1": "\N{THUMBS UP SIGN}",
}


@dataclass
class World:
    """The running parts every test uses."""

    slackline: Slackline
    slackline_server: SlacklineServer
    weechat: WeeChat
    proxy: SlackProxy
    alice: Member  # wee-slack's user
    bob: Member
    dave: Member
    general: str  # alice, bob, dave
    secret: str  # private; alice and bob
    random: str  # alice and bob; muted by alice
    hidden: str  # private; bob only: never shown to alice
    dm: str  # alice and bob
    mpim: str  # alice, bob and dave
    elsewhere: str  # a channel of another team
    devs: str  # a user group of alice and bob, handle "devs"
    bob_socket: ClientConnection
    alice_socket: ClientConnection  # alice's other session
    dave_socket: ClientConnection  # in #general and the group DM only

    def buffer(self, channel: str = "") -> str:
        """wee-slack's full buffer name for ``#general``, ``bob`` and so on."""
        return buffer_name(DOMAIN, channel)


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    """Slackline with TLS, the teams, the three sockets, then WeeChat connected as alice."""
    try:
        paths = install()
    except HarnessError as error:
        pytest.fail(f"WeeChat is not installed (make weechat): {error}")
    folder = tmp_path_factory.mktemp("wee-slack")
    tls = write_slack_certificate(trustme.CA(), folder / "tls")
    server = SlacklineServer.start(
        folder,
        tls_port=0,
        tls_cert=str(tls.cert),
        tls_key=str(tls.key),
        tls_public_url=f"https://{WEBSOCKET_HOST}",
    )
    sockets: list[ClientConnection] = []
    try:
        slackline = Slackline(server)
        team = slackline.team("Acme", domain=DOMAIN)
        bob = slackline.user(team, "bob")
        dave = slackline.user(team, "dave")
        # A crowd, so that wee-slack subscribes to as many users as it ever does: the first
        # 750 users of users.list (in id order) and then itself. The crowd's ids sort after
        # bob's and dave's and before alice's, so she is the 751st id.
        crowd = [{"id": f"{dave.id}Y{n:04d}", "name": f"crowd{n}"} for n in range(CROWD_SIZE)]
        server.call(
            lambda app: app.workspaces.load_document({"teams": [{"id": team, "users": crowd}]})
        )
        alice = slackline.user(team, "alice")
        assert bob.id < dave.id < crowd[0]["id"] < alice.id
        general = slackline.channel(team, "general", [alice, bob, dave])
        secret = slackline.channel(team, "secret", [alice, bob], private=True)
        random = slackline.channel(team, "random", [alice, bob])
        hidden = slackline.channel(team, "hidden", [bob], private=True)
        other_team = slackline.team("Globex", domain="globex")
        gina = slackline.user(other_team, "gina")
        elsewhere = slackline.channel(other_team, "globex-general", [gina])
        dm = slackline.dm(bob, alice)
        opened = slackline.act(bob, "conversations.open", users=f"{alice.id},{dave.id}")
        assert opened["ok"], opened
        mpim = str(opened["channel"]["id"])
        # Something in each conversation before WeeChat starts: the DM and the group DM are
        # open for alice (wee-slack opens buffers for open conversations with messages).
        slackline.post(bob, dm, "a DM before WeeChat started")
        slackline.post(bob, mpim, "a group DM before WeeChat started")
        slackline.post(bob, hidden, "never for alice")
        old_question = slackline.post(bob, general, "an old question")
        # alice read &secret up to here before WeeChat started (her read mark, last_read)
        read = slackline.post(bob, secret, "read before WeeChat started")
        marked = slackline.act(alice, "conversations.mark", channel=secret, ts=read)
        assert marked["ok"], marked
        slackline.post(bob, secret, "unread before WeeChat started")
        slackline.post(dave, general, "an old answer", thread_ts=old_question)
        slackline.post(gina, elsewhere, "never for acme")
        # What wee-slack reads at connection besides conversations and users: the user
        # groups (usergroups.list), alice's preferences (users.prefs.get) and custom emoji.
        devs = slackline.create_usergroup(bob, "Developers", handle="devs", users=[alice, bob])
        slackline.set_pref(alice, "highlight_words", HIGHLIGHT_WORD)
        slackline.mute(alice, random)
        slackline.add_emoji(team, CUSTOM_EMOJI, "https://emoji.example/partyparrot.gif")
        bob_socket = open_socket(server.thread, bob.token)
        sockets.append(bob_socket)
        alice_socket = open_socket(server.thread, alice.token)
        sockets.append(alice_socket)
        dave_socket = open_socket(server.thread, dave.token)
        sockets.append(dave_socket)
        with SlackProxy(server.thread.tls_port) as proxy:
            weechat = WeeChat(
                home=folder / "weechat",
                token=alice.token,
                proxy=proxy,
                ca_file=tls.ca,
                weechat_install=paths,
                weemoji=STANDARD_EMOJI,
            )
            with weechat:
                weechat.wait_for_line(
                    r"Connected to Slack team",
                    buffer=buffer_name(DOMAIN),
                    timeout_secs=CONNECT_TIMEOUT_SECS,
                )
                yield World(
                    slackline=slackline,
                    slackline_server=server,
                    weechat=weechat,
                    proxy=proxy,
                    alice=alice,
                    bob=bob,
                    dave=dave,
                    general=general,
                    secret=secret,
                    random=random,
                    hidden=hidden,
                    dm=dm,
                    mpim=mpim,
                    elsewhere=elsewhere,
                    devs=devs,
                    bob_socket=bob_socket,
                    alice_socket=alice_socket,
                    dave_socket=dave_socket,
                )
    finally:
        for socket in sockets:
            # A socket with unread frames cannot take the server's close frame: read them
            # first, or close() waits out its timeout.
            with contextlib.suppress(ConnectionClosed):
                drain(socket)
            socket.close()
        server.stop()


# --- helpers -------------------------------------------------------------------------------


def frame_where(
    socket: ClientConnection,
    predicate: Callable[[dict[str, Any]], bool],
    timeout_secs: float = FRAME_WAIT_SECS,
) -> dict[str, Any]:
    """The first frame matching ``predicate`` (others, of other tests, are skipped)."""
    deadline = time.monotonic() + timeout_secs
    while True:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise TimeoutError("no matching frame arrived in time")
        frame = recv_json(socket, timeout=remaining)
        if predicate(frame):
            return frame


def drain(socket: ClientConnection) -> None:
    """Read and drop what the socket holds now (frames of earlier tests)."""
    while not no_frame(socket, within=0.05):
        pass


def history_where(
    world: World, channel: str, predicate: Callable[[dict[str, Any]], bool]
) -> dict[str, Any]:
    """The newest message of ``conversations.history`` (read as bob) matching ``predicate``,
    waiting for it: wee-slack's requests queue up behind each other."""
    deadline = time.monotonic() + WAIT_SECS
    while True:
        body = world.slackline.act(world.bob, "conversations.history", channel=channel)
        assert body["ok"], body
        found = [message for message in body["messages"] if predicate(message)]
        if found:
            return dict(found[0])
        if time.monotonic() > deadline:
            raise TimeoutError(f"no such message in {channel}: {body['messages'][:5]}")
        time.sleep(0.1)


def call_of(world: World, method: str, **args: str) -> CallRecord:
    """wee-slack's call to ``method`` with these arguments (alice's, answered ok)."""
    call = world.slackline.wait_for_call(method, timeout=WAIT_SECS, **args)
    assert call.user_id == world.alice.id
    assert call.response.get("ok") is True, call.response
    return call


def posted_by_bob(world: World, channel: str, text: str, buffer: str) -> str:
    """Bob posts ``text``; returns its ts once WeeChat has printed it in ``buffer``."""
    ts = world.slackline.post(world.bob, channel, text)
    world.weechat.wait_for_line(
        re.escape(text), buffer=world.buffer(buffer), timeout_secs=WAIT_SECS
    )
    return ts


def typed_by_alice(world: World, text: str) -> str:
    """Alice types ``text`` in #general; its ts once WeeChat has it from the server (the line
    wee-slack draws for its own message comes with the server's echo)."""
    after = world.weechat.mark()
    world.weechat.send(text, buffer=world.buffer("#general"))
    world.weechat.wait_for_line(
        re.escape(text), buffer=world.buffer("#general"), timeout_secs=WAIT_SECS, after=after
    )
    return str(history_where(world, world.general, lambda m: m.get("text") == text)["ts"])


def dm_short_name(world: World, wanted: Callable[[str], bool]) -> str:
    """The DM buffer's short name (where wee-slack shows presence and typing) once
    ``wanted`` holds for it."""
    deadline = time.monotonic() + WAIT_SECS
    while True:
        short_name = world.weechat.dump()[world.buffer("bob")].short_name
        if wanted(short_name):
            return short_name
        assert time.monotonic() < deadline, short_name
        time.sleep(0.2)


# --- connecting ----------------------------------------------------------------------------


def test_connects_through_the_proxy_only_to_slackline(world: World) -> None:
    """Every connection wee-slack made was to a Slack name that the proxy sent to Slackline:
    the Web API through SOCKS5 (libcurl) and the websocket through CONNECT."""
    connections = world.proxy.connections
    assert connections
    assert all(connection.allowed for connection in connections), connections
    assert {("socks5", "api.slack.com"), ("http-connect", WEBSOCKET_HOST)} <= {
        (connection.protocol, connection.host) for connection in connections
    }


def test_lists_channels_dms_and_group_dms(world: World) -> None:
    """The team buffer and a buffer for each of alice's conversations: the public and the
    private channel, the DM with bob and the group DM with bob and dave."""
    for channel in ("#general", "&secret", "bob", "bob,dave"):
        world.weechat.wait_for_line(
            "buffer_opened|buffer_renamed", buffer=world.buffer(channel), timeout_secs=WAIT_SECS
        )


def test_hides_what_alice_may_not_see(world: World) -> None:
    """No buffer for bob's private channel, nor for the other team's channel, and their
    messages are nowhere in WeeChat."""
    buffers = world.weechat.dump()
    names = set(buffers)
    assert world.buffer("&hidden") not in names
    assert not any("globex" in name for name in names)
    for buffer in buffers.values():
        assert not buffer.find("never for"), buffer.full_name


def test_shows_history_in_a_dm_and_a_group_dm(world: World) -> None:
    """The messages bob posted before WeeChat started are in the DM and group DM buffers
    (``conversations.history``)."""
    for channel, text in (("bob", "a DM before"), ("bob,dave", "a group DM before")):
        deadline = time.monotonic() + WAIT_SECS
        while not world.weechat.dump()[world.buffer(channel)].find(text):
            assert time.monotonic() < deadline, f"no {text!r} in {channel}"
            time.sleep(0.2)


def test_history_starts_unread_after_the_read_mark(world: World) -> None:
    """wee-slack takes alice's read mark from ``conversations.info`` (``last_read``): in
    &secret the message she had read is drawn as backlog, the one after it is not.

    wee-slack draws the history as it arrives, and it may arrive before the answer to
    ``conversations.info`` (two requests at once); ``/rehistory`` draws it again with the
    read mark wee-slack holds by then."""
    info = call_of(world, "conversations.info", channel=world.secret)
    read_ts = info.response["channel"]["last_read"]
    assert info.response["channel"]["unread_count_display"] == 1
    deadline = time.monotonic() + WAIT_SECS
    while True:
        world.weechat.send("/rehistory", buffer=world.buffer("&secret"))
        secret = world.weechat.dump()[world.buffer("&secret")]
        read, unread = secret.find(r"\tread before"), secret.find(r"\tunread before")
        if read and unread and "logger_backlog" in read[0].tags:
            break
        assert time.monotonic() < deadline, [f"{line} {line.tags}" for line in secret.lines]
        time.sleep(0.2)
    assert f"slack_ts_{read_ts}" in read[0].tags
    assert "logger_backlog" not in unread[0].tags


# --- messages ------------------------------------------------------------------------------


def test_message_from_another_user_appears_in_its_buffer(world: World) -> None:
    """A message bob posts with his own token over HTTP (``chat.postMessage``) is printed in
    #general, under bob's nick."""
    posted = api(
        world.slackline_server.thread,
        "chat.postMessage",
        world.bob.token,
        channel=world.general,
        text="hello from bob over HTTP",
    )
    assert posted.body["ok"], posted.body
    line = world.weechat.wait_for_line(
        "hello from bob over HTTP", buffer=world.buffer("#general"), timeout_secs=WAIT_SECS
    )
    assert line.prefix.endswith("bob")


def test_message_in_the_dm_appears_in_its_buffer(world: World) -> None:
    """A message bob posts in the DM is printed in the DM's buffer."""
    world.slackline.post(world.bob, world.dm, "hello in the DM")
    line = world.weechat.wait_for_line(
        "hello in the DM", buffer=world.buffer("bob"), timeout_secs=WAIT_SECS
    )
    assert line.prefix.endswith("bob")


def test_line_typed_in_weechat_lands_in_history(world: World) -> None:
    """A line typed in #general goes over alice's socket and is in ``conversations.history``,
    as alice's; bob's socket gets it."""
    drain(world.bob_socket)
    world.weechat.send("typed in weechat", buffer=world.buffer("#general"))
    stored = history_where(world, world.general, lambda m: m.get("text") == "typed in weechat")
    assert stored["user"] == world.alice.id
    frame = frame_where(
        world.bob_socket,
        lambda f: f.get("type") == "message" and f.get("text") == "typed in weechat",
    )
    assert frame["user"] == world.alice.id
    assert frame["channel"] == world.general


def test_line_typed_in_a_private_channel_reaches_its_members_only(world: World) -> None:
    """A line typed in &secret reaches bob's socket, a member's, and not dave's."""
    drain(world.dave_socket)
    world.weechat.send("only for the secret", buffer=world.buffer("&secret"))
    frame = frame_where(
        world.bob_socket,
        lambda f: f.get("type") == "message" and f.get("text") == "only for the secret",
    )
    assert frame["channel"] == world.secret
    with pytest.raises(TimeoutError):
        frame_where(world.dave_socket, lambda f: f.get("text") == "only for the secret", 0.5)


def test_edit_reaches_the_server_and_bob(world: World) -> None:
    """``s/old/new/`` edits alice's newest message (``chat.update``): the new text is in
    history and bob's socket gets ``message_changed``."""
    typed_by_alice(world, "a typo heer")
    drain(world.bob_socket)
    world.weechat.send("s/heer/here/", buffer=world.buffer("#general"))
    call_of(world, "chat.update", channel=world.general, text="a typo here")
    frame = frame_where(
        world.bob_socket,
        lambda f: (
            f.get("subtype") == "message_changed"
            and f.get("message", {}).get("text") == "a typo here"
        ),
    )
    assert frame["channel"] == world.general
    history_where(world, world.general, lambda m: m.get("text") == "a typo here")


def test_delete_reaches_the_server_and_bob(world: World) -> None:
    """``s///`` deletes alice's newest message (``chat.delete``): bob's socket gets
    ``message_deleted`` and history no longer has it."""
    ts = typed_by_alice(world, "delete me soon")
    drain(world.bob_socket)
    world.weechat.send("s///", buffer=world.buffer("#general"))
    call_of(world, "chat.delete", channel=world.general, ts=ts)
    frame = frame_where(world.bob_socket, lambda f: f.get("subtype") == "message_deleted")
    assert frame["deleted_ts"] == ts
    body = world.slackline.act(world.bob, "conversations.history", channel=world.general)
    assert all(message["ts"] != ts for message in body["messages"])


def test_me_reaches_the_server_and_bob(world: World) -> None:
    """``/me`` is ``chat.meMessage``: a ``me_message`` in history and on bob's socket."""
    drain(world.bob_socket)
    world.weechat.send("/me waves from weechat", buffer=world.buffer("#general"))
    call_of(world, "chat.meMessage", channel=world.general, text="waves from weechat")
    stored = history_where(world, world.general, lambda m: m.get("text") == "waves from weechat")
    assert stored["subtype"] == "me_message"
    frame = frame_where(
        world.bob_socket,
        lambda f: f.get("type") == "message" and f.get("text") == "waves from weechat",
    )
    assert frame["subtype"] == "me_message"
    assert frame["user"] == world.alice.id


def test_topic_reaches_the_server_and_bob(world: World) -> None:
    """``/topic`` is ``conversations.setTopic``: the channel's topic changes, bob's socket
    gets the ``channel_topic`` message, and WeeChat shows the topic as the buffer's title."""
    drain(world.bob_socket)
    world.weechat.send("/topic Plans for the week", buffer=world.buffer("#general"))
    call_of(world, "conversations.setTopic", channel=world.general, topic="Plans for the week")
    info = world.slackline.act(world.bob, "conversations.info", channel=world.general)
    assert info["channel"]["topic"]["value"] == "Plans for the week"
    assert info["channel"]["topic"]["creator"] == world.alice.id
    frame = frame_where(
        world.bob_socket,
        lambda f: f.get("type") == "message" and f.get("subtype") == "channel_topic",
    )
    assert frame["topic"] == "Plans for the week"
    assert frame["user"] == world.alice.id
    deadline = time.monotonic() + WAIT_SECS
    while "Plans for the week" not in world.weechat.dump()[world.buffer("#general")].title:
        assert time.monotonic() < deadline, "the buffer's title never showed the topic"
        time.sleep(0.2)


def test_thread_reply_reaches_the_server_and_bob(world: World) -> None:
    """``/reply 1 ...`` on bob's newest message sends a reply with its ``thread_ts``: it is
    in ``conversations.replies`` and on bob's socket, and the parent counts it."""
    parent = posted_by_bob(world, world.general, "a question for a thread", "#general")
    drain(world.bob_socket)
    world.weechat.send("/reply 1 an answer in the thread", buffer=world.buffer("#general"))
    frame = frame_where(
        world.bob_socket,
        lambda f: f.get("type") == "message" and f.get("text") == "an answer in the thread",
    )
    assert frame["thread_ts"] == parent
    assert frame["user"] == world.alice.id
    replies = world.slackline.act(
        world.bob, "conversations.replies", channel=world.general, ts=parent
    )
    assert [m["text"] for m in replies["messages"]] == [
        "a question for a thread",
        "an answer in the thread",
    ]
    assert replies["messages"][0]["reply_count"] == 1


def test_history_shows_a_thread_of_before(world: World) -> None:
    """The thread started before WeeChat did is marked on its parent in #general's history
    (``reply_count`` on ``conversations.history`` parents)."""
    deadline = time.monotonic() + WAIT_SECS
    pattern = r"an old question.*\[ Thread: \w+ Replies: 1 \]"
    while not world.weechat.dump()[world.buffer("#general")].find(pattern):
        assert time.monotonic() < deadline, "no thread marker on the old question"
        time.sleep(0.2)


def test_reply_from_another_user_marks_the_parent(world: World) -> None:
    """Bob's reply to a message in #general shows as ``[ Thread: ... Replies: 1 ]`` on the
    parent's line in WeeChat."""
    parent = posted_by_bob(world, world.general, "start a thread here", "#general")
    world.slackline.post(world.dave, world.general, "a reply from dave", thread_ts=parent)
    deadline = time.monotonic() + WAIT_SECS
    pattern = r"start a thread here.*\[ Thread: \w+ Replies: 1 \]"
    while not world.weechat.dump()[world.buffer("#general")].find(pattern):
        assert time.monotonic() < deadline, "no thread marker on the parent"
        time.sleep(0.2)


def test_reaction_reaches_the_server_and_bob(world: World) -> None:
    """``+:thumbsup:`` reacts to the newest message: ``reactions.add``, the reaction on the
    message, ``reaction_added`` on bob's socket."""
    ts = posted_by_bob(world, world.general, "react to this", "#general")
    drain(world.bob_socket)
    world.weechat.send("+:thumbsup:", buffer=world.buffer("#general"))
    call_of(world, "reactions.add", channel=world.general, timestamp=ts, name="thumbsup")
    frame = frame_where(world.bob_socket, lambda f: f.get("type") == "reaction_added")
    assert frame["user"] == world.alice.id
    assert frame["reaction"] == "thumbsup"
    assert frame["item"] == {"type": "message", "channel": world.general, "ts": ts}
    got = world.slackline.act(world.bob, "reactions.get", channel=world.general, timestamp=ts)
    assert got["message"]["reactions"] == [
        {"name": "thumbsup", "users": [world.alice.id], "count": 1}
    ]


def test_reaction_from_another_user_shows_in_weechat(world: World) -> None:
    """Bob's reaction is drawn on the message's line in WeeChat."""
    ts = posted_by_bob(world, world.general, "bob reacts to this", "#general")
    world.slackline.react(world.bob, world.general, ts, "tada")
    deadline = time.monotonic() + WAIT_SECS
    while not world.weechat.dump()[world.buffer("#general")].find(r"bob reacts to this.*tada"):
        assert time.monotonic() < deadline, "the reaction was never drawn"
        time.sleep(0.2)


def test_marking_read_reaches_the_server_and_alices_other_session(world: World) -> None:
    """Marking #general read (``/input set_unread_current_buffer``) is
    ``conversations.mark`` with the newest ts: ``last_read`` moves, alice's other socket gets
    ``channel_marked``, bob's does not."""
    ts = posted_by_bob(world, world.general, "unread until marked", "#general")
    drain(world.alice_socket)
    drain(world.bob_socket)
    world.weechat.send("/input set_unread_current_buffer", buffer=world.buffer("#general"))
    call_of(world, "conversations.mark", channel=world.general, ts=ts)
    frame = frame_where(world.alice_socket, lambda f: f.get("type") == "channel_marked")
    assert frame["channel"] == world.general
    assert frame["ts"] == ts
    info = world.slackline.act(world.alice, "conversations.info", channel=world.general)
    assert info["channel"]["last_read"] == ts
    with pytest.raises(TimeoutError):
        frame_where(world.bob_socket, lambda f: f.get("type") == "channel_marked", 0.5)


def test_reply_also_sent_to_the_channel_is_a_broadcast(world: World) -> None:
    """``/reply -alsochannel 1 ...`` sends ``reply_broadcast``: bob's socket gets a
    ``thread_broadcast`` in the thread of bob's message."""
    parent = posted_by_bob(world, world.general, "a question for everyone", "#general")
    drain(world.bob_socket)
    world.weechat.send(
        "/reply -alsochannel 1 an answer for everyone", buffer=world.buffer("#general")
    )
    frame = frame_where(
        world.bob_socket,
        lambda f: f.get("type") == "message" and f.get("text") == "an answer for everyone",
    )
    assert frame["subtype"] == "thread_broadcast"
    assert frame["thread_ts"] == parent


def test_marking_a_dm_read_sends_im_marked(world: World) -> None:
    """Marking the DM with bob read is ``conversations.mark`` on the DM: ``im_marked`` on
    alice's other socket."""
    ts = posted_by_bob(world, world.dm, "read me in the DM", "bob")
    drain(world.alice_socket)
    world.weechat.send("/input set_unread_current_buffer", buffer=world.buffer("bob"))
    call_of(world, "conversations.mark", channel=world.dm, ts=ts)
    frame = frame_where(world.alice_socket, lambda f: f.get("type") == "im_marked")
    assert frame["channel"] == world.dm
    assert frame["ts"] == ts


def test_marking_a_group_dm_read_sends_mpim_marked(world: World) -> None:
    """Marking the group DM read: ``mpim_marked`` on alice's other socket."""
    ts = posted_by_bob(world, world.mpim, "read me in the group DM", "bob,dave")
    drain(world.alice_socket)
    world.weechat.send("/input set_unread_current_buffer", buffer=world.buffer("bob,dave"))
    call_of(world, "conversations.mark", channel=world.mpim, ts=ts)
    frame = frame_where(world.alice_socket, lambda f: f.get("type") == "mpim_marked")
    assert frame["channel"] == world.mpim
    assert frame["ts"] == ts


# --- what wee-slack reads at connection ----------------------------------------------------


def test_mention_of_alices_user_group_highlights(world: World) -> None:
    """``usergroups.list`` told wee-slack that alice is in @devs: a mention of the group is
    drawn as ``@devs`` and highlighted."""
    world.slackline.post(world.bob, world.general, f"<!subteam^{world.devs}|@devs> please review")
    line = world.weechat.wait_for_line(
        "@devs please review", buffer=world.buffer("#general"), timeout_secs=WAIT_SECS
    )
    assert line.highlight


def test_highlight_word_from_prefs_highlights(world: World) -> None:
    """``users.prefs.get`` gave alice's ``highlight_words``: a line with the word is
    highlighted, a line without it is not."""
    world.slackline.post(world.bob, world.general, "who wants apples")
    world.slackline.post(world.bob, world.general, f"who wants {HIGHLIGHT_WORD}")
    word = world.weechat.wait_for_line(
        f"who wants {HIGHLIGHT_WORD}", buffer=world.buffer("#general"), timeout_secs=WAIT_SECS
    )
    other = world.weechat.wait_for_line("who wants apples", buffer=world.buffer("#general"))
    assert word.highlight
    assert not other.highlight


def test_muted_channels_from_prefs(world: World) -> None:
    """``users.prefs.get`` gave alice's ``muted_channels``: ``/slack showmuted`` lists
    #random."""
    after = world.weechat.mark()
    world.weechat.send("/slack showmuted", buffer=world.buffer())
    line = world.weechat.wait_for_line(
        "Muted channels:", buffer=world.buffer(), timeout_secs=WAIT_SECS, after=after
    )
    assert line.message == "Muted channels: #random"


def test_pref_change_reaches_weechat(world: World) -> None:
    """A preference set elsewhere (``users.prefs.set``) reaches wee-slack as ``pref_change``:
    muting &secret too shows in ``/slack showmuted``."""
    world.slackline.mute(world.alice, world.random, world.secret)
    deadline = time.monotonic() + WAIT_SECS
    while True:
        after = world.weechat.mark()
        world.weechat.send("/slack showmuted", buffer=world.buffer())
        line = world.weechat.wait_for_line(
            "Muted channels:", buffer=world.buffer(), timeout_secs=WAIT_SECS, after=after
        )
        if sorted(line.message.removeprefix("Muted channels: ").split(", ")) == [
            "#random",
            "&secret",
        ]:
            break
        assert time.monotonic() < deadline, line.message
        time.sleep(0.2)
    world.slackline.mute(world.alice, world.random)


def test_custom_emoji_come_from_emoji_list(world: World) -> None:
    """With a ``weemoji.json``, wee-slack asks ``emoji.list`` for the team's custom emoji
    and gets the one the team has."""
    call = call_of(world, "emoji.list")
    assert CUSTOM_EMOJI in call.response["emoji"]


# --- presence and typing -------------------------------------------------------------------


def test_subscribes_to_presence_of_751_users(world: World) -> None:
    """wee-slack sends ``presence_sub`` with as many ids as it ever does (its first 750 users
    and itself); Slackline takes them all and answers with the presence of every one of them
    in batches, and no error."""
    frame = world.slackline.wait_for_frame(
        world.alice, direction="in", type="presence_sub", timeout=WAIT_SECS
    )
    ids = frame.frame["ids"]
    assert len(ids) == WEE_SLACK_PRESENCE_SUB_IDS
    assert ids[-1] == world.alice.id
    assert {world.bob.id, world.dave.id} <= set(ids)
    deadline = time.monotonic() + WAIT_SECS
    while True:
        out = [
            record.frame
            for record in world.slackline.frames(world.alice, direction="out")
            if record.seq > frame.seq
        ]
        answered = {
            user for f in out if f.get("type") == "presence_change" for user in f.get("users", [])
        }
        if answered >= set(ids):
            break
        assert time.monotonic() < deadline, f"presence of {len(set(ids) - answered)} missing"
        time.sleep(0.1)
    assert [f for f in out if "error" in f] == []


def test_presence_of_another_user_shows_in_the_dm(world: World) -> None:
    """Bob is connected, so his DM shows ``+bob``; when he sets himself away the ``+`` goes,
    and comes back when he is active again (``presence_change``)."""
    dm_short_name(world, lambda name: name == "+bob")
    world.slackline.set_presence(world.bob, "away")
    try:
        dm_short_name(world, lambda name: name.strip() == "bob" and "+" not in name)
    finally:
        world.slackline.set_presence(world.bob, "auto")
    dm_short_name(world, lambda name: name == "+bob")


def test_typing_of_another_user_shows_in_the_dm(world: World) -> None:
    """Bob typing in the DM (``user_typing``) shows as ``>bob`` in the buffer list."""
    world.slackline.type(world.bob, world.dm)
    dm_short_name(world, lambda name: name == ">bob")


# --- reconnecting (ends alice's sessions, so it comes after every test that uses them) -----


def test_reconnects_after_the_server_ends_its_session(world: World) -> None:
    """When Slackline ends alice's sessions (``goodbye``, then close 1001), wee-slack notices,
    calls ``rtm.connect`` again, opens a new socket and receives messages on it."""
    connects = len(world.slackline.calls("rtm.connect"))
    after = world.weechat.mark()
    assert world.slackline.end_sessions(world.alice) >= 1
    world.weechat.wait_for_line(
        "Connected to Slack team", buffer=world.buffer(), timeout_secs=WAIT_SECS, after=after
    )
    assert len(world.slackline.calls("rtm.connect")) > connects
    posted_by_bob(world, world.general, "after the reconnection", "#general")
    # over the new socket (alice's other session was ended too, and never reopened)
    world.slackline.wait_for_frame(
        world.alice, direction="out", type="message", text="after the reconnection"
    )


# --- last: nothing went wrong on the way -----------------------------------------------------


def test_printed_no_error_and_made_only_successful_calls(world: World) -> None:
    """Up to here (this test runs last), wee-slack printed no error and no Python traceback,
    and every Web API call it made was answered ``ok``."""
    problems = [
        str(line)
        for line in world.weechat.lines()
        if re.search(r"error|traceback|exception", line.message, re.IGNORECASE)
        and line.buffer in (CORE_BUFFER, world.buffer())
    ]
    assert problems == []
    failed = [
        f"{call.method} {dict(call.args)} -> {call.response.get('error')}"
        for call in world.slackline.calls()
        if call.user_id == world.alice.id and not call.response.get("ok")
    ]
    assert failed == []
