"""The toolkit's message actions against the plugin's servers: ``/me``, ephemerals,
permalinks, bot posts, replies and broadcasts, whole threads, and scheduled messages posted by
``advance`` in deterministic mode, with what reaches a real socket."""

from __future__ import annotations

import pytest

from slackline.testing.toolkit import Member, Slackline, SlacklineServer
from tests.helpers.rtm import no_frame, open_socket, recv_until


def people(slackline: Slackline) -> tuple[Member, Member, Member, str, str]:
    """A bot, alice and bob in a public channel; alice alone in a private one."""
    team = slackline.team("Acme")
    bot = slackline.bot(team, "helper")
    alice, bob = slackline.user(team, "alice"), slackline.user(team, "bob")
    general = slackline.channel(team, "general", [bot, alice, bob])
    secret = slackline.channel(team, "secret", [alice], private=True)
    return bot, alice, bob, general, secret


def newest(slackline: Slackline, member: Member, channel: str) -> dict[str, object]:
    """The newest message of a channel as the member sees it."""
    history = slackline.act(member, "conversations.history", channel=channel, limit=1)
    message: dict[str, object] = history["messages"][0]
    return message


def test_me_message_posts_a_me_message(slackline: Slackline) -> None:
    _, alice, bob, general, _ = people(slackline)
    ts = slackline.me_message(alice, general, "waves")
    message = newest(slackline, bob, general)
    assert (message["ts"], message["subtype"], message["user"]) == (ts, "me_message", alice.id)


def test_ephemeral_reaches_only_its_recipient(
    slackline: Slackline, slackline_server: SlacklineServer
) -> None:
    bot, alice, bob, general, _ = people(slackline)
    with (
        open_socket(slackline_server.thread, bob.token) as bob_ws,
        open_socket(slackline_server.thread, alice.token) as alice_ws,
    ):
        ts = slackline.ephemeral(bot, general, bob, "only bob")
        frame = recv_until(bob_ws, lambda f: f.get("text") == "only bob")
        assert no_frame(alice_ws)
    assert (frame["ts"], frame["is_ephemeral"]) == (ts, True)
    history = slackline.act(bob, "conversations.history", channel=general)
    assert history["messages"] == []


def test_permalink_points_under_the_workspace(slackline: Slackline) -> None:
    _, alice, _, general, _ = people(slackline)
    ts = slackline.post(alice, general, "link me")
    link = slackline.permalink(alice, general, ts)
    assert link.endswith(f"/archives/{general}/p{ts.replace('.', '')}")


def test_permalink_of_a_private_message_is_refused_to_outsiders(slackline: Slackline) -> None:
    _, alice, bob, _, secret = people(slackline)
    ts = slackline.post(alice, secret, "hidden")
    with pytest.raises(AssertionError, match="channel_not_found"):
        slackline.permalink(bob, secret, ts)


def test_post_as_bot_makes_a_bot_message_with_name_and_icon(slackline: Slackline) -> None:
    bot, _, _, general, _ = people(slackline)
    message = slackline.post_as_bot(bot, general, "hi", username="herald", icon_emoji=":bell:")
    assert (message["subtype"], message["username"], message["bot_id"]) == (
        "bot_message", "herald", bot.bot_id,
    )  # fmt: skip
    assert message["icons"] == {"emoji": ":bell:"}


def test_reply_and_thread_list_the_thread_parent_first(slackline: Slackline) -> None:
    _, alice, bob, general, _ = people(slackline)
    parent = slackline.post(alice, general, "parent")
    replies = [slackline.reply(bob, general, parent, f"r{n}") for n in range(3)]
    thread = slackline.thread(alice, general, parent)
    assert [m["ts"] for m in thread] == [parent, *replies]
    assert thread[0]["reply_count"] == 3


def test_a_broadcast_reply_is_in_history(slackline: Slackline) -> None:
    _, alice, bob, general, _ = people(slackline)
    parent = slackline.post(alice, general, "parent")
    ts = slackline.reply(bob, general, parent, "loud", broadcast=True)
    message = newest(slackline, alice, general)
    assert (message["ts"], message["subtype"]) == (ts, "thread_broadcast")


def test_a_reply_reaches_the_parents_author_with_message_replied(
    slackline: Slackline, slackline_server: SlacklineServer
) -> None:
    _, alice, bob, general, _ = people(slackline)
    parent = slackline.post(alice, general, "parent")
    with open_socket(slackline_server.thread, alice.token) as ws:
        slackline.reply(bob, general, parent, "answer")
        replied = recv_until(ws, lambda f: f.get("subtype") == "message_replied")
    assert replied["message"]["reply_users"] == [bob.id]


def test_scheduled_messages_are_listed_and_unscheduled(slackline: Slackline) -> None:
    _, alice, _, general, secret = people(slackline)
    first = slackline.schedule(alice, general, "one", in_secs=60)
    second = slackline.schedule(alice, secret, "two", in_secs=120)
    assert [s["id"] for s in slackline.scheduled(alice)] == [first, second]
    assert [s["id"] for s in slackline.scheduled(alice, secret)] == [second]
    slackline.unschedule(alice, general, first)
    assert [s["id"] for s in slackline.scheduled(alice)] == [second]


def test_schedule_needs_exactly_one_time(slackline: Slackline) -> None:
    _, alice, _, general, _ = people(slackline)
    with pytest.raises(ValueError, match="exactly one"):
        slackline.schedule(alice, general, "when?")


def test_advance_posts_a_scheduled_message_in_deterministic_mode(
    slackline_deterministic: Slackline, slackline_deterministic_server: SlacklineServer
) -> None:
    slackline = slackline_deterministic
    _, alice, bob, general, _ = people(slackline)
    slackline.schedule(alice, general, "on the hour", in_secs=3600)
    with open_socket(slackline_deterministic_server.thread, bob.token) as ws:
        slackline.advance(3599)
        assert no_frame(ws)
        slackline.advance(1)
        frame = recv_until(ws, lambda f: f.get("text") == "on the hour")
    assert frame["user"] == alice.id
    assert slackline.scheduled(alice) == []


def test_deterministic_mode_gives_the_same_scheduled_ids_every_run(
    slackline_deterministic: Slackline,
) -> None:
    _, alice, _, general, _ = people(slackline_deterministic)
    first = slackline_deterministic.schedule(alice, general, "x", in_secs=10)
    assert first.startswith("Q") and len(first) == 11
    assert slackline_deterministic.now() == 1_700_000_000.0
