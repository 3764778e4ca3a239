"""``presence_sub`` and ``presence_query`` with long lists, on real sockets: wee-slack's 751
ids (batched or not), the bound of 2,000 ids (code 9, the subscriptions kept), the 16 KiB
frame limit that comes first for Slack-length ids, and other teams' users staying invisible
in a long list."""

from __future__ import annotations

import json
from typing import Any

from websockets.sync.client import ClientConnection

from slackline.rtm.handlers import MAX_PRESENCE_IDS
from slackline.testing.toolkit import Member, Slackline, SlacklineServer
from tests.helpers.rtm import (
    QUIET_SECS,
    closed_with,
    no_frame,
    open_socket,
    recv_json,
    recv_until,
    send_json,
)

# wee-slack subscribes to its first 750 users and itself.
WEE_SLACK_IDS = 751
MESSAGE_TOO_BIG = 1009


def send_compact(socket: ClientConnection, document: dict[str, Any]) -> None:
    """Send a frame without spaces, as clients do, so that long lists fit in 16 KiB."""
    socket.send(json.dumps(document, separators=(",", ":")))


def frames_until_quiet(socket: ClientConnection) -> list[dict[str, Any]]:
    """Every frame until none comes for a while."""
    frames = []
    while True:
        try:
            frames.append(recv_json(socket, QUIET_SECS))
        except TimeoutError:
            return frames


def slack_ids(count: int) -> list[str]:
    """``count`` ids of Slack's length (11 characters) that belong to nobody."""
    return [f"U{n:010d}" for n in range(count)]


def two_people(slackline: Slackline) -> tuple[Member, Member]:
    """A watcher and a user to watch, in one team."""
    team = slackline.team("Acme")
    return slackline.user(team, "watcher"), slackline.user(team, "bob")


def test_wee_slacks_751_ids_subscribe_and_answer_the_known_users(
    slackline: Slackline, slackline_server: SlacklineServer
) -> None:
    watcher, bob = two_people(slackline)
    ids = [*slack_ids(WEE_SLACK_IDS - 2), bob.id, watcher.id]
    with open_socket(slackline_server.thread, watcher.token) as socket:
        send_compact(socket, {"type": "presence_sub", "ids": ids})
        seen = {(f["type"], f["user"], f["presence"]) for f in frames_until_quiet(socket)}
    # The watcher's own "active" may come twice: its connection's own announcement can
    # land after the subscription, besides the current presence the subscription sends.
    assert seen == {("presence_change", bob.id, "away"), ("presence_change", watcher.id, "active")}


def test_a_subscription_of_751_ids_follows_presence_changes(
    slackline: Slackline, slackline_server: SlacklineServer
) -> None:
    watcher, bob = two_people(slackline)
    ids = [*slack_ids(WEE_SLACK_IDS - 1), bob.id]
    with open_socket(slackline_server.thread, watcher.token) as socket:
        send_compact(socket, {"type": "presence_sub", "ids": ids})
        assert recv_json(socket) == {"type": "presence_change", "user": bob.id, "presence": "away"}
        with open_socket(slackline_server.thread, bob.token):
            active = recv_until(socket, lambda f: f.get("presence") == "active")
    assert active == {"type": "presence_change", "user": bob.id, "presence": "active"}


def test_the_longest_list_allowed_is_accepted(
    slackline: Slackline, slackline_server: SlacklineServer
) -> None:
    watcher, bob = two_people(slackline)
    # Short ids, so that the longest list fits in one frame.
    ids = [*(f"U{n}" for n in range(MAX_PRESENCE_IDS - 1)), bob.id]
    with open_socket(slackline_server.thread, watcher.token) as socket:
        send_compact(socket, {"type": "presence_query", "id": 1, "ids": ids})
        assert recv_json(socket) == {"type": "presence_change", "user": bob.id, "presence": "away"}


def test_a_longer_list_is_code_9_and_keeps_the_subscriptions(
    slackline: Slackline, slackline_server: SlacklineServer
) -> None:
    watcher, bob = two_people(slackline)
    with open_socket(slackline_server.thread, watcher.token) as socket:
        send_json(socket, {"type": "presence_sub", "ids": [bob.id]})
        assert recv_json(socket)["user"] == bob.id
        too_many = [f"U{n}" for n in range(MAX_PRESENCE_IDS + 1)]
        send_compact(socket, {"type": "presence_sub", "id": 7, "ids": too_many})
        reply = recv_json(socket)
        assert (reply["ok"], reply["reply_to"], reply["error"]["code"]) == (False, 7, 9)
        # Still subscribed to bob: re-listing him is no news, so nothing is sent.
        send_json(socket, {"type": "presence_sub", "ids": [bob.id]})
        assert no_frame(socket)


def test_a_presence_query_over_the_bound_is_code_9(
    slackline: Slackline, slackline_server: SlacklineServer
) -> None:
    watcher, _ = two_people(slackline)
    with open_socket(slackline_server.thread, watcher.token) as socket:
        ids = [f"U{n}" for n in range(MAX_PRESENCE_IDS + 1)]
        send_compact(socket, {"type": "presence_query", "id": 3, "ids": ids})
        assert recv_json(socket)["error"]["code"] == 9


def test_slack_length_ids_meet_the_frame_limit_before_the_bound(
    slackline: Slackline, slackline_server: SlacklineServer
) -> None:
    watcher, _ = two_people(slackline)
    # 1,200 ids of 11 characters take some 16.8 KB: over the 16 KiB frame, under the bound.
    with open_socket(slackline_server.thread, watcher.token) as socket:
        send_compact(socket, {"type": "presence_sub", "ids": slack_ids(1_200)})
        assert closed_with(socket) == MESSAGE_TOO_BIG


def test_a_batch_presence_aware_session_gets_one_frame_for_the_known_users(
    slackline: Slackline, slackline_server: SlacklineServer
) -> None:
    watcher, bob = two_people(slackline)
    ids = [*slack_ids(WEE_SLACK_IDS - 1), bob.id]
    # wee-slack connects with batch_presence_aware=1.
    thread = slackline_server.thread
    with open_socket(thread, watcher.token, batch_presence_aware="1") as socket:
        send_compact(socket, {"type": "presence_sub", "ids": ids})
        assert recv_json(socket) == {
            "type": "presence_change",
            "presence": "away",
            "users": [bob.id],
        }
        assert no_frame(socket)


def test_a_long_list_never_answers_another_teams_users(
    slackline: Slackline, slackline_server: SlacklineServer
) -> None:
    watcher, bob = two_people(slackline)
    gina = slackline.user(slackline.team("Globex"), "gina")
    # Long enough to be looked up as a whole team rather than one id at a time.
    ids = [*slack_ids(100), gina.id, bob.id]
    with open_socket(slackline_server.thread, watcher.token) as socket:
        send_compact(socket, {"type": "presence_sub", "ids": ids})
        assert recv_json(socket)["user"] == bob.id
        assert no_frame(socket)
