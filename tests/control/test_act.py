"""The control API's ``act``: any user's actions, through the same rules and events."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from slackline.testing.server import ServerThread
from tests.helpers.events import ALICE, BOT, admin, ok, start_event_server
from tests.helpers.rtm import open_socket, recv_json, recv_until


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerThread]:
    thread = start_event_server(tmp_path_factory.mktemp("act"))
    yield thread
    thread.stop()


def act(server: ServerThread, user: str, method: str, **args: Any) -> dict[str, Any]:
    answer = admin(server, "act", {"as": user, "method": method, "args": args})
    result = answer["result"]
    assert isinstance(result, dict)
    return result


def test_a_message_posted_as_a_user_reaches_the_bot_as_from_that_user(
    server: ServerThread,
) -> None:
    with open_socket(server, BOT) as bot:
        result = act(server, "U0002", "chat.postMessage", channel="C0001", text="hi bot")
        assert result["ok"] is True
        event = recv_until(bot, lambda f: f.get("text") == "hi bot")
        assert event["user"] == "U0002" and event["ts"] == result["ts"]
        assert "bot_id" not in event


def test_acting_as_a_bot_user_posts_with_its_bot_id(server: ServerThread) -> None:
    result = act(server, "U0BOT", "chat.postMessage", channel="C0001", text="as the bot")
    assert result["message"]["bot_id"] == "B0001"


def test_acting_follows_the_same_rules_as_the_users_own_client(server: ServerThread) -> None:
    result = act(server, "U0002", "chat.postMessage", channel="G0001", text="peek")
    assert result == {"ok": False, "error": "channel_not_found"}


def test_acting_as_a_user_can_react_and_the_bot_sees_it(server: ServerThread) -> None:
    posted = ok(server, "chat.postMessage", BOT, channel="C0001", text="react to me")
    with open_socket(server, BOT) as bot:
        act(server, "U0001", "reactions.add", channel="C0001", timestamp=posted["ts"], name="wave")
        event = recv_until(bot, lambda f: f.get("type") == "reaction_added")
        assert event["user"] == "U0001" and event["reaction"] == "wave"


def test_typing_as_a_user_reaches_the_bot(server: ServerThread) -> None:
    with open_socket(server, BOT) as bot:
        assert act(server, "U0001", "typing", channel="C0001") == {"ok": True, "channel": "C0001"}
        assert recv_json(bot) == {"type": "user_typing", "channel": "C0001", "user": "U0001"}


def test_typing_where_the_user_cannot_post_is_refused(server: ServerThread) -> None:
    assert act(server, "U0002", "typing", channel="C0002")["error"] == "not_in_channel"


def test_an_unknown_user_is_user_not_found(server: ServerThread) -> None:
    result = act(server, "U9999", "chat.postMessage", channel="C0001", text="x")
    assert result == {"ok": False, "error": "user_not_found"}


def test_an_unknown_method_is_unknown_method(server: ServerThread) -> None:
    assert act(server, "U0001", "chat.dance")["error"] == "unknown_method"


def test_acting_as_a_user_can_set_their_presence(server: ServerThread) -> None:
    assert act(server, "U0001", "users.setPresence", presence="away")["ok"] is True
    presence = ok(server, "users.getPresence", ALICE)
    assert presence["manual_away"] is True
    act(server, "U0001", "users.setPresence", presence="auto")
