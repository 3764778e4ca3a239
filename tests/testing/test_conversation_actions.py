"""The toolkit's conversation actions (testing/conversation_actions.py) through the plugin's
``slackline`` fixture: each is the Web API call it names, seen on a real socket or read back
over real HTTP, and a refused call raises with Slack's answer."""

from __future__ import annotations

import pytest

from slackline.testing.toolkit import Member, Slackline, SlacklineServer
from tests.helpers.http import api
from tests.helpers.rtm import open_socket, recv_until


def trio(slackline: Slackline) -> tuple[Member, Member, Member, str]:
    """Alice and bob in a channel; dave in the team."""
    team = slackline.team("Acme")
    alice, bob, dave = (slackline.user(team, name) for name in ("alice", "bob", "dave"))
    return alice, bob, dave, slackline.channel(team, "plans", [alice, bob])


def test_set_topic_posts_the_topic_message_and_answers_the_channel(
    slackline: Slackline, slackline_server: SlacklineServer
) -> None:
    alice, bob, _, channel = trio(slackline)
    with open_socket(slackline_server.thread, bob.token) as socket:
        shown = slackline.set_topic(alice, channel, "roadmap")
        frame = recv_until(socket, lambda f: f.get("subtype") == "channel_topic")
    assert (shown["topic"]["value"], frame["topic"]) == ("roadmap", "roadmap")


def test_set_purpose_answers_the_channel(slackline: Slackline) -> None:
    alice, _, _, channel = trio(slackline)
    shown = slackline.set_purpose(alice, channel, "why we are here")
    assert (shown["purpose"]["value"], shown["purpose"]["creator"]) == ("why we are here", alice.id)


def test_group_dm_opens_one_group_dm_for_the_same_people(slackline: Slackline) -> None:
    alice, bob, dave, _ = trio(slackline)
    group = slackline.group_dm(alice, bob, dave)
    assert group.startswith("G") and slackline.group_dm(dave, alice, bob) == group


def test_close_dm_says_whether_it_closed_anything(slackline: Slackline) -> None:
    alice, bob, _, _ = trio(slackline)
    dm = slackline.dm(alice, bob)
    assert slackline.close_dm(alice, dm) is True
    assert slackline.close_dm(alice, dm) is False


def test_mark_read_and_read_state(slackline: Slackline) -> None:
    alice, bob, _, channel = trio(slackline)
    first = slackline.post(bob, channel, "one")
    slackline.post(bob, channel, "two")
    slackline.mark_read(alice, channel, first)
    assert slackline.read_state(alice, channel) == {
        "last_read": first,
        "unread_count": 1,
        "unread_count_display": 1,
    }


def test_conversations_of_lists_what_the_member_may_see(
    slackline: Slackline, slackline_server: SlacklineServer
) -> None:
    alice, bob, dave, channel = trio(slackline)
    dm = slackline.dm(alice, bob)
    group = slackline.group_dm(alice, bob, dave)
    assert slackline.conversations_of(alice) == [channel, dm, group]
    assert slackline.conversations_of(dave, bob) == [channel, group]
    assert slackline.conversations_of(dave, bob, types="public_channel") == [channel]
    listed = api(slackline_server.thread, "users.conversations", dave.token, user=bob.id)
    assert [c["id"] for c in listed.body["channels"]] == [channel]


def test_a_refused_action_raises_with_slacks_answer(slackline: Slackline) -> None:
    alice, _, dave, channel = trio(slackline)
    with pytest.raises(AssertionError, match="not_in_channel"):
        slackline.set_topic(dave, channel, "not mine")
    with pytest.raises(AssertionError, match="invalid_timestamp"):
        slackline.mark_read(alice, channel, "soon")
