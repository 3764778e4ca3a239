"""The legacy ``channels.*``, ``groups.*``, ``im.*`` and ``mpim.*`` families (decisions B.5)
over real HTTP: their historic shapes (``channels.list`` with members, cursors, archived
channels), ``count`` paging of the histories, the events they cause on real sockets, each
family seeing only its kind of conversation, private conversations and other teams
invisible, and ``method_deprecated`` for every one of them with legacy methods off."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from slackline.api.methods.legacy import METHODS
from slackline.testing.server import ServerThread
from tests.helpers.events import (
    ALICE,
    BOB,
    BOT,
    DAVE,
    ERIN,
    GINA,
    barrier,
    error_of,
    frames_until,
    ok,
    start_event_server,
    types_until,
)
from tests.helpers.http import api, serving, start_server, start_workspace_server
from tests.helpers.rtm import open_socket

EXTRA_WORKSPACE = """
teams:
  - id: T0001
    conversations:
      - {id: C0009, name: old-news, is_archived: true, members: [U0001]}
"""


@pytest.fixture(scope="module")
def acme(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerThread]:
    """The test workspace plus an archived public channel."""
    yield from serving(start_workspace_server(tmp_path_factory.mktemp("legacy"), EXTRA_WORKSPACE))


def channels(server: ServerThread, token: str = BOT, **args: str) -> dict[str, Any]:
    """channels.list that must succeed; returns its body."""
    body = api(server, "channels.list", token, **args).body
    assert body["ok"] is True, body
    return body


def test_channels_list_returns_public_channels_only(acme: ServerThread) -> None:
    body = channels(acme)
    assert [c["id"] for c in body["channels"]] == ["C0001", "C0002", "C0009"]
    assert body["response_metadata"] == {"next_cursor": ""}


def test_channels_list_uses_the_legacy_object_with_members(acme: ServerThread) -> None:
    general = channels(acme)["channels"][0]
    assert general["members"] == ["U0001", "U0002", "U0BOT"]
    assert general["num_members"] == 3
    assert (general["is_channel"], general["is_member"], general["is_general"]) == (
        True,
        True,
        True,
    )


def test_channels_list_can_leave_members_out_but_keeps_the_count(acme: ServerThread) -> None:
    general = channels(acme, exclude_members="true")["channels"][0]
    assert "members" not in general
    assert general["num_members"] == 3


def test_channels_list_can_exclude_archived_channels(acme: ServerThread) -> None:
    assert [c["id"] for c in channels(acme, exclude_archived="1")["channels"]] == [
        "C0001",
        "C0002",
    ]


def test_channels_list_pages_with_limit(acme: ServerThread) -> None:
    first = channels(acme, limit="2")
    cursor = first["response_metadata"]["next_cursor"]
    second = channels(acme, limit="2", cursor=cursor)
    assert [c["id"] for c in first["channels"]] == ["C0001", "C0002"]
    assert [c["id"] for c in second["channels"]] == ["C0009"]
    assert second["response_metadata"]["next_cursor"] == ""


def test_channels_list_never_shows_another_teams_channels(acme: ServerThread) -> None:
    assert [c["id"] for c in channels(acme, "xoxb-grid-bot")["channels"]] == ["C1001"]


def test_channels_list_rejects_a_foreign_cursor(acme: ServerThread) -> None:
    body = api(acme, "channels.list", BOT, cursor="!!").body
    assert body == {"ok": False, "error": "invalid_cursor"}


def test_channels_list_is_method_deprecated_with_legacy_methods_off(tmp_path: Path) -> None:
    server = start_server(tmp_path, legacy_methods=False)
    try:
        body = api(server, "channels.list", BOT).body
    finally:
        server.stop()
    assert body == {"ok": False, "error": "method_deprecated"}


LEGACY_NAMES = sorted(spec.name for spec in METHODS)


@pytest.fixture(scope="module")
def people(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerThread]:
    """The test workspace with the event tests' people, legacy methods on (the default)."""
    yield from serving(start_event_server(tmp_path_factory.mktemp("legacy_families")))


def post(server: ServerThread, channel: str, text: str, token: str = ALICE) -> str:
    """Post a message; its ts."""
    return str(ok(server, "chat.postMessage", token, channel=channel, text=text)["ts"])


def ids(items: list[dict[str, Any]]) -> list[str]:
    """The ``id`` of each object."""
    return [item["id"] for item in items]


# im.*


def test_im_open_answers_the_dm_id_then_already_open(people: ServerThread) -> None:
    first = ok(people, "im.open", ERIN, user="U0004")
    assert set(first["channel"]) == {"id"}
    again = ok(people, "im.open", ERIN, user="U0004", return_im="true")
    assert (again["no_op"], again["already_open"]) == (True, True)
    assert again["channel"]["id"] == first["channel"]["id"]
    assert (again["channel"]["is_im"], again["channel"]["user"]) == (True, "U0004")


def test_im_open_of_a_new_dm_tells_both_and_opens_it_for_the_opener(people: ServerThread) -> None:
    with open_socket(people, ALICE) as alice, open_socket(people, ERIN) as erin:
        dm = ok(people, "im.open", ALICE, user="U0005")["channel"]["id"]
        barrier(people, "after im.open")
        alice_saw = types_until(alice, "after im.open")
        erin_saw = types_until(erin, "after im.open")
    assert "im_created" in alice_saw and "im_created" in erin_saw
    assert "im_open" in alice_saw and "im_open" not in erin_saw
    assert dm.startswith("D")


def test_im_open_needs_a_user_of_the_team(people: ServerThread) -> None:
    assert error_of(people, "im.open", ERIN) == "user_not_found"
    assert error_of(people, "im.open", ERIN, user="U9999") == "user_not_found"
    assert error_of(people, "im.open", ERIN, user="U1001") == "user_not_found"


def test_im_list_shows_the_callers_dms_with_the_other_party(people: ServerThread) -> None:
    dm = ok(people, "im.open", BOB, user="U0005")["channel"]["id"]
    ims = ok(people, "im.list", BOB)["ims"]
    (shown,) = [im for im in ims if im["id"] == dm]
    assert (shown["is_im"], shown["user"], shown["is_user_deleted"]) == (True, "U0005", False)
    assert isinstance(shown["created"], int)
    assert "D0001" not in ids(ims)
    assert ids(ok(people, "im.list", GINA)["ims"]) == []


def test_im_history_pages_by_count_and_latest(people: ServerThread) -> None:
    dm = ok(people, "im.open", DAVE, user="U0002")["channel"]["id"]
    posted = [post(people, dm, f"dm {n}", DAVE) for n in range(3)]
    first = ok(people, "im.history", DAVE, channel=dm, count="2")
    assert [m["ts"] for m in first["messages"]] == posted[:0:-1]
    assert first["has_more"] is True
    rest = ok(people, "im.history", BOB, channel=dm, count="2", latest=posted[1])
    assert [m["ts"] for m in rest["messages"]] == posted[:1]
    assert (rest["has_more"], rest["latest"]) == (False, posted[1])


def test_im_history_is_for_the_dms_members_and_dms_only(people: ServerThread) -> None:
    assert error_of(people, "im.history", BOB, channel="D0001") == "channel_not_found"
    assert error_of(people, "im.history", ALICE, channel="C0001") == "channel_not_found"
    assert error_of(people, "im.history", GINA, channel="D0001") == "channel_not_found"


def test_im_mark_moves_the_marker_and_tells_the_users_sessions(people: ServerThread) -> None:
    ts = post(people, "D0001", "mark me", BOT)
    with open_socket(people, ALICE) as alice, open_socket(people, BOB) as bob:
        ok(people, "im.mark", ALICE, channel="D0001", ts=ts)
        barrier(people, "after im.mark")
        marked = [f for f in frames_until(alice, "after im.mark") if f["type"] == "im_marked"]
        assert "im_marked" not in types_until(bob, "after im.mark")
    assert [(f["channel"], f["ts"]) for f in marked] == [("D0001", ts)]
    assert error_of(people, "im.mark", BOB, channel="D0001", ts=ts) == "channel_not_found"


def test_im_close_closes_for_the_caller_and_sends_im_close(people: ServerThread) -> None:
    dm = ok(people, "im.open", ALICE, user="U0004")["channel"]["id"]
    with open_socket(people, ALICE) as alice:
        ok(people, "im.close", ALICE, channel=dm)
        barrier(people, "after im.close")
        closed = [f for f in frames_until(alice, "after im.close") if f["type"] == "im_close"]
    assert [f["channel"] for f in closed] == [dm]
    assert "already_open" not in ok(people, "im.open", ALICE, user="U0004")
    assert error_of(people, "im.close", ALICE, channel="C0009") == "channel_not_found"
    assert error_of(people, "im.close", BOB, channel=dm) == "channel_not_found"


# groups.*


def test_groups_list_shows_the_callers_private_channels(people: ServerThread) -> None:
    (secret,) = [g for g in ok(people, "groups.list", ALICE)["groups"] if g["id"] == "G0001"]
    assert (secret["name"], secret["is_group"], secret["is_channel"]) == ("secret", True, False)
    assert (secret["members"], secret["num_members"]) == (["U0001"], 1)
    assert {"topic", "purpose", "created", "creator", "is_archived"} <= set(secret)
    assert "G0001" not in ids(ok(people, "groups.list", BOB)["groups"])
    assert ids(ok(people, "groups.list", GINA)["groups"]) == []


def test_groups_info_for_a_member_with_the_read_state(people: ServerThread) -> None:
    ts = post(people, "G0001", "secret latest")
    group = ok(people, "groups.info", ALICE, channel="G0001")["group"]
    assert (group["id"], group["is_member"], group["latest"]["ts"]) == ("G0001", True, ts)
    assert {"last_read", "unread_count", "unread_count_display"} <= set(group)


def test_groups_info_hides_private_channels_from_others(people: ServerThread) -> None:
    assert error_of(people, "groups.info", BOB, channel="G0001") == "channel_not_found"
    assert error_of(people, "groups.info", GINA, channel="G0001") == "channel_not_found"
    assert error_of(people, "groups.info", ALICE, channel="C0001") == "channel_not_found"


def test_groups_history_for_members_only(people: ServerThread) -> None:
    post(people, "G0001", "secret earlier")  # has_more holds however the tests are split
    ts = post(people, "G0001", "secret history")
    history = ok(people, "groups.history", ALICE, channel="G0001", count="1")
    assert [m["ts"] for m in history["messages"]] == [ts]
    assert history["has_more"] is True
    assert error_of(people, "groups.history", BOB, channel="G0001") == "channel_not_found"
    assert error_of(people, "groups.history", ALICE, channel="C0001") == "channel_not_found"


# channels.*


def test_channels_info_shows_members_and_the_members_read_state(people: ServerThread) -> None:
    ts = post(people, "C0001", "general latest")
    channel = ok(people, "channels.info", ALICE, channel="C0001")["channel"]
    assert (channel["id"], channel["name"], channel["is_channel"]) == ("C0001", "general", True)
    assert channel["members"] == ["U0001", "U0002", "U0BOT"]
    assert channel["latest"]["ts"] == ts
    assert {"last_read", "unread_count", "unread_count_display"} <= set(channel)
    outsider = ok(people, "channels.info", DAVE, channel="C0001")["channel"]
    assert outsider["is_member"] is False and "last_read" not in outsider


def test_channels_info_is_for_public_channels_of_the_team(people: ServerThread) -> None:
    assert error_of(people, "channels.info", ALICE, channel="G0001") == "channel_not_found"
    assert error_of(people, "channels.info", GINA, channel="C0001") == "channel_not_found"


def test_channels_history_pages_by_count(people: ServerThread) -> None:
    posted = [post(people, "C0002", f"random {n}") for n in range(3)]
    first = ok(people, "channels.history", ALICE, channel="C0002", count="2")
    assert [m["ts"] for m in first["messages"]] == posted[:0:-1]
    assert first["has_more"] is True
    inclusive = ok(
        people, "channels.history", ALICE, channel="C0002", latest=posted[1], inclusive="1"
    )
    assert [m["ts"] for m in inclusive["messages"]][:2] == posted[1::-1]


def test_channels_history_is_for_public_channels_of_the_team(people: ServerThread) -> None:
    assert error_of(people, "channels.history", ALICE, channel="G0001") == "channel_not_found"
    assert error_of(people, "channels.history", GINA, channel="C0001") == "channel_not_found"
    assert error_of(people, "channels.history", ALICE, channel="C0001", latest="soon") == (
        "invalid_ts_latest"
    )


def test_channels_join_by_name_joins_and_tells_the_members(people: ServerThread) -> None:
    with open_socket(people, ALICE) as alice:
        channel = ok(people, "channels.join", ERIN, name="#random")["channel"]
        barrier(people, "after channels.join")
        kinds = types_until(alice, "after channels.join")
    assert (channel["id"], channel["is_member"]) == ("C0002", True)
    assert "U0005" in channel["members"]
    assert "message/channel_join" in kinds
    again = ok(people, "channels.join", ERIN, channel="C0002")
    assert again["already_in_channel"] is True


def test_channels_join_creates_a_missing_channel(people: ServerThread) -> None:
    channel = ok(people, "channels.join", DAVE, name="Brand New")["channel"]
    assert (channel["name"], channel["creator"], channel["members"]) == (
        "brand-new",
        "U0004",
        ["U0004"],
    )


def test_channels_join_refuses_bots_and_private_names(people: ServerThread) -> None:
    assert error_of(people, "channels.join", BOT, name="general") == "user_is_bot"
    assert error_of(people, "channels.join", BOB, name="secret") == "name_taken"
    assert error_of(people, "channels.join", BOB) == "no_channel"


# mpim.*


def test_mpim_list_and_history_for_the_members_only(people: ServerThread) -> None:
    mpim = ok(people, "conversations.open", ERIN, users="U0002,U0004")["channel"]["id"]
    ts = post(people, mpim, "hello both", ERIN)
    (group,) = [g for g in ok(people, "mpim.list", BOB)["groups"] if g["id"] == mpim]
    assert (group["is_mpim"], group["is_group"]) == (True, False)
    assert group["members"] == ["U0002", "U0004", "U0005"]
    assert group["name"].startswith("mpdm-")
    history = ok(people, "mpim.history", DAVE, channel=mpim)
    assert [m["ts"] for m in history["messages"]] == [ts]
    assert mpim not in ids(ok(people, "mpim.list", ALICE)["groups"])
    assert error_of(people, "mpim.history", ALICE, channel=mpim) == "channel_not_found"
    assert error_of(people, "mpim.history", GINA, channel=mpim) == "channel_not_found"
    assert error_of(people, "mpim.history", BOB, channel="C0001") == "channel_not_found"


# topics, purposes, marks, mpim.open and mpim.close


def test_channels_set_topic_answers_the_topic_and_tells_the_members(people: ServerThread) -> None:
    with open_socket(people, BOB) as bob:
        body = ok(people, "channels.setTopic", ALICE, channel="C0001", topic="legacy topic")
        barrier(people, "after channels.setTopic")
        kinds = types_until(bob, "after channels.setTopic")
    assert body["topic"] == "legacy topic"
    assert "message/channel_topic" in kinds
    assert error_of(people, "channels.setTopic", ALICE, channel="G0001", topic="x") == (
        "channel_not_found"
    )


def test_groups_set_purpose_is_for_the_groups_members(people: ServerThread) -> None:
    body = ok(people, "groups.setPurpose", ALICE, channel="G0001", purpose="hush")
    assert body["purpose"] == "hush"
    assert ok(people, "groups.info", ALICE, channel="G0001")["group"]["purpose"]["value"] == "hush"
    assert error_of(people, "groups.setPurpose", BOB, channel="G0001", purpose="x") == (
        "channel_not_found"
    )


def test_channels_and_groups_mark_move_the_marker(people: ServerThread) -> None:
    ts = post(people, "G0001", "mark the group")
    assert ok(people, "groups.mark", ALICE, channel="G0001", ts=ts) == {"ok": True}
    assert ok(people, "groups.info", ALICE, channel="G0001")["group"]["last_read"] == ts
    assert error_of(people, "groups.mark", BOB, channel="G0001", ts=ts) == "channel_not_found"
    assert ok(people, "channels.mark", ALICE, channel="C0001", ts=ts) == {"ok": True}


def test_mpim_open_answers_a_group_and_mpim_close_closes_it(people: ServerThread) -> None:
    group = ok(people, "mpim.open", DAVE, users="U0001,U0005")["group"]
    assert (group["is_mpim"], group["members"]) == (True, ["U0001", "U0004", "U0005"])
    assert ok(people, "mpim.close", DAVE, channel=group["id"]) == {"ok": True}
    again = ok(people, "mpim.close", DAVE, channel=group["id"])
    assert (again["no_op"], again["already_closed"]) == (True, True)
    assert error_of(people, "mpim.open", DAVE, users="U0002") == "not_enough_users"
    assert error_of(people, "mpim.close", BOB, channel=group["id"]) == "channel_not_found"


# legacy methods off


@pytest.fixture(scope="module")
def modern(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerThread]:
    """A server with legacy methods off."""
    yield from serving(start_server(tmp_path_factory.mktemp("modern"), legacy_methods=False))


@pytest.mark.parametrize("method", LEGACY_NAMES)
def test_every_legacy_method_is_deprecated_with_legacy_methods_off(
    modern: ServerThread, method: str
) -> None:
    body = api(modern, method, ALICE, channel="C0001", user="U0002", name="general").body
    assert body == {"ok": False, "error": "method_deprecated"}


def test_the_families_hold_every_method_issue_12_names() -> None:
    required = {
        "im.open",
        "im.list",
        "im.history",
        "im.close",
        "im.mark",
        "groups.list",
        "groups.info",
        "groups.history",
        "channels.info",
        "channels.history",
        "channels.join",
        "mpim.list",
        "mpim.history",
    }
    assert required <= set(LEGACY_NAMES)


def test_with_legacy_methods_off_modern_methods_still_answer(modern: ServerThread) -> None:
    assert ok(modern, "conversations.info", ALICE, channel="C0001")["channel"]["id"] == "C0001"
