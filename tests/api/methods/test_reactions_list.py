"""reactions.list over real HTTP, on SQLite and PostgreSQL: the messages a user reacted to, newest
reaction first, in Slack's shape, with cursor and numbered paging, another user's reactions,
slack_sdk's ``reactions_list``, and what stays invisible (private conversations the caller is
not in, other teams)."""

from __future__ import annotations

from collections.abc import Iterator
from functools import partial
from typing import Any

import pytest
from slack_sdk import WebClient

from slackline.testing.server import ServerThread
from tests.helpers.events import ALICE, BOB, DAVE, ERIN, GINA, error_of, ok, start_event_server
from tests.helpers.postgres import on_backend


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def acme(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[ServerThread]:
    """The test workspace with the event tests' people, on each backend."""
    tmp_path = tmp_path_factory.mktemp("reactions_list")
    with on_backend(request.param, partial(start_event_server, tmp_path)) as server:
        yield server


def reacted(server: ServerThread, token: str, text: str, channel: str = "C0009") -> str:
    """Post ``text`` as alice and react to it with ``token``; its ts."""
    ts = str(ok(server, "chat.postMessage", ALICE, channel=channel, text=text)["ts"])
    ok(server, "reactions.add", token, channel=channel, timestamp=ts, name="tada")
    return ts


def listed(server: ServerThread, token: str, **args: str) -> dict[str, Any]:
    """reactions.list that must succeed; its body."""
    return ok(server, "reactions.list", token, **args)


def test_an_item_has_slacks_shape(acme: ServerThread) -> None:
    ts = reacted(acme, ERIN, "erin reacts")
    (item,) = listed(acme, ERIN)["items"]
    assert (item["type"], item["channel"]) == ("message", "C0009")
    message = item["message"]
    assert (message["ts"], message["text"]) == (ts, "erin reacts")
    assert message["reactions"] == [{"name": "tada", "users": ["U0005"], "count": 1}]
    assert message["permalink"].endswith(f"/archives/C0009/p{ts.replace('.', '')}")


def test_the_latest_reaction_comes_first(acme: ServerThread) -> None:
    first = reacted(acme, DAVE, "dave first")
    second = reacted(acme, DAVE, "dave second")
    ok(acme, "reactions.add", DAVE, channel="C0009", timestamp=first, name="eyes")
    assert [i["message"]["ts"] for i in listed(acme, DAVE)["items"][:2]] == [first, second]


def test_a_cursor_walks_every_item_once(acme: ServerThread) -> None:
    posted = [reacted(acme, BOB, f"bob {n}") for n in range(5)]
    seen: list[str] = []
    cursor = ""
    while True:
        body = listed(acme, BOB, limit="2", cursor=cursor)
        seen += [i["message"]["ts"] for i in body["items"]]
        cursor = body["response_metadata"]["next_cursor"]
        if not cursor:
            break
    assert seen[:5] == posted[::-1]


def test_count_and_page_page_by_number(acme: ServerThread) -> None:
    posted = [reacted(acme, ERIN, f"erin page {n}") for n in range(3)]
    body = listed(acme, ERIN, count="2", page="1")
    assert [i["message"]["ts"] for i in body["items"]] == posted[:0:-1]
    assert body["paging"]["page"] == 1
    assert body["paging"]["count"] == 2
    assert body["paging"]["pages"] == -(-body["paging"]["total"] // 2)


def test_another_users_reactions_by_user(acme: ServerThread) -> None:
    ts = reacted(acme, DAVE, "dave reacts for all to see")
    assert listed(acme, ALICE, user="U0004")["items"][0]["message"]["ts"] == ts


def test_reactions_in_a_private_channel_stay_with_its_members(acme: ServerThread) -> None:
    ts = reacted(acme, ALICE, "alice reacts in secret", channel="G0001")
    assert ts in [i["message"]["ts"] for i in listed(acme, ALICE)["items"]]
    assert ts not in [i["message"]["ts"] for i in listed(acme, BOB, user="U0001")["items"]]


def test_another_team_sees_none_of_them(acme: ServerThread) -> None:
    reacted(acme, ALICE, "alice reacts at acme")
    assert error_of(acme, "reactions.list", GINA, user="U0001") == "user_not_found"
    assert listed(acme, GINA)["items"] == []


def test_an_unknown_user_is_user_not_found(acme: ServerThread) -> None:
    assert error_of(acme, "reactions.list", ALICE, user="U9999") == "user_not_found"


def test_slack_sdk_lists_reactions(acme: ServerThread) -> None:
    ts = reacted(acme, DAVE, "dave reacts through the sdk")
    client = WebClient(token=DAVE, base_url=f"http://127.0.0.1:{acme.port}/api/")
    response = client.reactions_list(limit=1, full=True)
    assert [i["message"]["ts"] for i in response["items"]] == [ts]
    assert response["response_metadata"]["next_cursor"]
