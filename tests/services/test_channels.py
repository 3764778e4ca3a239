"""Channel life and membership: the methods, their errors, and who hears of each change."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from slackline.testing.server import ServerThread
from tests.helpers.events import (
    ALICE,
    BOB,
    BOT,
    DAVE,
    ERIN,
    GINA,
    GRID_BOT,
    barrier,
    error_of,
    frames_until,
    of_type,
    ok,
    start_event_server,
    types_until,
)
from tests.helpers.http import api, http_request
from tests.helpers.rtm import open_socket, recv_until


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerThread]:
    thread = start_event_server(tmp_path_factory.mktemp("channels"))
    yield thread
    thread.stop()


def new_channel(server: ServerThread, name: str, token: str = ALICE, private: bool = False) -> str:
    body = ok(server, "conversations.create", token, name=name, is_private=str(private).lower())
    return str(body["channel"]["id"])


def history_subtypes(server: ServerThread, channel: str) -> list[str]:
    body = ok(server, "conversations.history", ALICE, channel=channel)
    return [m.get("subtype", "") for m in body["messages"]]


# conversations.create

# A new channel's topic and purpose: empty, set by nobody.
EMPTY_TEXT = {"value": "", "creator": "", "last_set": 0}


def test_a_new_public_channel_is_announced_to_the_whole_team(server: ServerThread) -> None:
    with open_socket(server, DAVE) as dave:
        channel = new_channel(server, "plaza")
        event = recv_until(dave, of_type("channel_created"))
        assert event == {
            "type": "channel_created",
            "channel": {"id": channel, "name": "plaza", "created": event["channel"]["created"],
                        "creator": "U0001", "topic": EMPTY_TEXT, "purpose": EMPTY_TEXT},
        }  # fmt: skip


def test_a_new_private_channel_is_announced_to_its_creator_only(server: ServerThread) -> None:
    with open_socket(server, ALICE) as alice, open_socket(server, DAVE) as dave:
        channel = new_channel(server, "hideout", private=True)
        joined = recv_until(alice, of_type("group_joined"))
        assert joined["channel"]["id"] == channel and joined["channel"]["is_private"] is True
        barrier(server, "after-hideout")
        assert types_until(dave, "after-hideout") == []


def test_the_creator_gets_member_joined_channel(server: ServerThread) -> None:
    with open_socket(server, ALICE) as alice:
        channel = new_channel(server, "workshop")
        event = recv_until(alice, of_type("member_joined_channel"))
        assert event == {
            "type": "member_joined_channel",
            "user": "U0001",
            "channel": channel,
            "channel_type": "C",
            "team": "T0001",
        }


def test_create_answers_the_channel_with_the_creator_as_its_member(server: ServerThread) -> None:
    body = ok(server, "conversations.create", BOB, name="bobs-corner")
    channel = body["channel"]
    assert channel["name"] == "bobs-corner" and channel["creator"] == "U0002"
    assert channel["is_member"] is True and channel["is_private"] is False
    members = ok(server, "conversations.members", BOB, channel=channel["id"])["members"]
    assert members == ["U0002"]


@pytest.mark.parametrize(
    ("name", "error"),
    [
        ("", "invalid_name_required"),
        ("x" * 81, "invalid_name_maxlength"),
        ("Shouting", "invalid_name_specials"),
        ("two words", "invalid_name_specials"),
        ("-_-", "invalid_name_punctuation"),
        ("general", "name_taken"),
    ],
)
def test_a_bad_channel_name_is_refused(server: ServerThread, name: str, error: str) -> None:
    assert error_of(server, "conversations.create", ALICE, name=name) == error


def test_a_name_of_eighty_characters_is_accepted(server: ServerThread) -> None:
    assert new_channel(server, "y" * 80)


# conversations.join


def test_the_joiner_gets_channel_joined_with_the_full_channel(server: ServerThread) -> None:
    channel = new_channel(server, "join-me")
    with open_socket(server, DAVE) as dave:
        ok(server, "conversations.join", DAVE, channel=channel)
        event = recv_until(dave, of_type("channel_joined"))
        assert event["channel"]["id"] == channel and event["channel"]["is_member"] is True
        assert event["channel"]["name"] == "join-me"


def test_members_see_member_joined_channel_then_a_channel_join_message(
    server: ServerThread,
) -> None:
    channel = new_channel(server, "join-seen")
    with open_socket(server, ALICE) as alice:
        ok(server, "conversations.join", DAVE, channel=channel)
        member = recv_until(alice, of_type("member_joined_channel"))
        assert member == {
            "type": "member_joined_channel",
            "user": "U0004",
            "channel": channel,
            "channel_type": "C",
            "team": "T0001",
        }
        message = recv_until(alice, of_type("message"))
        assert message["subtype"] == "channel_join" and message["user"] == "U0004"
        assert message["text"] == "<@U0004|dave> has joined the channel"
        assert message["channel"] == channel


def test_the_channel_join_message_is_stored_in_history(server: ServerThread) -> None:
    channel = new_channel(server, "join-history")
    ok(server, "conversations.join", DAVE, channel=channel)
    assert history_subtypes(server, channel) == ["channel_join"]


def test_joining_again_answers_ok_with_the_already_in_channel_warning(
    server: ServerThread,
) -> None:
    body = ok(server, "conversations.join", ALICE, channel="C0001")
    assert body["warning"] == "already_in_channel"
    assert body["response_metadata"]["warnings"] == ["already_in_channel"]
    assert body["channel"]["id"] == "C0001"


def test_a_handler_warning_and_a_charset_warning_are_both_reported(
    server: ServerThread,
) -> None:
    result = http_request(
        server.port,
        "POST",
        "/api/conversations.join",
        "channel=C0001",
        {
            "Authorization": f"Bearer {ALICE}",
            "Content-Type": "application/x-www-form-urlencoded; charset=utf-8",
        },
    )
    assert result.body["warning"] == "already_in_channel,superfluous_charset"
    assert result.body["response_metadata"]["warnings"] == [
        "already_in_channel",
        "superfluous_charset",
    ]


def test_joining_again_announces_nothing(server: ServerThread) -> None:
    with open_socket(server, ALICE) as alice:
        ok(server, "conversations.join", ALICE, channel="C0009")
        barrier(server, "after-rejoin")
        assert types_until(alice, "after-rejoin") == []


def test_joining_a_private_channel_is_not_supported(server: ServerThread) -> None:
    error = error_of(server, "conversations.join", ALICE, channel="G0001")
    assert error == "method_not_supported_for_channel_type"


def test_joining_a_private_channel_one_is_not_in_is_channel_not_found(
    server: ServerThread,
) -> None:
    assert error_of(server, "conversations.join", DAVE, channel="G0001") == "channel_not_found"


def test_joining_an_archived_channel_is_is_archived(server: ServerThread) -> None:
    channel = new_channel(server, "join-archived")
    ok(server, "conversations.archive", ALICE, channel=channel)
    assert error_of(server, "conversations.join", DAVE, channel=channel) == "is_archived"


# conversations.leave


def test_the_leaver_gets_channel_left(server: ServerThread) -> None:
    channel = new_channel(server, "leave-me")
    ok(server, "conversations.join", DAVE, channel=channel)
    with open_socket(server, DAVE) as dave:
        ok(server, "conversations.leave", DAVE, channel=channel)
        assert recv_until(dave, of_type("channel_left")) == {
            "type": "channel_left",
            "channel": channel,
        }


def test_members_see_member_left_channel_then_a_channel_leave_message(
    server: ServerThread,
) -> None:
    channel = new_channel(server, "leave-seen")
    ok(server, "conversations.join", DAVE, channel=channel)
    with open_socket(server, ALICE) as alice:
        ok(server, "conversations.leave", DAVE, channel=channel)
        member = recv_until(alice, of_type("member_left_channel"))
        assert member == {
            "type": "member_left_channel",
            "user": "U0004",
            "channel": channel,
            "channel_type": "C",
            "team": "T0001",
        }
        message = recv_until(alice, of_type("message"))
        assert message["subtype"] == "channel_leave"
        assert message["text"] == "<@U0004|dave> has left the channel"


def test_the_leaver_does_not_get_the_channel_leave_message(server: ServerThread) -> None:
    channel = new_channel(server, "leave-quiet")
    ok(server, "conversations.join", DAVE, channel=channel)
    with open_socket(server, DAVE) as dave:
        ok(server, "conversations.leave", DAVE, channel=channel)
        barrier(server, "after-leave-quiet")
        assert types_until(dave, "after-leave-quiet") == ["channel_left", "member_left_channel"]


def test_leaving_general_is_cant_leave_general(server: ServerThread) -> None:
    assert error_of(server, "conversations.leave", BOB, channel="C0001") == "cant_leave_general"


def test_leaving_a_channel_one_is_not_in_says_not_in_channel(server: ServerThread) -> None:
    channel = new_channel(server, "never-joined")
    body = api(server, "conversations.leave", DAVE, channel=channel).body
    assert body == {"ok": False, "error": "not_in_channel", "not_in_channel": True}


def test_the_last_member_cannot_leave_a_private_channel(server: ServerThread) -> None:
    channel = new_channel(server, "lonely", private=True)
    assert error_of(server, "conversations.leave", ALICE, channel=channel) == "last_member"


def test_leaving_a_dm_is_not_supported(server: ServerThread) -> None:
    error = error_of(server, "conversations.leave", ALICE, channel="D0001")
    assert error == "method_not_supported_for_channel_type"


# conversations.invite


def test_the_invitee_gets_channel_joined(server: ServerThread) -> None:
    channel = new_channel(server, "invite-me")
    with open_socket(server, DAVE) as dave:
        ok(server, "conversations.invite", ALICE, channel=channel, users="U0004")
        event = recv_until(dave, of_type("channel_joined"))
        assert event["channel"]["id"] == channel


def test_members_see_member_joined_channel_with_the_inviter(server: ServerThread) -> None:
    channel = new_channel(server, "invite-seen")
    with open_socket(server, ALICE) as alice:
        ok(server, "conversations.invite", ALICE, channel=channel, users="U0004")
        member = recv_until(alice, of_type("member_joined_channel"))
        assert member["user"] == "U0004" and member["inviter"] == "U0001"


def test_an_invitation_stores_a_channel_join_message_with_the_inviter(
    server: ServerThread,
) -> None:
    channel = new_channel(server, "invite-history")
    ok(server, "conversations.invite", ALICE, channel=channel, users="U0004,U0005")
    messages = ok(server, "conversations.history", ALICE, channel=channel)["messages"]
    assert [(m["subtype"], m["user"], m["inviter"]) for m in messages] == [
        ("channel_join", "U0005", "U0001"),
        ("channel_join", "U0004", "U0001"),
    ]


def test_an_invitee_to_a_private_channel_gets_group_joined(server: ServerThread) -> None:
    channel = new_channel(server, "invite-private", private=True)
    with open_socket(server, DAVE) as dave:
        ok(server, "conversations.invite", ALICE, channel=channel, users="U0004")
        assert recv_until(dave, of_type("group_joined"))["channel"]["id"] == channel


@pytest.mark.parametrize(
    ("users", "error"),
    [
        ("", "no_user"),
        ("U0001", "cant_invite_self"),
        ("U0002", "already_in_channel"),
        ("U9999", "user_not_found"),
        ("U1001", "user_not_found"),
        ("U0004,U9999", "user_not_found"),
    ],
)
def test_a_bad_invitation_is_refused(server: ServerThread, users: str, error: str) -> None:
    assert error_of(server, "conversations.invite", ALICE, channel="C0001", users=users) == error


def test_a_refused_invitation_adds_nobody(server: ServerThread) -> None:
    channel = new_channel(server, "invite-none")
    error_of(server, "conversations.invite", ALICE, channel=channel, users="U0004,U9999")
    assert ok(server, "conversations.members", ALICE, channel=channel)["members"] == ["U0001"]


def test_inviting_to_a_channel_one_is_not_in_is_not_in_channel(server: ServerThread) -> None:
    channel = new_channel(server, "invite-outsider")
    error = error_of(server, "conversations.invite", DAVE, channel=channel, users="U0005")
    assert error == "not_in_channel"


# conversations.kick


def test_the_kicked_user_gets_channel_left_and_members_member_left_channel(
    server: ServerThread,
) -> None:
    channel = new_channel(server, "kick-me")
    ok(server, "conversations.invite", ALICE, channel=channel, users="U0004")
    with open_socket(server, DAVE) as dave, open_socket(server, ALICE) as alice:
        assert ok(server, "conversations.kick", ALICE, channel=channel, user="U0004") == {
            "ok": True,
            "errors": {},
        }
        assert recv_until(dave, of_type("channel_left"))["channel"] == channel
        assert recv_until(alice, of_type("member_left_channel"))["user"] == "U0004"


def test_a_user_kicked_from_a_private_channel_gets_group_left(server: ServerThread) -> None:
    channel = new_channel(server, "kick-private", private=True)
    ok(server, "conversations.invite", ALICE, channel=channel, users="U0004")
    with open_socket(server, DAVE) as dave:
        ok(server, "conversations.kick", ALICE, channel=channel, user="U0004")
        assert recv_until(dave, of_type("group_left")) == {"type": "group_left", "channel": channel}


@pytest.mark.parametrize(
    ("channel", "user", "error"),
    [
        ("C0002", "U0001", "cant_kick_self"),
        ("C0001", "U0002", "cant_kick_from_general"),
        ("C0002", "U0004", "not_in_channel"),
        ("C0002", "U9999", "user_not_found"),
        ("D0001", "U0BOT", "method_not_supported_for_channel_type"),
    ],
)
def test_a_bad_kick_is_refused(server: ServerThread, channel: str, user: str, error: str) -> None:
    assert error_of(server, "conversations.kick", ALICE, channel=channel, user=user) == error


def test_a_member_who_is_not_admin_or_creator_cannot_kick_from_a_public_channel(
    server: ServerThread,
) -> None:
    error = error_of(server, "conversations.kick", BOB, channel="C0009", user="U0004")
    assert error == "restricted_action"


# conversations.rename


def test_renaming_a_public_channel_tells_the_team(server: ServerThread) -> None:
    channel = new_channel(server, "old-name")
    with open_socket(server, DAVE) as dave:
        ok(server, "conversations.rename", ALICE, channel=channel, name="new-name")
        event = recv_until(dave, of_type("channel_rename"))
        assert event["channel"]["id"] == channel and event["channel"]["name"] == "new-name"
        assert set(event["channel"]) == {"id", "name", "created"}


def test_renaming_stores_a_channel_name_message(server: ServerThread) -> None:
    channel = new_channel(server, "before-rename")
    with open_socket(server, ALICE) as alice:
        ok(server, "conversations.rename", ALICE, channel=channel, name="after-rename")
        message = recv_until(alice, of_type("message", "channel_name"))
        assert message["old_name"] == "before-rename" and message["name"] == "after-rename"
        assert message["text"] == (
            '<@U0001|alice> has renamed the channel from "before-rename" to "after-rename"'
        )


def test_renaming_a_private_channel_tells_its_members_only(server: ServerThread) -> None:
    channel = new_channel(server, "secret-old", private=True)
    with open_socket(server, ALICE) as alice, open_socket(server, DAVE) as dave:
        ok(server, "conversations.rename", ALICE, channel=channel, name="secret-new")
        assert recv_until(alice, of_type("group_rename"))["channel"]["name"] == "secret-new"
        barrier(server, "after-secret-rename")
        assert types_until(dave, "after-secret-rename") == []


def test_renaming_to_a_taken_name_is_name_taken(server: ServerThread) -> None:
    channel = new_channel(server, "rename-clash")
    error = error_of(server, "conversations.rename", ALICE, channel=channel, name="random")
    assert error == "name_taken"


def test_renaming_a_channel_one_is_not_in_is_not_in_channel(server: ServerThread) -> None:
    error = error_of(server, "conversations.rename", DAVE, channel="C0002", name="mine")
    assert error == "not_in_channel"


def test_renaming_to_a_bad_name_is_refused(server: ServerThread) -> None:
    error = error_of(server, "conversations.rename", ALICE, channel="C0002", name="Bad Name")
    assert error == "invalid_name_specials"


# conversations.archive and conversations.unarchive


def test_archiving_a_public_channel_tells_the_team_who_did_it(server: ServerThread) -> None:
    channel = new_channel(server, "to-archive")
    with open_socket(server, DAVE) as dave:
        assert ok(server, "conversations.archive", ALICE, channel=channel) == {"ok": True}
        assert recv_until(dave, of_type("channel_archive")) == {
            "type": "channel_archive",
            "channel": channel,
            "user": "U0001",
        }


def test_archiving_stores_a_channel_archive_message(server: ServerThread) -> None:
    channel = new_channel(server, "archive-history")
    ok(server, "conversations.archive", ALICE, channel=channel)
    assert history_subtypes(server, channel) == ["channel_archive"]


def test_archiving_a_private_channel_tells_its_members_only(server: ServerThread) -> None:
    channel = new_channel(server, "archive-private", private=True)
    with open_socket(server, ALICE) as alice, open_socket(server, DAVE) as dave:
        ok(server, "conversations.archive", ALICE, channel=channel)
        assert recv_until(alice, of_type("group_archive"))["user"] == "U0001"
        barrier(server, "after-private-archive")
        assert types_until(dave, "after-private-archive") == []


@pytest.mark.parametrize(
    ("channel", "error"),
    [("C0001", "cant_archive_general"), ("D0001", "method_not_supported_for_channel_type")],
)
def test_a_bad_archive_is_refused(server: ServerThread, channel: str, error: str) -> None:
    assert error_of(server, "conversations.archive", ALICE, channel=channel) == error


def test_archiving_twice_is_already_archived(server: ServerThread) -> None:
    channel = new_channel(server, "archive-twice")
    ok(server, "conversations.archive", ALICE, channel=channel)
    assert error_of(server, "conversations.archive", ALICE, channel=channel) == "already_archived"


def test_unarchiving_tells_the_team_who_did_it(server: ServerThread) -> None:
    channel = new_channel(server, "to-unarchive")
    ok(server, "conversations.archive", ALICE, channel=channel)
    with open_socket(server, DAVE) as dave:
        ok(server, "conversations.unarchive", ALICE, channel=channel)
        assert recv_until(dave, of_type("channel_unarchive")) == {
            "type": "channel_unarchive",
            "channel": channel,
            "user": "U0001",
        }
    info = ok(server, "conversations.info", ALICE, channel=channel)
    assert info["channel"]["is_archived"] is False


def test_unarchiving_a_channel_that_is_not_archived_is_not_archived(server: ServerThread) -> None:
    assert error_of(server, "conversations.unarchive", ALICE, channel="C0002") == "not_archived"


# conversations.open


def test_opening_a_new_dm_sends_im_created_to_the_opener(server: ServerThread) -> None:
    with open_socket(server, DAVE) as dave:
        body = ok(server, "conversations.open", DAVE, users="U0005")
        event = recv_until(dave, of_type("im_created"))
        assert event["user"] == "U0004"
        assert event["channel"]["id"] == body["channel"]["id"]
        assert event["channel"]["is_im"] is True and event["channel"]["user"] == "U0005"


def test_a_new_dm_is_answered_with_its_id(server: ServerThread) -> None:
    body = ok(server, "conversations.open", BOB, users="U0005")
    assert set(body) == {"ok", "channel"} and body["channel"]["id"].startswith("D")


def test_opening_an_existing_dm_answers_already_open(server: ServerThread) -> None:
    body = ok(server, "conversations.open", ALICE, users="U0BOT")
    assert body == {"ok": True, "no_op": True, "already_open": True, "channel": {"id": "D0001"}}


def test_opening_an_existing_dm_sends_nothing(server: ServerThread) -> None:
    with open_socket(server, ALICE) as alice:
        ok(server, "conversations.open", ALICE, users="U0BOT")
        barrier(server, "after-reopen")
        assert types_until(alice, "after-reopen") == []


def test_the_other_party_finds_the_same_dm(server: ServerThread) -> None:
    first = ok(server, "conversations.open", ERIN, users="U0002")["channel"]["id"]
    again = ok(server, "conversations.open", BOB, users="U0005")
    assert again["channel"]["id"] == first and again["already_open"] is True


def test_return_im_gives_the_full_dm_object(server: ServerThread) -> None:
    body = ok(server, "conversations.open", ALICE, users="U0BOT", return_im="true")
    assert body["channel"]["is_im"] is True and body["channel"]["user"] == "U0BOT"


def test_opening_by_channel_returns_that_dm(server: ServerThread) -> None:
    body = ok(server, "conversations.open", BOT, channel="D0001")
    assert body["channel"] == {"id": "D0001"} and body["already_open"] is True


@pytest.mark.parametrize(
    ("args", "error"),
    [
        ({}, "users_list_not_supplied"),
        ({"users": "U0003"}, "user_disabled"),
        ({"users": "U1001"}, "user_not_found"),
        ({"channel": "C0001"}, "method_not_supported_for_channel_type"),
        ({"channel": "D9999"}, "channel_not_found"),
    ],
)
def test_a_bad_open_is_refused(server: ServerThread, args: dict[str, str], error: str) -> None:
    assert error_of(server, "conversations.open", ALICE, **args) == error


# Audiences


def test_membership_events_of_a_private_channel_never_reach_non_members(
    server: ServerThread,
) -> None:
    channel = new_channel(server, "members-only", private=True)
    with open_socket(server, BOB) as bob:
        ok(server, "conversations.invite", ALICE, channel=channel, users="U0004")
        ok(server, "conversations.kick", ALICE, channel=channel, user="U0004")
        barrier(server, "after-members-only")
        assert types_until(bob, "after-members-only") == []


def test_channel_events_never_reach_another_team(server: ServerThread) -> None:
    with open_socket(server, GINA) as gina:
        channel = new_channel(server, "acme-news")
        ok(server, "conversations.rename", ALICE, channel=channel, name="acme-views")
        ok(server, "conversations.archive", ALICE, channel=channel)
        barrier(server, "after-acme-news", channel="C1001", token=GRID_BOT)
        assert types_until(gina, "after-acme-news") == []


def test_a_public_channel_created_in_another_team_is_announced_there_only(
    server: ServerThread,
) -> None:
    with open_socket(server, GINA) as gina, open_socket(server, DAVE) as dave:
        ok(server, "conversations.create", GINA, name="globex-news")
        assert recv_until(gina, of_type("channel_created"))["channel"]["name"] == "globex-news"
        barrier(server, "after-globex-news")
        assert all(
            f.get("type") != "channel_created" for f in frames_until(dave, "after-globex-news")
        )
