"""The toolkit's search, pin, star and reaction actions (testing/search_actions.py) through
the plugin's fixtures: each does what the Web API call does, events included, and a refused
call raises with Slack's answer."""

from __future__ import annotations

import pytest

from slackline.testing.toolkit import Member, Slackline, SlacklineServer
from tests.helpers.rtm import open_socket, recv_until


def people(slackline: Slackline) -> tuple[Member, Member, Member, str]:
    """alice and bob in #general; carol outside it."""
    team = slackline.team("Acme")
    alice, bob = slackline.user(team, "alice"), slackline.user(team, "bob")
    carol = slackline.user(team, "carol")
    return alice, bob, carol, slackline.channel(team, "general", [alice, bob])


def test_search_finds_what_the_member_may_see(slackline: Slackline) -> None:
    alice, bob, carol, general = people(slackline)
    secret = slackline.channel(alice.team_id, "secret", [alice], private=True)
    slackline.post(bob, general, "the walrus is public")
    slackline.post(alice, secret, "the walrus is secret")
    assert sorted(slackline.search_texts(alice, "walrus")) == [
        "the walrus is public",
        "the walrus is secret",
    ]
    assert slackline.search_texts(carol, "walrus") == ["the walrus is public"]
    (match,) = slackline.search(alice, "walrus from:@bob")
    assert match["username"] == "bob"


def test_search_as_a_bot_is_refused_with_slacks_answer(slackline: Slackline) -> None:
    bot = slackline.bot(slackline.team("Acme"), "bot")
    with pytest.raises(AssertionError, match="is_bot"):
        slackline.search(bot, "anything")


def test_pin_and_unpin_reach_the_members(
    slackline: Slackline, slackline_server: SlacklineServer
) -> None:
    alice, bob, _, general = people(slackline)
    ts = slackline.post(alice, general, "pin this")
    with open_socket(slackline_server.thread, bob.token) as socket:
        slackline.pin(alice, general, ts)
        added = recv_until(socket, lambda f: f.get("type") == "pin_added")
        assert slackline.pinned(bob, general) == [ts]
        slackline.unpin(bob, general, ts)
        removed = recv_until(socket, lambda f: f.get("type") == "pin_removed")
    assert (added["user"], removed["user"]) == (alice.id, bob.id)
    assert slackline.pinned(alice, general) == []


def test_unpinning_twice_raises_no_pin(slackline: Slackline) -> None:
    alice, _, _, general = people(slackline)
    ts = slackline.post(alice, general, "never pinned")
    with pytest.raises(AssertionError, match="no_pin"):
        slackline.unpin(alice, general, ts)


def test_stars_are_the_members_own(slackline: Slackline) -> None:
    alice, bob, _, general = people(slackline)
    ts = slackline.post(bob, general, "star this")
    slackline.star(alice, general, ts)
    slackline.star(alice, general)
    assert [(i["type"], i["channel"]) for i in slackline.starred(alice)] == [
        ("channel", general),
        ("message", general),
    ]
    assert slackline.starred(bob) == []
    slackline.unstar(alice, general)
    slackline.unstar(alice, general, ts)
    assert slackline.starred(alice) == []


def test_reacted_lists_a_members_reactions(slackline: Slackline) -> None:
    alice, bob, carol, general = people(slackline)
    ts = slackline.post(alice, general, "react to this")
    slackline.react(bob, general, ts, "tada")
    assert [i["message"]["ts"] for i in slackline.reacted(bob)] == [ts]
    assert [i["message"]["ts"] for i in slackline.reacted(alice, bob)] == [ts]
    assert slackline.reacted(alice) == []
    assert slackline.reacted(carol, bob) == [
        {"type": "message", "channel": general, "message": slackline.reacted(bob)[0]["message"]}
    ]
