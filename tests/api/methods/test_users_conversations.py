"""users.conversations over real HTTP: the caller's or another user's conversations by type,
``exclude_archived``, cursors, the errors, and private conversations and other teams
staying invisible; slack_sdk's call and its own pagination."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest
from slack_sdk import WebClient

from slackline.testing.toolkit import Member, Slackline, SlacklineServer
from tests.helpers.http import api
from tests.helpers.people import acme_people

ALL_TYPES = "public_channel,private_channel,mpim,im"


@dataclass
class Room:
    """Alice and bob share a public channel, an archived one, a private one, a DM and a group
    DM (with dave); bob alone is in another private channel and a DM with erin."""

    server: SlacklineServer
    alice: Member
    bob: Member
    erin: Member
    gina: Member
    public: str
    archived: str
    private: str
    bobs_private: str
    dm: str
    bob_erin_dm: str
    group: str

    def ok(self, member: Member, **args: str) -> dict[str, Any]:
        """users.conversations over HTTP as the member; the body, which must be ok."""
        body = api(self.server.thread, "users.conversations", member.token, **args).body
        assert body["ok"] is True, body
        return body

    def ids(self, member: Member, **args: str) -> list[str]:
        """The ids one call lists."""
        return [channel["id"] for channel in self.ok(member, **args)["channels"]]

    def error(self, member: Member, **args: str) -> str:
        """users.conversations over HTTP as the member; the error, which there must be."""
        body = api(self.server.thread, "users.conversations", member.token, **args).body
        assert body["ok"] is False, body
        return str(body["error"])


@pytest.fixture
def room(slackline: Slackline, slackline_server: SlacklineServer) -> Room:
    """The people and conversations of :class:`Room`, fresh for each test."""
    team, alice, bob, dave, erin, gina = acme_people(slackline)
    public = slackline.channel(team, "plans", [alice, bob])
    archived = slackline.channel(team, "old", [alice, bob])
    slackline.act(alice, "conversations.archive", channel=archived)
    private = slackline.channel(team, "secret", [alice, bob], private=True)
    bobs_private = slackline.channel(team, "bobs", [bob], private=True)
    dm = slackline.dm(alice, bob)
    bob_erin_dm = slackline.dm(bob, erin)
    group = slackline.group_dm(alice, bob, dave)
    return Room(
        slackline_server, alice, bob, erin, gina, public, archived, private, bobs_private, dm,
        bob_erin_dm, group,
    )  # fmt: skip


def test_the_default_is_the_callers_public_channels(room: Room) -> None:
    assert room.ids(room.alice) == sorted([room.public, room.archived])


def test_every_type_lists_all_of_the_callers_conversations(room: Room) -> None:
    assert room.ids(room.bob, types=ALL_TYPES) == sorted(
        [room.public, room.archived, room.private, room.bobs_private, room.dm, room.bob_erin_dm,
         room.group]
    )  # fmt: skip


@pytest.mark.parametrize(
    ("types", "expected"),
    [("private_channel", ["private"]), ("im", ["dm"]), ("mpim", ["group"])],
)
def test_types_filter_the_list(room: Room, types: str, expected: list[str]) -> None:
    assert room.ids(room.alice, types=types) == [getattr(room, name) for name in expected]


def test_exclude_archived_leaves_archived_channels_out(room: Room) -> None:
    assert room.ids(room.alice, exclude_archived="true") == [room.public]


def test_a_dm_names_the_other_party(room: Room) -> None:
    (dm,) = room.ok(room.alice, types="im")["channels"]
    assert (dm["id"], dm["is_im"], dm["user"]) == (room.dm, True, room.bob.id)


def test_cursors_page_through_to_an_empty_cursor(room: Room) -> None:
    seen: list[list[str]] = []
    cursor = ""
    while True:
        body = room.ok(room.bob, types=ALL_TYPES, limit="3", cursor=cursor)
        seen.append([channel["id"] for channel in body["channels"]])
        cursor = body["response_metadata"]["next_cursor"]
        if not cursor:
            break
    assert [len(page) for page in seen] == [3, 3, 1]
    assert [i for page in seen for i in page] == room.ids(room.bob, types=ALL_TYPES)


def test_another_users_private_conversations_show_only_where_the_caller_is_too(
    room: Room,
) -> None:
    listed = room.ids(room.alice, user=room.bob.id, types=ALL_TYPES)
    assert listed == sorted([room.public, room.archived, room.private, room.dm, room.group])


def test_an_outsider_sees_only_the_public_channels_of_a_user(room: Room) -> None:
    listed = room.ids(room.erin, user=room.alice.id, types=ALL_TYPES)
    assert listed == sorted([room.public, room.archived])


def test_a_user_of_another_team_is_user_not_found(room: Room) -> None:
    assert room.error(room.alice, user=room.gina.id) == "user_not_found"
    assert room.error(room.gina, user=room.alice.id) == "user_not_found"


def test_another_team_lists_none_of_these(room: Room) -> None:
    assert room.ids(room.gina, types=ALL_TYPES) == []


def test_unknown_types_are_invalid_types(room: Room) -> None:
    assert room.error(room.alice, types="public_channel,dm") == "invalid_types"


def test_a_cursor_of_another_listing_is_invalid_cursor(room: Room) -> None:
    listed = api(room.server.thread, "conversations.list", room.alice.token, limit="1").body
    cursor = listed["response_metadata"]["next_cursor"]
    assert room.error(room.alice, cursor=cursor) == "invalid_cursor"


def test_web_client_pages_users_conversations_itself(room: Room) -> None:
    client = WebClient(token=room.bob.token, base_url=room.server.thread.base_url + "/api/")
    pages = client.users_conversations(types=ALL_TYPES, limit=2)
    seen = [channel["id"] for page in pages for channel in page["channels"]]
    assert seen == room.ids(room.bob, types=ALL_TYPES)
    others = client.users_conversations(user=room.alice.id, types="private_channel")
    assert [c["id"] for c in others["channels"]] == [room.private]
