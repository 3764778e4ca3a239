"""conversations.setTopic and conversations.setPurpose over real HTTP and real sockets: the
answer, the ``channel_topic``/``group_topic``/``channel_purpose``/``group_purpose`` message
stored in history and delivered to the members, the topic and purpose in every conversation
shape, the errors, and private conversations and other teams staying invisible."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from slackline.testing.toolkit import Member, Slackline, SlacklineServer
from tests.helpers.people import Callers, acme_people
from tests.helpers.rtm import no_frame, open_socket, recv_until


@dataclass
class Room(Callers):
    """Alice and bob in a public and a private channel; dave in neither; gina elsewhere."""

    alice: Member
    bob: Member
    dave: Member
    gina: Member
    public: str
    private: str


@pytest.fixture
def room(slackline: Slackline, slackline_server: SlacklineServer) -> Room:
    """The people and channels of :class:`Room`, fresh for each test."""
    team, alice, bob, dave, _, gina = acme_people(slackline)
    public = slackline.channel(team, "plans", [alice, bob])
    private = slackline.channel(team, "secret", [alice, bob], private=True)
    return Room(slackline_server, alice, bob, dave, gina, public, private)


def latest(room: Room, channel: str) -> dict[str, Any]:
    """The newest message of a channel, as alice reads it."""
    return dict(
        room.ok("conversations.history", room.alice, channel=channel, limit="1")["messages"][0]
    )


# The answer and what is stored


def test_set_topic_answers_the_channel_with_who_set_it_and_when(room: Room) -> None:
    body = room.ok("conversations.setTopic", room.alice, channel=room.public, topic="Q3 plans")
    topic = body["channel"]["topic"]
    assert (body["channel"]["id"], topic["value"], topic["creator"]) == (
        room.public,
        "Q3 plans",
        room.alice.id,
    )
    assert isinstance(topic["last_set"], int) and topic["last_set"] > 0


def test_set_purpose_answers_the_channel_with_who_set_it_and_when(room: Room) -> None:
    body = room.ok("conversations.setPurpose", room.bob, channel=room.public, purpose="planning")
    purpose = body["channel"]["purpose"]
    assert (purpose["value"], purpose["creator"]) == ("planning", room.bob.id)
    assert purpose["last_set"] > 0


def test_a_topic_is_stored_as_a_channel_topic_message(room: Room) -> None:
    room.ok("conversations.setTopic", room.alice, channel=room.public, topic="Q3 plans")
    message = latest(room, room.public)
    assert message["subtype"] == "channel_topic"
    assert (message["user"], message["topic"]) == (room.alice.id, "Q3 plans")
    assert message["text"] == f"<@{room.alice.id}|alice> set the channel topic: Q3 plans"


def test_a_private_channels_topic_is_a_group_topic_message(room: Room) -> None:
    room.ok("conversations.setTopic", room.alice, channel=room.private, topic="hush")
    message = latest(room, room.private)
    assert (message["subtype"], message["topic"]) == ("group_topic", "hush")


def test_a_purpose_is_stored_as_a_channel_purpose_message(room: Room) -> None:
    room.ok("conversations.setPurpose", room.alice, channel=room.public, purpose="ship it")
    message = latest(room, room.public)
    assert (message["subtype"], message["purpose"]) == ("channel_purpose", "ship it")
    assert message["text"] == f"<@{room.alice.id}|alice> set the channel purpose: ship it"


def test_a_private_channels_purpose_is_a_group_purpose_message(room: Room) -> None:
    room.ok("conversations.setPurpose", room.alice, channel=room.private, purpose="quiet")
    assert latest(room, room.private)["subtype"] == "group_purpose"


def test_an_empty_topic_clears_it(room: Room) -> None:
    room.ok("conversations.setTopic", room.alice, channel=room.public, topic="temporary")
    body = room.ok("conversations.setTopic", room.bob, channel=room.public, topic="")
    assert body["channel"]["topic"]["value"] == ""
    message = latest(room, room.public)
    assert (message["topic"], message["text"]) == (
        "",
        f"<@{room.bob.id}|bob> cleared the channel topic",
    )


def test_setting_the_same_topic_again_posts_nothing(room: Room) -> None:
    room.ok("conversations.setTopic", room.alice, channel=room.public, topic="same")
    first = latest(room, room.public)["ts"]
    body = room.ok("conversations.setTopic", room.bob, channel=room.public, topic="same")
    assert body["channel"]["topic"]["creator"] == room.alice.id
    assert latest(room, room.public)["ts"] == first


def test_a_group_dm_may_have_a_topic(room: Room, slackline: Slackline) -> None:
    group = slackline.group_dm(room.alice, room.bob, room.dave)
    body = room.ok("conversations.setTopic", room.dave, channel=group, topic="lunch")
    assert body["channel"]["topic"]["value"] == "lunch"
    assert latest(room, group)["subtype"] == "group_topic"


# Events


def test_members_sockets_get_the_topic_message(room: Room) -> None:
    with open_socket(room.server.thread, room.bob.token) as bob:
        room.ok("conversations.setTopic", room.alice, channel=room.private, topic="hush")
        frame = recv_until(bob, lambda f: f.get("subtype") == "group_topic")
    assert (frame["channel"], frame["user"], frame["topic"]) == (
        room.private,
        room.alice.id,
        "hush",
    )


def test_the_setters_own_socket_gets_the_purpose_message(room: Room) -> None:
    with open_socket(room.server.thread, room.alice.token) as alice:
        room.ok("conversations.setPurpose", room.alice, channel=room.public, purpose="why")
        frame = recv_until(alice, lambda f: f.get("subtype") == "channel_purpose")
    assert (frame["channel"], frame["purpose"]) == (room.public, "why")


def test_non_members_and_other_teams_get_no_topic_message(room: Room) -> None:
    thread = room.server.thread
    with open_socket(thread, room.dave.token) as dave, open_socket(thread, room.gina.token) as gina:
        room.ok("conversations.setTopic", room.alice, channel=room.private, topic="hush")
        room.ok("conversations.setPurpose", room.alice, channel=room.public, purpose="open")
        assert no_frame(dave) and no_frame(gina)


# Topic and purpose in every conversation shape


def test_info_and_list_show_the_new_topic_and_purpose(room: Room) -> None:
    room.ok("conversations.setTopic", room.alice, channel=room.public, topic="t1")
    room.ok("conversations.setPurpose", room.bob, channel=room.public, purpose="p1")
    info = room.ok("conversations.info", room.dave, channel=room.public)["channel"]
    listed = room.ok("conversations.list", room.dave)["channels"]
    shown = next(channel for channel in listed if channel["id"] == room.public)
    for channel in (info, shown):
        assert (channel["topic"]["value"], channel["topic"]["creator"]) == ("t1", room.alice.id)
        assert (channel["purpose"]["value"], channel["purpose"]["creator"]) == ("p1", room.bob.id)


def test_rtm_start_shows_the_topic_of_channels_and_groups(room: Room) -> None:
    room.ok("conversations.setTopic", room.alice, channel=room.public, topic="open topic")
    room.ok("conversations.setTopic", room.alice, channel=room.private, topic="closed topic")
    state = room.ok("rtm.start", room.bob)
    channel = next(c for c in state["channels"] if c["id"] == room.public)
    group = next(g for g in state["groups"] if g["id"] == room.private)
    assert channel["topic"]["value"] == "open topic"
    assert (group["topic"]["value"], group["topic"]["creator"]) == ("closed topic", room.alice.id)


def test_a_joiner_sees_the_topic_in_channel_joined(room: Room) -> None:
    room.ok("conversations.setTopic", room.alice, channel=room.public, topic="welcome")
    with open_socket(room.server.thread, room.dave.token) as dave:
        room.ok("conversations.join", room.dave, channel=room.public)
        joined = recv_until(dave, lambda f: f.get("type") == "channel_joined")
    assert joined["channel"]["topic"]["value"] == "welcome"


def load(server: SlacklineServer, team: str, conversation: dict[str, Any]) -> None:
    """Load a workspace document declaring one conversation of the team."""
    document = {"teams": [{"id": team, "conversations": [conversation]}]}
    server.call(lambda app: app.workspaces.load_document(document))


def test_a_workspace_topic_is_the_creators_from_creation(room: Room) -> None:
    load(room.server, room.alice.team_id, {"id": room.public, "topic": "from the file"})
    shown = room.ok("conversations.info", room.alice, channel=room.public)["channel"]
    assert shown["topic"]["value"] == "from the file"
    assert shown["topic"]["last_set"] == shown["created"]


def test_a_topic_the_file_changes_again_is_the_files(room: Room) -> None:
    room.ok("conversations.setTopic", room.bob, channel=room.public, topic="bob's")
    load(room.server, room.alice.team_id, {"id": room.public, "topic": "the file's"})
    shown = room.ok("conversations.info", room.alice, channel=room.public)["channel"]
    assert shown["topic"]["value"] == "the file's" and shown["topic"]["creator"] != room.bob.id
    assert shown["topic"]["last_set"] == shown["created"]


def test_reloading_the_same_text_keeps_who_set_it(room: Room) -> None:
    room.ok("conversations.setPurpose", room.bob, channel=room.public, purpose="same")
    load(room.server, room.alice.team_id, {"id": room.public, "purpose": "same"})
    shown = room.ok("conversations.info", room.alice, channel=room.public)["channel"]
    assert shown["purpose"]["creator"] == room.bob.id


# Errors


def test_a_topic_of_250_characters_is_accepted_and_251_is_too_long(room: Room) -> None:
    room.ok("conversations.setTopic", room.alice, channel=room.public, topic="x" * 250)
    assert (
        room.error("conversations.setTopic", room.alice, channel=room.public, topic="x" * 251)
        == "too_long"
    )


def test_a_purpose_of_251_characters_is_too_long(room: Room) -> None:
    args = {"channel": room.public, "purpose": "y" * 251}
    assert room.error("conversations.setPurpose", room.alice, **args) == "too_long"


@pytest.mark.parametrize("method", ["conversations.setTopic", "conversations.setPurpose"])
def test_a_public_channel_the_caller_is_not_in_is_not_in_channel(room: Room, method: str) -> None:
    args = {"channel": room.public, "topic": "t", "purpose": "p"}
    assert room.error(method, room.dave, **args) == "not_in_channel"


@pytest.mark.parametrize("method", ["conversations.setTopic", "conversations.setPurpose"])
def test_an_archived_channel_is_archived(room: Room, method: str) -> None:
    room.ok("conversations.archive", room.alice, channel=room.public)
    args = {"channel": room.public, "topic": "t", "purpose": "p"}
    assert room.error(method, room.alice, **args) == "is_archived"


@pytest.mark.parametrize("method", ["conversations.setTopic", "conversations.setPurpose"])
def test_a_dm_is_not_supported(room: Room, slackline: Slackline, method: str) -> None:
    dm = slackline.dm(room.alice, room.bob)
    args = {"channel": dm, "topic": "t", "purpose": "p"}
    assert room.error(method, room.alice, **args) == "method_not_supported_for_channel_type"


@pytest.mark.parametrize("method", ["conversations.setTopic", "conversations.setPurpose"])
def test_a_private_channel_the_caller_is_not_in_is_channel_not_found(
    room: Room, method: str
) -> None:
    args = {"channel": room.private, "topic": "t", "purpose": "p"}
    assert room.error(method, room.dave, **args) == "channel_not_found"
    history = room.ok("conversations.history", room.alice, channel=room.private)
    assert history["messages"] == []


@pytest.mark.parametrize("method", ["conversations.setTopic", "conversations.setPurpose"])
def test_another_teams_channel_is_channel_not_found(room: Room, method: str) -> None:
    args = {"channel": room.public, "topic": "t", "purpose": "p"}
    assert room.error(method, room.gina, **args) == "channel_not_found"


@pytest.mark.parametrize("method", ["conversations.setTopic", "conversations.setPurpose"])
def test_an_unknown_or_missing_channel_is_channel_not_found(room: Room, method: str) -> None:
    assert room.error(method, room.alice, channel="C0NOSUCH", topic="t") == "channel_not_found"
    assert room.error(method, room.alice, topic="t") == "channel_not_found"


# slack_sdk


def test_web_client_sets_a_topic_and_a_purpose(room: Room) -> None:
    client = WebClient(token=room.alice.token, base_url=room.server.thread.base_url + "/api/")
    topic = client.conversations_setTopic(channel=room.public, topic="via sdk")
    purpose = client.conversations_setPurpose(channel=room.public, purpose="also via sdk")
    assert topic["channel"]["topic"]["value"] == "via sdk"
    assert purpose["channel"]["purpose"]["value"] == "also via sdk"


def test_web_client_raises_too_long(room: Room) -> None:
    client = WebClient(token=room.alice.token, base_url=room.server.thread.base_url + "/api/")
    with pytest.raises(SlackApiError) as raised:
        client.conversations_setTopic(channel=room.public, topic="z" * 300)
    assert raised.value.response["error"] == "too_long"
