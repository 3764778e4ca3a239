"""search.messages over real HTTP, on SQLite (FTS5) and PostgreSQL (full text): Slack's
shape, the ``in:``/``from:`` operators and phrases, order, ``count``/``page`` and cursor
paging, highlights, the token rules, slack_sdk's ``search_messages``, and what stays
invisible (private conversations the caller is not in, other teams)."""

from __future__ import annotations

from collections.abc import Iterator
from functools import partial
from typing import Any

import pytest
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from slackline.testing.server import ServerThread
from tests.helpers.events import (
    ALICE,
    BOB,
    BOT,
    ERIN,
    GINA,
    admin,
    error_of,
    ok,
    start_event_server,
)
from tests.helpers.http import api
from tests.helpers.postgres import on_backend

START, END = "\ue000", "\ue001"
# Each test searches for its own word, so the module's one server serves them all.
POSTS: tuple[tuple[str, str, str], ...] = (
    (ALICE, "C0001", "shape of a zebra"),
    (ALICE, "C0001", "walrus in general"),
    (ALICE, "C0002", "walrus at random"),
    (BOB, "C0001", "walrus said bob"),
    (ALICE, "G0001", "narwhal in the secret room"),
    (BOB, "C0001", "narwhal said bob"),
    (BOT, "D0001", "otter in the dm"),
    (ALICE, "C0001", "otter in general"),
    (ALICE, "C0001", "the quick brown fox"),
    (ALICE, "C0001", "brown the quick fox"),
    (ALICE, "C0001", "heron"),
    (ALICE, "C0001", "heron heron heron"),
    (ALICE, "C0001", "heron heron"),
    (ALICE, "C0001", "pelican 1"),
    (ALICE, "C0001", "pelican 2"),
    (ALICE, "C0001", "pelican 3"),
    (ALICE, "C0001", "pelican 4"),
    (ALICE, "C0001", "pelican 5"),
    (GINA, "C1001", "walrus elsewhere"),
)


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def acme(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[ServerThread]:
    """A server on each backend holding the posts above."""
    tmp_path = tmp_path_factory.mktemp("search")
    with on_backend(request.param, partial(start_event_server, tmp_path)) as server:
        for token, channel, text in POSTS:
            ok(server, "chat.postMessage", token, channel=channel, text=text)
        yield server


def search(server: ServerThread, query: str, token: str = ALICE, **args: str) -> dict[str, Any]:
    """search.messages that must succeed; its ``messages``."""
    return dict(ok(server, "search.messages", token, query=query, **args)["messages"])


def texts(server: ServerThread, query: str, token: str = ALICE, **args: str) -> list[str]:
    """The texts of the matches, in the order shown."""
    return [m["text"] for m in search(server, query, token, **args)["matches"]]


def test_a_match_has_slacks_shape(acme: ServerThread) -> None:
    body = ok(acme, "search.messages", ALICE, query="zebra")
    assert body["query"] == "zebra"
    (match,) = body["messages"]["matches"]
    assert match["type"] == "message"
    assert (match["user"], match["username"], match["team"]) == ("U0001", "alice", "T0001")
    assert match["text"] == "shape of a zebra"
    assert match["channel"]["id"] == "C0001"
    assert match["channel"]["name"] == "general"
    assert match["channel"]["is_channel"] is True
    assert match["permalink"].endswith(f"/archives/C0001/p{match['ts'].replace('.', '')}")
    assert isinstance(match["iid"], str) and isinstance(match["score"], float)


def test_paging_and_pagination_describe_the_page(acme: ServerThread) -> None:
    messages = search(acme, "zebra")
    assert messages["total"] == 1
    assert messages["paging"] == {"count": 20, "total": 1, "page": 1, "pages": 1}
    assert messages["pagination"] == {
        "total_count": 1,
        "page": 1,
        "per_page": 20,
        "page_count": 1,
        "first": 1,
        "last": 1,
    }


def test_in_a_channel_by_name_keeps_to_that_channel(acme: ServerThread) -> None:
    assert sorted(texts(acme, "walrus in:#general")) == ["walrus in general", "walrus said bob"]
    assert texts(acme, "walrus in:random") == ["walrus at random"]


def test_in_a_channel_by_mention_keeps_to_that_channel(acme: ServerThread) -> None:
    assert texts(acme, "walrus in:<#C0002|random>") == ["walrus at random"]
    assert texts(acme, "walrus in:<#C0002>") == ["walrus at random"]


def test_in_a_user_searches_the_dm_with_them(acme: ServerThread) -> None:
    assert texts(acme, "otter in:@pybot") == ["otter in the dm"]


def test_from_a_user_by_name_or_mention(acme: ServerThread) -> None:
    assert texts(acme, "walrus from:@bob") == ["walrus said bob"]
    assert texts(acme, "walrus from:<@U0002>") == ["walrus said bob"]
    assert sorted(texts(acme, "walrus from:me")) == ["walrus at random", "walrus in general"]


def test_a_quoted_phrase_needs_its_words_in_order(acme: ServerThread) -> None:
    assert texts(acme, '"quick brown"') == ["the quick brown fox"]
    assert sorted(texts(acme, "quick brown")) == ["brown the quick fox", "the quick brown fox"]


def test_sort_by_score_puts_the_most_matches_first(acme: ServerThread) -> None:
    assert texts(acme, "heron") == ["heron heron heron", "heron heron", "heron"]
    assert texts(acme, "heron", sort_dir="asc") == ["heron", "heron heron", "heron heron heron"]


def test_sort_by_timestamp_in_either_direction(acme: ServerThread) -> None:
    newest_first = [f"pelican {n}" for n in (5, 4, 3, 2, 1)]
    assert texts(acme, "pelican", sort="timestamp") == newest_first
    assert texts(acme, "pelican", sort="timestamp", sort_dir="asc") == newest_first[::-1]


def test_count_and_page_choose_the_page(acme: ServerThread) -> None:
    messages = search(acme, "pelican", sort="timestamp", count="2", page="2")
    assert [m["text"] for m in messages["matches"]] == ["pelican 3", "pelican 2"]
    assert messages["paging"] == {"count": 2, "total": 5, "page": 2, "pages": 3}
    assert messages["pagination"]["first"] == 3
    assert messages["pagination"]["last"] == 4
    assert messages["pagination"]["page_count"] == 3


def test_a_page_past_the_end_is_empty(acme: ServerThread) -> None:
    messages = search(acme, "pelican", count="2", page="9")
    assert messages["matches"] == []
    assert messages["total"] == 5


def test_page_is_capped_at_a_hundred(acme: ServerThread) -> None:
    assert search(acme, "pelican", page="500")["paging"]["page"] == 100


def test_count_is_capped_at_a_hundred(acme: ServerThread) -> None:
    assert search(acme, "pelican", count="500")["paging"]["count"] == 100


def test_a_user_token_without_search_read_is_missing_scope(acme: ServerThread) -> None:
    body = api(acme, "search.messages", "xoxp-3-granular", query="pelican").body
    assert (body["error"], body["needed"]) == ("missing_scope", "search:read")


def test_a_cursor_walks_every_match_once(acme: ServerThread) -> None:
    seen: list[str] = []
    cursor = "*"
    while cursor:
        body = ok(acme, "search.messages", ALICE, query="pelican", count="2", cursor=cursor)
        seen += [m["text"] for m in body["messages"]["matches"]]
        cursor = body["response_metadata"]["next_cursor"]
    assert sorted(seen) == [f"pelican {n}" for n in range(1, 6)]


def test_a_cursor_of_another_query_is_invalid(acme: ServerThread) -> None:
    body = ok(acme, "search.messages", ALICE, query="pelican", count="2", cursor="*")
    cursor = body["response_metadata"]["next_cursor"]
    assert error_of(acme, "search.messages", ALICE, query="heron", cursor=cursor) == (
        "invalid_cursor"
    )


def test_highlight_marks_the_matched_words(acme: ServerThread) -> None:
    assert texts(acme, "zebra", highlight="true") == [f"shape of a {START}zebra{END}"]
    assert texts(acme, "zebra") == ["shape of a zebra"]


def test_a_private_channel_is_searched_by_its_members_only(acme: ServerThread) -> None:
    assert sorted(texts(acme, "narwhal")) == ["narwhal in the secret room", "narwhal said bob"]
    assert texts(acme, "narwhal", BOB) == ["narwhal said bob"]
    assert texts(acme, "narwhal in:#secret") == ["narwhal in the secret room"]
    assert texts(acme, "narwhal in:#secret", BOB) == []
    assert texts(acme, "narwhal in:<#G0001>", BOB) == []


def test_a_dm_is_searched_by_its_members_only(acme: ServerThread) -> None:
    assert texts(acme, "otter", BOB) == ["otter in general"]
    assert texts(acme, "otter in:<#D0001>", BOB) == []


def test_a_group_dm_is_searched_by_its_members_only(acme: ServerThread) -> None:
    group = ok(acme, "conversations.open", ALICE, users="U0002,U0004")["channel"]["id"]
    ok(acme, "chat.postMessage", BOB, channel=group, text="gannet in the group dm")
    assert texts(acme, "gannet") == ["gannet in the group dm"]
    assert texts(acme, "gannet", ERIN) == []
    assert texts(acme, f"gannet in:<#{group}>", ERIN) == []


def test_another_teams_messages_are_never_found(acme: ServerThread) -> None:
    assert "walrus elsewhere" not in texts(acme, "walrus")
    assert texts(acme, "walrus in:<#C1001>") == []
    assert texts(acme, "walrus", GINA) == ["walrus elsewhere"]


def test_an_empty_query_is_no_query(acme: ServerThread) -> None:
    assert error_of(acme, "search.messages", ALICE, query="  ") == "no_query"
    assert error_of(acme, "search.messages", ALICE) == "no_query"


def test_a_bot_token_may_not_search(acme: ServerThread) -> None:
    assert error_of(acme, "search.messages", BOT, query="walrus") == "is_bot"


def test_slack_sdk_searches_with_its_own_arguments(acme: ServerThread) -> None:
    client = WebClient(token=ALICE, base_url=f"http://127.0.0.1:{acme.port}/api/")
    response = client.search_messages(query="pelican", count=2, page=3, sort="timestamp")
    assert [m["text"] for m in response["messages"]["matches"]] == ["pelican 1"]
    assert response["messages"]["paging"]["pages"] == 3
    with pytest.raises(SlackApiError) as refused:
        WebClient(token=BOT, base_url=client.base_url).search_messages(query="pelican")
    assert refused.value.response["error"] == "is_bot"


def test_the_control_api_searches_as_a_user(acme: ServerThread) -> None:
    act = {"as": "U0002", "method": "search.messages", "args": {"query": "narwhal"}}
    result = admin(acme, "act", act)["result"]
    assert [m["text"] for m in result["messages"]["matches"]] == ["narwhal said bob"]
