"""conversations.list, conversations.info, conversations.members and conversations.history."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from slackline.testing.server import ServerThread
from tests.helpers.http import WORKSPACE_FILE, api, start_server

# Added to the test workspace's team T0001: a group DM, an archived channel and a channel
# whose history the fixture fills.
EXTRA_WORKSPACE = """
teams:
  - id: T0001
    conversations:
      - {id: G0003, name: mpdm-alice--bob-1, is_mpim: true, members: [U0001, U0002]}
      - {id: C0009, name: old-news, is_archived: true, members: [U0001]}
      - {id: C0010, name: history, members: [U0001]}
"""
ALICE = "xoxp-1-client"
BOT = "xoxb-1-classic"
GRID_BOT = "xoxb-grid-bot"
HISTORY_SIZE = 5


@pytest.fixture(scope="module")
def acme(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerThread]:
    """The test workspace plus the conversations above."""
    tmp_path = tmp_path_factory.mktemp("conversations")
    extra = tmp_path / "extra.yaml"
    extra.write_text(EXTRA_WORKSPACE)
    thread = start_server(tmp_path, workspaces=(WORKSPACE_FILE, str(extra)))
    yield thread
    thread.stop()


@pytest.fixture(scope="module")
def history(acme: ServerThread) -> list[str]:
    """The ts of the messages alice posted to C0010, oldest first."""
    return [
        ok(acme, "chat.postMessage", ALICE, channel="C0010", text=f"message {n}")["ts"]
        for n in range(HISTORY_SIZE)
    ]


def ok(server: ServerThread, method: str, token: str, **args: str) -> dict[str, Any]:
    """Call a method that must succeed; return its body."""
    result = api(server, method, token, **args)
    assert result.body["ok"] is True, result.body
    return result.body


def error_of(server: ServerThread, method: str, token: str, **args: str) -> str:
    """Call a method that must fail; return its error code."""
    result = api(server, method, token, **args)
    assert result.body["ok"] is False
    return str(result.body["error"])


def ids(items: list[dict[str, Any]]) -> list[str]:
    """The ``id`` of every object."""
    return [item["id"] for item in items]


def all_pages(server: ServerThread, method: str, key: str, **args: str) -> list[list[Any]]:
    """Follow ``next_cursor`` to the end; return each page's items."""
    pages: list[list[Any]] = []
    cursor = ""
    while True:
        body = ok(server, method, ALICE, cursor=cursor, **args)
        pages.append(body[key])
        cursor = body["response_metadata"]["next_cursor"]
        if not cursor:
            return pages


# conversations.list


def test_list_defaults_to_public_channels(acme: ServerThread) -> None:
    channels = ok(acme, "conversations.list", ALICE)["channels"]
    assert ids(channels) == ["C0001", "C0002", "C0009", "C0010"]


def test_list_shows_membership_and_member_counts(acme: ServerThread) -> None:
    general = ok(acme, "conversations.list", BOT)["channels"][0]
    assert (general["id"], general["is_member"], general["num_members"]) == ("C0001", True, 3)


def test_list_of_private_channels_shows_only_the_callers_own(acme: ServerThread) -> None:
    channels = ok(acme, "conversations.list", ALICE, types="private_channel")["channels"]
    assert ids(channels) == ["G0001"]
    assert channels[0]["is_private"] is True


def test_list_of_ims_names_the_other_party(acme: ServerThread) -> None:
    alice_view = ok(acme, "conversations.list", ALICE, types="im")["channels"]
    bot_view = ok(acme, "conversations.list", BOT, types="im")["channels"]
    assert [(c["id"], c["user"], c["is_im"]) for c in alice_view] == [("D0001", "U0BOT", True)]
    assert [(c["id"], c["user"]) for c in bot_view] == [("D0001", "U0001")]


def test_list_of_mpims_shows_group_dms_the_caller_is_in(acme: ServerThread) -> None:
    channels = ok(acme, "conversations.list", ALICE, types="mpim")["channels"]
    assert [(c["id"], c["is_mpim"]) for c in channels] == [("G0003", True)]


def test_list_accepts_several_types_at_once(acme: ServerThread) -> None:
    types = "public_channel,private_channel,mpim,im"
    channels = ok(acme, "conversations.list", ALICE, types=types)["channels"]
    assert ids(channels) == ["C0001", "C0002", "C0009", "C0010", "D0001", "G0001", "G0003"]


def test_list_rejects_unknown_types(acme: ServerThread) -> None:
    assert error_of(acme, "conversations.list", ALICE, types="public_channel,dm") == (
        "invalid_types"
    )


def test_list_can_exclude_archived_channels(acme: ServerThread) -> None:
    channels = ok(acme, "conversations.list", ALICE, exclude_archived="true")["channels"]
    assert "C0009" not in ids(channels)


def test_list_pages_with_limit_and_ends_with_an_empty_cursor(acme: ServerThread) -> None:
    pages = all_pages(acme, "conversations.list", "channels", limit="3")
    assert [ids(page) for page in pages] == [["C0001", "C0002", "C0009"], ["C0010"]]


def test_list_never_shows_another_teams_conversations(acme: ServerThread) -> None:
    types = "public_channel,private_channel,mpim,im"
    channels = ok(acme, "conversations.list", GRID_BOT, types=types)["channels"]
    assert ids(channels) == ["C1001"]


def test_list_rejects_a_cursor_of_another_listing(acme: ServerThread) -> None:
    users_cursor = ok(acme, "users.list", ALICE, limit="1")["response_metadata"]["next_cursor"]
    assert error_of(acme, "conversations.list", ALICE, cursor=users_cursor) == "invalid_cursor"


# conversations.info


def test_info_returns_the_conversation_object(acme: ServerThread) -> None:
    channel = ok(acme, "conversations.info", BOT, channel="C0001")["channel"]
    assert channel["id"] == "C0001"
    assert channel["name"] == "general"
    assert channel["is_channel"] is True
    assert channel["is_general"] is True
    assert channel["is_member"] is True
    assert "num_members" not in channel


def test_info_adds_num_members_when_asked(acme: ServerThread) -> None:
    body = ok(acme, "conversations.info", BOT, channel="C0001", include_num_members="1")
    assert body["channel"]["num_members"] == 3


def test_info_adds_the_locale_only_when_asked(acme: ServerThread) -> None:
    asked = ok(acme, "conversations.info", ALICE, channel="C0001", include_locale="true")
    plain = ok(acme, "conversations.info", ALICE, channel="C0001")
    assert asked["channel"]["locale"] == "en-US" and "locale" not in plain["channel"]


def test_info_of_an_im_carries_its_read_state(acme: ServerThread) -> None:
    channel = ok(acme, "conversations.info", ALICE, channel="D0001")["channel"]
    assert (channel["is_im"], channel["user"], channel["is_open"]) == (True, "U0BOT", True)
    assert channel["last_read"] == "0000000000.000000"


def test_info_of_a_private_channel_the_caller_is_not_in_is_channel_not_found(
    acme: ServerThread,
) -> None:
    assert error_of(acme, "conversations.info", BOT, channel="G0001") == "channel_not_found"


def test_info_of_another_teams_channel_is_channel_not_found(acme: ServerThread) -> None:
    assert error_of(acme, "conversations.info", BOT, channel="C1001") == "channel_not_found"


def test_info_without_channel_is_channel_not_found(acme: ServerThread) -> None:
    assert error_of(acme, "conversations.info", BOT) == "channel_not_found"


# conversations.members


def test_members_lists_member_ids(acme: ServerThread) -> None:
    body = ok(acme, "conversations.members", BOT, channel="C0001")
    assert body["members"] == ["U0001", "U0002", "U0BOT"]
    assert body["response_metadata"] == {"next_cursor": ""}


def test_members_pages_one_member_at_a_time(acme: ServerThread) -> None:
    pages = all_pages(acme, "conversations.members", "members", channel="C0001", limit="1")
    assert pages == [["U0001"], ["U0002"], ["U0BOT"]]


def test_members_of_a_private_channel_the_caller_is_not_in_is_channel_not_found(
    acme: ServerThread,
) -> None:
    assert error_of(acme, "conversations.members", BOT, channel="G0001") == "channel_not_found"


def test_members_of_another_teams_channel_is_channel_not_found(acme: ServerThread) -> None:
    assert error_of(acme, "conversations.members", BOT, channel="C1001") == "channel_not_found"


# conversations.history


def test_history_returns_messages_newest_first(acme: ServerThread, history: list[str]) -> None:
    body = ok(acme, "conversations.history", ALICE, channel="C0010")
    assert [m["ts"] for m in body["messages"]] == history[::-1]
    assert body["messages"][0]["text"] == f"message {HISTORY_SIZE - 1}"
    assert (body["has_more"], body["pin_count"]) == (False, 0)
    assert body["response_metadata"] == {"next_cursor": ""}


def test_history_pages_with_limit_and_has_more(acme: ServerThread, history: list[str]) -> None:
    first = ok(acme, "conversations.history", ALICE, channel="C0010", limit="2")
    assert first["has_more"] is True
    pages = all_pages(acme, "conversations.history", "messages", channel="C0010", limit="2")
    assert [[m["ts"] for m in page] for page in pages] == [
        history[4:2:-1],
        history[2:0:-1],
        history[0:1],
    ]


def test_history_bounds_are_exclusive_by_default(acme: ServerThread, history: list[str]) -> None:
    body = ok(
        acme, "conversations.history", ALICE, channel="C0010", oldest=history[1], latest=history[3]
    )
    assert [m["ts"] for m in body["messages"]] == [history[2]]


def test_history_inclusive_includes_both_bounds(acme: ServerThread, history: list[str]) -> None:
    body = ok(
        acme,
        "conversations.history",
        ALICE,
        channel="C0010",
        oldest=history[1],
        latest=history[3],
        inclusive="true",
    )
    assert [m["ts"] for m in body["messages"]] == history[3:0:-1]


def test_inclusive_history_pages_without_repeating_a_message(
    acme: ServerThread, history: list[str]
) -> None:
    pages = all_pages(
        acme,
        "conversations.history",
        "messages",
        channel="C0010",
        latest=history[4],
        inclusive="1",
        limit="2",
    )
    assert [m["ts"] for page in pages for m in page] == history[::-1]


def test_history_accepts_whole_second_bounds(acme: ServerThread, history: list[str]) -> None:
    body = ok(acme, "conversations.history", ALICE, channel="C0010", oldest="0", latest="1")
    assert body["messages"] == []


def test_history_rejects_a_malformed_latest(acme: ServerThread) -> None:
    error = error_of(acme, "conversations.history", ALICE, channel="C0010", latest="yesterday")
    assert error == "invalid_ts_latest"


def test_history_rejects_a_malformed_oldest(acme: ServerThread) -> None:
    error = error_of(acme, "conversations.history", ALICE, channel="C0010", oldest="1.2.3")
    assert error == "invalid_ts_oldest"


def test_history_of_a_public_channel_needs_no_membership(
    acme: ServerThread, history: list[str]
) -> None:
    body = ok(acme, "conversations.history", BOT, channel="C0010", limit="1")
    assert [m["ts"] for m in body["messages"]] == [history[-1]]


def test_history_of_a_private_channel_the_caller_is_not_in_is_channel_not_found(
    acme: ServerThread,
) -> None:
    assert error_of(acme, "conversations.history", BOT, channel="G0001") == "channel_not_found"


def test_history_of_another_teams_channel_is_channel_not_found(acme: ServerThread) -> None:
    assert error_of(acme, "conversations.history", BOT, channel="C1001") == "channel_not_found"


def test_history_of_an_unknown_channel_is_channel_not_found(acme: ServerThread) -> None:
    assert error_of(acme, "conversations.history", BOT, channel="C9999") == "channel_not_found"
