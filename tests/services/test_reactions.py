"""Reactions and bots.info: the methods, their errors, and who hears of reactions."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from slackline.testing.server import ServerThread
from tests.helpers.events import (
    ALICE,
    BOB,
    BOT,
    DAVE,
    GINA,
    GRID_BOT,
    barrier,
    error_of,
    of_type,
    ok,
    start_event_server,
    types_until,
)
from tests.helpers.rtm import open_socket, recv_until


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerThread]:
    thread = start_event_server(tmp_path_factory.mktemp("reactions"))
    yield thread
    thread.stop()


def post(server: ServerThread, text: str, channel: str = "C0001", token: str = BOB) -> str:
    return str(ok(server, "chat.postMessage", token, channel=channel, text=text)["ts"])


def react(
    server: ServerThread, ts: str, name: str, token: str = ALICE, channel: str = "C0001"
) -> None:
    ok(server, "reactions.add", token, channel=channel, timestamp=ts, name=name)


def test_a_reaction_reaches_members_as_reaction_added(server: ServerThread) -> None:
    ts = post(server, "react to me")
    with open_socket(server, BOB) as bob:
        react(server, ts, "thumbsup")
        event = recv_until(bob, of_type("reaction_added"))
    assert event == {
        "type": "reaction_added",
        "user": "U0001",
        "reaction": "thumbsup",
        "item_user": "U0002",
        "item": {"type": "message", "channel": "C0001", "ts": ts},
        "event_ts": event["event_ts"],
    }


def test_removing_a_reaction_reaches_members_as_reaction_removed(server: ServerThread) -> None:
    ts = post(server, "unreact")
    react(server, ts, "eyes")
    with open_socket(server, BOB) as bob:
        ok(server, "reactions.remove", ALICE, channel="C0001", timestamp=ts, name="eyes")
        event = recv_until(bob, of_type("reaction_removed"))
    assert event["reaction"] == "eyes" and event["user"] == "U0001"
    assert event["item"] == {"type": "message", "channel": "C0001", "ts": ts}


def test_reactions_get_shows_each_name_with_its_users_and_count(server: ServerThread) -> None:
    ts = post(server, "popular")
    react(server, ts, "tada")
    react(server, ts, "tada", token=BOT)
    react(server, ts, "heart")
    body = ok(server, "reactions.get", ALICE, channel="C0001", timestamp=ts)
    assert body["type"] == "message" and body["channel"] == "C0001"
    assert body["message"]["reactions"] == [
        {"name": "tada", "users": ["U0001", "U0BOT"], "count": 2},
        {"name": "heart", "users": ["U0001"], "count": 1},
    ]


def test_history_shows_reactions_on_messages(server: ServerThread) -> None:
    ts = post(server, "in history")
    react(server, ts, "fire")
    messages = ok(server, "conversations.history", ALICE, channel="C0001")["messages"]
    shown = next(m for m in messages if m["ts"] == ts)
    assert shown["reactions"] == [{"name": "fire", "users": ["U0001"], "count": 1}]


def test_replies_show_reactions_on_messages(server: ServerThread) -> None:
    ts = post(server, "in a thread")
    react(server, ts, "wave")
    messages = ok(server, "conversations.replies", ALICE, channel="C0001", ts=ts)["messages"]
    assert messages[0]["reactions"] == [{"name": "wave", "users": ["U0001"], "count": 1}]


def test_a_name_in_colons_is_taken_without_them(server: ServerThread) -> None:
    ts = post(server, "colons")
    react(server, ts, ":smile:")
    reactions = ok(server, "reactions.get", ALICE, channel="C0001", timestamp=ts)["message"][
        "reactions"
    ]
    assert reactions[0]["name"] == "smile"


def test_a_skin_tone_is_part_of_the_name(server: ServerThread) -> None:
    ts = post(server, "tones")
    react(server, ts, "wave::skin-tone-3")


def test_reacting_twice_is_already_reacted(server: ServerThread) -> None:
    ts = post(server, "twice")
    react(server, ts, "star")
    error = error_of(server, "reactions.add", ALICE, channel="C0001", timestamp=ts, name="star")
    assert error == "already_reacted"


def test_removing_a_reaction_one_did_not_make_is_no_reaction(server: ServerThread) -> None:
    ts = post(server, "nothing to remove")
    error = error_of(server, "reactions.remove", ALICE, channel="C0001", timestamp=ts, name="star")
    assert error == "no_reaction"


@pytest.mark.parametrize(
    ("args", "error"),
    [
        ({"channel": "C0001", "timestamp": "1.000000", "name": "x"}, "message_not_found"),
        ({"channel": "C0001", "timestamp": "soon", "name": "x"}, "bad_timestamp"),
        ({"channel": "C9999", "timestamp": "1.000000", "name": "x"}, "channel_not_found"),
        ({"channel": "G0001", "timestamp": "1.000000", "name": "x"}, "channel_not_found"),
        ({"name": "x"}, "no_item_specified"),
    ],
)
def test_a_bad_reaction_target_is_refused(
    server: ServerThread, args: dict[str, str], error: str
) -> None:
    assert error_of(server, "reactions.add", BOB, **args) == error


@pytest.mark.parametrize("name", ["", "Shout", "two words", "x" * 101])
def test_a_malformed_name_is_invalid_name(server: ServerThread, name: str) -> None:
    ts = post(server, f"bad name {len(name)} {name[:5]}")
    error = error_of(server, "reactions.add", ALICE, channel="C0001", timestamp=ts, name=name)
    assert error == "invalid_name"


def test_reacting_in_an_archived_channel_is_is_archived(server: ServerThread) -> None:
    channel = ok(server, "conversations.create", ALICE, name="react-archived")["channel"]["id"]
    ts = post(server, "archived", channel=channel, token=ALICE)
    ok(server, "conversations.archive", ALICE, channel=channel)
    error = error_of(server, "reactions.add", ALICE, channel=channel, timestamp=ts, name="x")
    assert error == "is_archived"


def test_a_deleted_message_loses_its_reactions(server: ServerThread) -> None:
    ts = post(server, "short-lived", token=ALICE)
    react(server, ts, "skull")
    ok(server, "chat.delete", ALICE, channel="C0001", ts=ts)
    error = error_of(server, "reactions.get", ALICE, channel="C0001", timestamp=ts)
    assert error == "message_not_found"


def test_reactions_in_a_private_channel_never_reach_non_members(server: ServerThread) -> None:
    ts = post(server, "private reaction", channel="G0001", token=ALICE)
    with open_socket(server, DAVE) as dave:
        react(server, ts, "lock", channel="G0001")
        barrier(server, "after-private-reaction")
        assert types_until(dave, "after-private-reaction") == []


def test_reactions_never_reach_another_team(server: ServerThread) -> None:
    ts = post(server, "acme reaction")
    with open_socket(server, GINA) as gina:
        react(server, ts, "sparkles")
        barrier(server, "after-acme-reaction", channel="C1001", token=GRID_BOT)
        assert types_until(gina, "after-acme-reaction") == []


# bots.info


def test_bots_info_answers_the_bot_object(server: ServerThread) -> None:
    bot = ok(server, "bots.info", ALICE, bot="B0001")["bot"]
    assert (bot["id"], bot["name"], bot["user_id"], bot["deleted"]) == (
        "B0001",
        "pybot",
        "U0BOT",
        False,
    )
    assert set(bot) == {"id", "deleted", "name", "updated", "app_id", "user_id", "icons"}


def test_bots_info_without_bot_answers_the_calling_bot(server: ServerThread) -> None:
    assert ok(server, "bots.info", BOT)["bot"]["id"] == "B0001"


@pytest.mark.parametrize(("token", "bot"), [(ALICE, "B9999"), (ALICE, "B1001"), (ALICE, "")])
def test_an_unknown_or_foreign_bot_is_bot_not_found(
    server: ServerThread, token: str, bot: str
) -> None:
    assert error_of(server, "bots.info", token, bot=bot) == "bot_not_found"


def test_another_teams_bot_token_cannot_see_this_teams_bot(server: ServerThread) -> None:
    assert error_of(server, "bots.info", GRID_BOT, bot="B0001") == "bot_not_found"
