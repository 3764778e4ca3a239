"""The toolkit through the plugin's fixtures: the frame journal, acting, settle, async waits
and deterministic mode, observed on real sockets."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from websockets.sync.client import ClientConnection, connect

from slackline.testing.journal import JournaledHub
from slackline.testing.toolkit import Member, Slackline, SlacklineServer
from tests.helpers.http import HttpResult, api, start_server
from tests.helpers.rtm import open_socket, recv_until, send_json


def people(slackline: Slackline) -> tuple[Member, Member, str]:
    """A bot and alice in one channel."""
    team = slackline.team("Acme")
    bot = slackline.bot(team, "bot")
    alice = slackline.user(team, "alice")
    return bot, alice, slackline.channel(team, "general", [bot, alice])


def rtm_connect(server: SlacklineServer, member: Member) -> HttpResult:
    """rtm.connect as the member, straight over HTTP (no toolkit in between)."""
    return api(server.thread, "rtm.connect", member.token)


def socket_of(server: SlacklineServer, member: Member) -> ClientConnection:
    """A raw RTM client of the member, ``hello`` read."""
    return open_socket(server.thread, member.token)


def test_frames_in_and_out_are_journaled_per_session_without_the_token(
    slackline: Slackline, slackline_server: SlacklineServer
) -> None:
    bot, alice, channel = people(slackline)
    with socket_of(slackline_server, bot) as socket:
        send_json(socket, {"id": 1, "type": "ping", "note": "x"})
        recv_until(socket, lambda frame: frame.get("reply_to") == 1)
        slackline.post(alice, channel, "hi bot")
        recv_until(socket, lambda frame: frame.get("text") == "hi bot")
        send_json(socket, {"id": 2, "type": "message", "channel": channel, "text": "hi"})
        ack = slackline.wait_for_frame(bot, direction="out", reply_to=2)
    hello, ping, pong, message = slackline.frames(bot)[:4]
    assert (hello.direction, hello.frame) == ("out", {"type": "hello"})
    assert (ping.direction, dict(ping.frame)) == ("in", {"id": 1, "type": "ping", "note": "x"})
    assert (pong.direction, pong.frame["type"], pong.frame["reply_to"]) == ("out", "pong", 1)
    assert (message.frame["type"], message.frame["text"]) == ("message", "hi bot")
    assert ack.frame["ok"] is True and ack.seq > message.seq
    assert {f.session_id for f in slackline.frames(bot)} == {hello.session_id}
    assert {(f.team_id, f.user_id) for f in slackline.frames(bot)} == {(bot.team_id, bot.id)}
    assert len(hello.token_id) == 12 and hello.token_id not in bot.token
    assert slackline.frames(alice) == []


def test_a_server_without_a_memory_journal_records_no_frame(tmp_path: Path) -> None:
    server = start_server(tmp_path)
    try:
        assert server.app is not None and server.app.journal is None
        assert not isinstance(server.app.hub, JournaledHub)
    finally:
        server.stop()


def test_every_act_is_seen_by_the_bots_socket(
    slackline: Slackline, slackline_server: SlacklineServer
) -> None:
    bot, alice, channel = people(slackline)
    bob = slackline.user(bot.team_id, "bob")
    with socket_of(slackline_server, bot) as socket:
        ts = slackline.post(alice, channel, "first")
        slackline.edit(alice, channel, ts, "second")
        slackline.react(alice, channel, ts, "thumbsup")
        slackline.unreact(alice, channel, ts, "thumbsup")
        slackline.type(alice, channel)
        slackline.delete(alice, channel, ts)
        slackline.join(bob, channel)
        slackline.leave(bob, channel)
        slackline.set_presence(alice, "away")
        dm = slackline.open_dm(alice, bot)
        slackline.post(alice, dm, "in private")
        recv_until(socket, lambda frame: frame.get("text") == "in private")
    seen = [(f.frame.get("type"), f.frame.get("subtype")) for f in slackline.frames(bot)]
    for expected in [
        ("message", None),
        ("message", "message_changed"),
        ("reaction_added", None),
        ("reaction_removed", None),
        ("user_typing", None),
        ("message", "message_deleted"),
        ("member_joined_channel", None),
        ("member_left_channel", None),
    ]:
        assert expected in seen
    assert slackline.wait_for_message(channel=dm, text="in private")["user"] == alice.id


def test_a_failed_act_raises_with_slacks_answer(slackline: Slackline) -> None:
    _, alice, _ = people(slackline)
    with pytest.raises(AssertionError, match="channel_not_found"):
        slackline.post(alice, "C_NOWHERE", "lost")


def test_settle_returns_once_the_bots_answer_is_in(
    slackline: Slackline, slackline_server: SlacklineServer
) -> None:
    """A raw client standing for a bot answers on its socket; settle() returns only after
    the answer is stored and its frames are written, and it needs no sleep."""
    bot, alice, channel = people(slackline)
    with socket_of(slackline_server, bot) as socket:
        slackline.post(alice, channel, "ping?")
        recv_until(socket, lambda frame: frame.get("text") == "ping?")
        send_json(socket, {"id": 9, "type": "message", "channel": channel, "text": "pong!"})
        slackline.settle()
        history = slackline.act(alice, "conversations.history", channel=channel)
        assert [m["text"] for m in history["messages"]] == ["pong!", "ping?"]
        last = slackline.frames(bot, direction="out")[-1].frame
        assert last["text"] == "pong!"  # its echo or its acknowledgement: nothing is pending


def test_settle_times_out_when_the_quiet_period_cannot_come_in_time(
    slackline: Slackline,
) -> None:
    _, alice, channel = people(slackline)
    with pytest.raises(TimeoutError):
        slackline.settle(quiet=5.0, timeout=0.2)
    slackline.post(alice, channel, "still fine")
    slackline.settle()


def test_waits_have_asynchronous_twins(
    slackline: Slackline, slackline_server: SlacklineServer
) -> None:
    bot, alice, channel = people(slackline)

    async def scenario() -> None:
        with socket_of(slackline_server, bot):
            hello = await slackline.async_wait_for_connection(bot)
            result = await slackline.async_act(alice, "chat.postMessage", channel=channel, text="a")
            assert result["ok"] is True
            message = await slackline.async_wait_for_message(channel=channel, text="a")
            frame = await slackline.async_wait_for_frame(bot, after=hello, type="message")
            assert frame.frame["ts"] == message["ts"]
            await slackline.async_settle()
        call = await slackline.async_wait_for_call("rtm.connect")
        assert call.user_id == bot.id

    asyncio.run(scenario())


def test_wait_for_connection_after_a_hello_waits_for_the_next_session(
    slackline: Slackline, slackline_server: SlacklineServer
) -> None:
    bot, _, _ = people(slackline)
    with socket_of(slackline_server, bot):
        first = slackline.wait_for_connection(bot)
    with pytest.raises(TimeoutError):
        slackline.wait_for_connection(bot, after=first, timeout=0.05)
    with socket_of(slackline_server, bot):
        second = slackline.wait_for_connection(bot, after=first)
    assert second.session_id != first.session_id


def test_deterministic_mode_expires_tickets_when_the_clock_is_advanced(
    slackline_deterministic: Slackline, slackline_deterministic_server: SlacklineServer
) -> None:
    slackline = slackline_deterministic
    bot, _, _ = people(slackline)
    url = rtm_connect(slackline_deterministic_server, bot).body["url"]
    slackline.advance(31)
    with connect(url, legacy=True) as socket:
        error = recv_until(socket, lambda frame: frame.get("type") == "error")
    assert error["error"] == {"code": 1, "msg": "Socket URL has expired"}


def test_deterministic_mode_ages_sessions_when_the_clock_is_advanced(
    slackline_deterministic: Slackline, slackline_deterministic_server: SlacklineServer
) -> None:
    slackline = slackline_deterministic
    bot, _, _ = people(slackline)
    with socket_of(slackline_deterministic_server, bot) as socket:
        slackline.advance(7 * 3600)
        slackline.settle()
        sent = [f.frame.get("type") for f in slackline.frames(bot, direction="out")]
        assert "hello" in sent and "goodbye" not in sent
        slackline.advance(2 * 3600)  # past 8 hours and its 10% jitter
        assert recv_until(socket, lambda frame: frame.get("type") == "goodbye")


def test_deterministic_mode_refills_rate_limits_when_the_clock_is_advanced(
    slackline_deterministic: Slackline, slackline_deterministic_server: SlacklineServer
) -> None:
    """Tier 1 (``rtm.connect``'s tier) allows a burst of 10, then one every 6 s."""
    slackline = slackline_deterministic
    bot, _, _ = people(slackline)
    answers = [rtm_connect(slackline_deterministic_server, bot) for _ in range(12)]
    limited = [a for a in answers if a.status == 429]
    assert limited and limited[0].headers["retry-after"] == "6"
    slackline.advance(6)
    assert rtm_connect(slackline_deterministic_server, bot).body["ok"] is True


def test_deterministic_mode_gives_every_test_the_same_ids_and_ts(
    slackline_deterministic_server: SlacklineServer,
) -> None:
    def snapshot() -> tuple[str, str, str, str]:
        slackline = slackline_deterministic_server.reset()
        bot, alice, channel = people(slackline)
        created = slackline.act(alice, "conversations.create", name="random")
        dm = slackline.open_dm(alice, bot)
        return created["channel"]["id"], dm, slackline.post(alice, channel, "one"), channel

    first, second = snapshot(), snapshot()
    assert first == second
    assert first[2] == "1700000000.000000"  # the manual clock's start
