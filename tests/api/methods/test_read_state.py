"""conversations.mark and the read state other methods report, over real HTTP and real
sockets: the ``channel_marked``/``group_marked``/``im_marked``/``mpim_marked`` events to every
session of the user who moved the marker and to nobody else; ``last_read``, ``unread_count``
and ``unread_count_display`` in conversations.info and rtm.start; the errors; private
conversations and other teams staying invisible; slack_sdk's call."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from slack_sdk import WebClient

from slackline.testing.server import ServerThread
from slackline.testing.toolkit import Member, Slackline, SlacklineServer
from tests.helpers.events import BOB, DAVE, ERIN, admin, ok, start_event_server
from tests.helpers.people import Callers, acme_people
from tests.helpers.postgres import postgres_schema
from tests.helpers.rtm import no_frame, open_socket, recv_until

NEVER_READ = "0000000000.000000"
DAVE_ID = "U0004"


@dataclass
class Room(Callers):
    """Alice and bob in a public and a private channel, a DM and a group DM (with dave);
    erin in none of them; gina of another team."""

    alice: Member
    bob: Member
    dave: Member
    erin: Member
    gina: Member
    public: str
    private: str
    dm: str
    group: str

    def post(self, member: Member, channel: str, text: str = "hello") -> str:
        """Post as the member; the ts."""
        return str(self.ok("chat.postMessage", member, channel=channel, text=text)["ts"])

    def info(self, member: Member, channel: str) -> dict[str, Any]:
        """The channel as conversations.info shows it to the member."""
        return dict(self.ok("conversations.info", member, channel=channel)["channel"])


@pytest.fixture
def room(slackline: Slackline, slackline_server: SlacklineServer) -> Room:
    """The people and conversations of :class:`Room`, fresh for each test."""
    team, alice, bob, dave, erin, gina = acme_people(slackline)
    public = slackline.channel(team, "plans", [alice, bob])
    private = slackline.channel(team, "secret", [alice, bob], private=True)
    dm = slackline.dm(alice, bob)
    group = slackline.group_dm(alice, bob, dave)
    return Room(slackline_server, alice, bob, dave, erin, gina, public, private, dm, group)


def unread(room: Room, member: Member, channel: str) -> tuple[str, int, int]:
    """``last_read``, ``unread_count`` and ``unread_count_display`` as the member sees them."""
    shown = room.info(member, channel)
    return shown["last_read"], shown["unread_count"], shown["unread_count_display"]


# Marking and the counts


def test_mark_answers_ok_and_moves_last_read(room: Room) -> None:
    first = room.post(room.bob, room.public)
    room.post(room.bob, room.public)
    assert room.ok("conversations.mark", room.alice, channel=room.public, ts=first) == {"ok": True}
    assert unread(room, room.alice, room.public) == (first, 1, 1)


def test_a_member_who_never_marked_has_read_nothing(room: Room) -> None:
    room.post(room.bob, room.dm)
    room.post(room.bob, room.dm)
    assert unread(room, room.alice, room.dm) == (NEVER_READ, 2, 2)


def test_ones_own_messages_are_never_unread(room: Room) -> None:
    room.post(room.alice, room.private)
    assert unread(room, room.alice, room.private) == (NEVER_READ, 0, 0)


def test_the_marker_may_move_back_to_mark_unread(room: Room) -> None:
    first = room.post(room.bob, room.public)
    second = room.post(room.bob, room.public)
    room.ok("conversations.mark", room.alice, channel=room.public, ts=second)
    room.ok("conversations.mark", room.alice, channel=room.public, ts=first)
    assert unread(room, room.alice, room.public) == (first, 1, 1)


def test_system_messages_count_but_are_not_displayed(room: Room) -> None:
    ts = room.post(room.bob, room.public)
    room.ok("conversations.mark", room.alice, channel=room.public, ts=ts)
    room.ok("conversations.setTopic", room.bob, channel=room.public, topic="new")
    room.post(room.bob, room.public)
    assert unread(room, room.alice, room.public)[1:] == (2, 1)


def test_a_joiner_has_read_what_was_said_before_joining(room: Room) -> None:
    room.post(room.bob, room.public)
    room.ok("conversations.join", room.erin, channel=room.public)
    room.post(room.bob, room.public, "after")
    assert unread(room, room.erin, room.public)[1:] == (1, 1)


def test_thread_replies_are_not_unread_in_the_channel(room: Room) -> None:
    parent = room.post(room.alice, room.public)
    room.ok("chat.postMessage", room.bob, channel=room.public, text="reply", thread_ts=parent)
    assert unread(room, room.alice, room.public)[1:] == (0, 0)


def test_a_ts_with_seven_decimals_or_none_is_accepted(room: Room) -> None:
    ts = room.post(room.bob, room.public)
    room.ok("conversations.mark", room.alice, channel=room.public, ts=ts + "9")
    assert unread(room, room.alice, room.public) == (ts, 0, 0)
    room.ok("conversations.mark", room.alice, channel=room.public, ts="0")
    assert unread(room, room.alice, room.public) == (NEVER_READ, 1, 1)


def test_a_bot_marks_like_any_member(room: Room, slackline: Slackline) -> None:
    bot = slackline.bot(room.alice.team_id, "helper")
    slackline.act(room.alice, "conversations.invite", channel=room.public, users=bot.id)
    ts = room.post(room.bob, room.public)
    room.ok("conversations.mark", bot, channel=room.public, ts=ts)
    assert unread(room, bot, room.public) == (ts, 0, 0)


def test_a_non_member_sees_no_read_state_in_a_public_channel(room: Room) -> None:
    shown = room.info(room.erin, room.public)
    assert not {"last_read", "unread_count", "unread_count_display"} & set(shown)


def test_a_group_dm_shows_its_read_state_and_open_flag(room: Room) -> None:
    room.post(room.bob, room.group)
    shown = room.info(room.dave, room.group)
    assert (shown["is_open"], shown["last_read"], shown["unread_count_display"]) == (
        True,
        NEVER_READ,
        1,
    )


# Events


@pytest.mark.parametrize(
    ("conversation", "kind"),
    [
        ("public", "channel_marked"),
        ("private", "group_marked"),
        ("dm", "im_marked"),
        ("group", "mpim_marked"),
    ],
)
def test_marking_tells_every_session_of_the_user(room: Room, conversation: str, kind: str) -> None:
    channel = getattr(room, conversation)
    ts = room.post(room.bob, channel)
    room.post(room.bob, channel)
    with room.socket(room.alice) as first, room.socket(room.alice) as second:
        room.ok("conversations.mark", room.alice, channel=channel, ts=ts)
        for socket in (first, second):
            event = recv_until(socket, lambda f: f.get("type") == kind)
            assert (event["channel"], event["ts"]) == (channel, ts)
            assert (event["unread_count"], event["unread_count_display"]) == (1, 1)
            assert "event_ts" in event


def test_marking_tells_nobody_else(room: Room) -> None:
    ts = room.post(room.alice, room.group)
    with room.socket(room.bob) as bob, room.socket(room.gina) as gina:
        for channel in (room.public, room.private, room.dm, room.group):
            room.ok("conversations.mark", room.alice, channel=channel, ts=ts)
        assert no_frame(bob) and no_frame(gina)


def test_a_mention_is_counted_in_the_marked_event(room: Room) -> None:
    ts = room.post(room.bob, room.public)
    room.post(room.bob, room.public, f"hey <@{room.alice.id}>")
    with room.socket(room.alice) as alice:
        room.ok("conversations.mark", room.alice, channel=room.public, ts=ts)
        event = recv_until(alice, lambda f: f.get("type") == "channel_marked")
    assert (event["unread_count"], event["mention_count"], event["num_mentions"]) == (1, 1, 1)


# rtm.start


def test_rtm_start_carries_the_callers_read_state(room: Room) -> None:
    first = room.post(room.bob, room.public)
    room.post(room.bob, room.public)
    room.post(room.bob, room.dm)
    room.ok("conversations.mark", room.alice, channel=room.public, ts=first)
    state = room.ok("rtm.start", room.alice, mpim_aware="1")
    channel = next(c for c in state["channels"] if c["id"] == room.public)
    im = next(i for i in state["ims"] if i["id"] == room.dm)
    group = next(g for g in state["mpims"] if g["id"] == room.group)
    assert (channel["last_read"], channel["unread_count"], channel["unread_count_display"]) == (
        first,
        1,
        1,
    )
    assert (im["is_open"], im["last_read"], im["unread_count_display"]) == (True, NEVER_READ, 1)
    assert (group["is_open"], group["unread_count"]) == (True, 0)


@pytest.mark.parametrize("option", ["no_unreads", "no_latest"])
def test_rtm_start_with_no_unreads_leaves_the_counts_out(room: Room, option: str) -> None:
    state = room.ok("rtm.start", room.alice, **{option: "1"})
    channel = next(c for c in state["channels"] if c["id"] == room.public)
    im = next(i for i in state["ims"] if i["id"] == room.dm)
    assert "unread_count" not in channel and "unread_count" not in im
    assert im["is_open"] is True


def test_rtm_start_lists_group_dms_among_groups_unless_mpim_aware(room: Room) -> None:
    plain = room.ok("rtm.start", room.alice)
    aware = room.ok("rtm.start", room.alice, mpim_aware="1")
    assert [g["id"] for g in plain["groups"]] == sorted([room.private, room.group])
    assert plain["mpims"] == []
    assert [g["id"] for g in aware["groups"]] == [room.private]
    assert [g["id"] for g in aware["mpims"]] == [room.group]
    assert next(g for g in plain["groups"] if g["id"] == room.group)["is_mpim"] is True


def test_rtm_start_shows_no_read_state_of_channels_the_caller_is_not_in(room: Room) -> None:
    state = room.ok("rtm.start", room.erin)
    channel = next(c for c in state["channels"] if c["id"] == room.public)
    assert channel["is_member"] is False and "last_read" not in channel
    assert {g["id"] for g in state["groups"] + state["mpims"]} == set()
    assert state["ims"] == []


# Errors and invisibility


@pytest.mark.parametrize("ts", ["", "yesterday", "1.2.3", "-1"])
def test_a_missing_or_malformed_ts_is_invalid_timestamp(room: Room, ts: str) -> None:
    assert room.error("conversations.mark", room.alice, channel=room.public, ts=ts) == (
        "invalid_timestamp"
    )


def test_a_public_channel_the_caller_is_not_in_is_not_in_channel(room: Room) -> None:
    ts = room.post(room.bob, room.public)
    assert room.error("conversations.mark", room.erin, channel=room.public, ts=ts) == (
        "not_in_channel"
    )


def test_private_conversations_of_others_are_channel_not_found(room: Room) -> None:
    ts = room.post(room.bob, room.private)
    for channel in (room.private, room.dm, room.group):
        assert room.error("conversations.mark", room.erin, channel=channel, ts=ts) == (
            "channel_not_found"
        )


def test_another_teams_or_an_unknown_channel_is_channel_not_found(room: Room) -> None:
    ts = room.post(room.bob, room.public)
    for channel in (room.public, room.dm):
        assert room.error("conversations.mark", room.gina, channel=channel, ts=ts) == (
            "channel_not_found"
        )
    assert room.error("conversations.mark", room.alice, channel="C0NOSUCH", ts=ts) == (
        "channel_not_found"
    )


def test_a_refused_mark_sends_nothing(room: Room) -> None:
    ts = room.post(room.bob, room.private)
    with room.socket(room.erin) as erin:
        room.error("conversations.mark", room.erin, channel=room.private, ts=ts)
        assert no_frame(erin)


# slack_sdk


def test_web_client_marks_a_conversation(room: Room) -> None:
    ts = room.post(room.bob, room.dm)
    client = WebClient(token=room.alice.token, base_url=room.server.thread.base_url + "/api/")
    assert client.conversations_mark(channel=room.dm, ts=ts)["ok"] is True
    assert unread(room, room.alice, room.dm) == (ts, 0, 0)


# On PostgreSQL: the same counts and events from the other store


@pytest.fixture(scope="module")
def on_postgresql(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerThread]:
    """The test workspace (with bob's, dave's and erin's tokens) on a fresh PostgreSQL schema."""
    with postgres_schema() as url:
        server = start_event_server(tmp_path_factory.mktemp("read-state-pg"), database=url)
        try:
            yield server
        finally:
            server.stop()


def test_marking_and_counting_on_postgresql(on_postgresql: ServerThread) -> None:
    server = on_postgresql
    first = ok(server, "chat.postMessage", BOB, channel="C0009", text="one")["ts"]
    ok(server, "chat.postMessage", BOB, channel="C0009", text=f"two <@{DAVE_ID}>")
    with open_socket(server, DAVE) as dave:
        ok(server, "conversations.mark", DAVE, channel="C0009", ts=first)
        event = recv_until(dave, lambda f: f.get("type") == "channel_marked")
    assert (event["ts"], event["unread_count"], event["mention_count"]) == (first, 1, 1)
    shown = ok(server, "conversations.info", DAVE, channel="C0009")["channel"]
    assert (shown["last_read"], shown["unread_count_display"]) == (first, 1)


def test_a_group_dm_opens_closes_and_counts_on_postgresql(on_postgresql: ServerThread) -> None:
    server = on_postgresql
    group = ok(server, "conversations.open", DAVE, users="U0002,U0005")["channel"]["id"]
    ok(server, "chat.postMessage", BOB, channel=group, text="lunch?")
    assert ok(server, "conversations.close", DAVE, channel=group) == {"ok": True}
    again = ok(server, "conversations.open", DAVE, users="U0005,U0002,U0004")
    assert again == {"ok": True, "channel": again["channel"]} and again["channel"]["id"] == group
    shown = ok(server, "conversations.info", DAVE, channel=group)["channel"]
    assert (shown["is_open"], shown["unread_count"]) == (True, 1)


def test_the_control_api_marks_as_a_member(on_postgresql: ServerThread) -> None:
    server = on_postgresql
    ts = ok(server, "chat.postMessage", BOB, channel="C0009", text="for erin")["ts"]
    with open_socket(server, ERIN) as erin:
        act = {
            "as": "U0005",
            "method": "conversations.mark",
            "args": {"channel": "C0009", "ts": ts},
        }
        assert admin(server, "act", act)["result"] == {"ok": True}
        assert recv_until(erin, lambda f: f.get("type") == "channel_marked")["ts"] == ts
