"""emoji.list over real HTTP: custom emoji declared in a workspace file and added or removed
through the control API (``emoji.add``, ``emoji.remove``), aliases, ``include_categories``,
``emoji_changed`` on the sockets of the team only, and slack_sdk's ``emoji_list``."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest
from slack_sdk import WebClient

from slackline.testing.server import ServerThread
from tests.helpers.events import (
    ADMIN_TOKEN,
    ALICE,
    BOB,
    GINA,
    GRID_BOT,
    admin,
    barrier,
    of_type,
    ok,
    start_event_server,
    types_until,
)
from tests.helpers.http import http_request, serving
from tests.helpers.rtm import open_socket, recv_until

EMOJI_WORKSPACE = """
teams:
  - id: T0001
    emoji:
      party-parrot: https://emoji.example/parrot.gif
      parrot: alias:party-parrot
      ":thumbsup_all:": alias:+1
  - id: T0002
    emoji:
      globe-spin: https://emoji.example/globe.gif
"""


@pytest.fixture(scope="module")
def acme(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerThread]:
    """The test workspace, the event tests' people and the emoji above."""
    yield from serving(start_event_server(tmp_path_factory.mktemp("emoji"), EMOJI_WORKSPACE))


def emoji(server: ServerThread, token: str = ALICE) -> dict[str, str]:
    """emoji.list's ``emoji``."""
    return dict(ok(server, "emoji.list", token)["emoji"])


def test_declared_emoji_are_listed_with_their_aliases(acme: ServerThread) -> None:
    listed = emoji(acme)
    assert listed["party-parrot"] == "https://emoji.example/parrot.gif"
    assert listed["parrot"] == "alias:party-parrot"
    assert listed["thumbsup_all"] == "alias:+1"  # the colons around a name are dropped


def test_list_answers_a_cache_ts(acme: ServerThread) -> None:
    cache_ts = ok(acme, "emoji.list", ALICE)["cache_ts"]
    assert isinstance(cache_ts, str) and float(cache_ts) > 0


def test_include_categories_adds_the_categories(acme: ServerThread) -> None:
    body = ok(acme, "emoji.list", ALICE, include_categories="true")
    names = [c["name"] for c in body["categories"]]
    assert "smileys_people" in names and isinstance(body["categories_version"], str)
    assert all(c["emoji_names"] for c in body["categories"])
    assert "categories" not in ok(acme, "emoji.list", ALICE)


def test_another_teams_emoji_are_never_listed(acme: ServerThread) -> None:
    assert "globe-spin" not in emoji(acme)
    assert set(emoji(acme, GINA)) == {"globe-spin"}


def test_an_emoji_added_by_the_admin_api_is_announced_to_the_team(acme: ServerThread) -> None:
    with open_socket(acme, BOB) as bob:
        added = admin(
            acme, "emoji.add", {"team": "T0001", "name": "shipit", "value": "https://e.x/s.png"}
        )
        event = recv_until(bob, of_type("emoji_changed"))
    assert (added["name"], added["value"]) == ("shipit", "https://e.x/s.png")
    assert (event["subtype"], event["name"], event["value"]) == ("add", "shipit", added["value"])
    assert isinstance(event["event_ts"], str)
    assert emoji(acme, BOB)["shipit"] == "https://e.x/s.png"


def test_a_removed_emoji_is_announced_and_gone(acme: ServerThread) -> None:
    admin(acme, "emoji.add", {"team": "T0001", "name": "brief", "value": "alias:smile"})
    with open_socket(acme, BOB) as bob:
        assert admin(acme, "emoji.remove", {"team": "T0001", "name": "brief"})["removed"] is True
        event = recv_until(bob, of_type("emoji_changed"))
    assert (event["subtype"], event["names"]) == ("remove", ["brief"])
    assert "brief" not in emoji(acme)


def test_removing_a_missing_emoji_changes_and_announces_nothing(acme: ServerThread) -> None:
    with open_socket(acme, BOB) as bob:
        assert admin(acme, "emoji.remove", {"team": "T0001", "name": "never"})["removed"] is False
        barrier(acme, "remove barrier")
        assert "emoji_changed" not in types_until(bob, "remove barrier")


def test_adding_an_emoji_with_its_value_announces_nothing(acme: ServerThread) -> None:
    value = {"team": "T0001", "name": "party-parrot", "value": "https://emoji.example/parrot.gif"}
    with open_socket(acme, BOB) as bob:
        admin(acme, "emoji.add", value)
        barrier(acme, "same emoji barrier")
        assert "emoji_changed" not in types_until(bob, "same emoji barrier")


def test_emoji_changes_never_reach_another_team(acme: ServerThread) -> None:
    with open_socket(acme, GINA) as gina:
        admin(acme, "emoji.add", {"team": "T0001", "name": "acme-only", "value": "alias:x"})
        admin(acme, "emoji.remove", {"team": "T0001", "name": "acme-only"})
        barrier(acme, "globex emoji barrier", channel="C1001", token=GRID_BOT)
        assert types_until(gina, "globex emoji barrier") == []


@pytest.mark.parametrize(
    ("body", "status", "error"),
    [
        ({"team": "T0001", "name": "Bad Name", "value": "alias:x"}, 400, "invalid_arguments"),
        ({"team": "T0001", "name": "ok", "value": "ftp://x/y.png"}, 400, "invalid_arguments"),
        ({"team": "T9999", "name": "ok", "value": "alias:x"}, 404, "team_not_found"),
        ({"team": "T0001", "name": "ok"}, 400, "invalid_arguments"),
    ],
)
def test_the_admin_api_refuses_what_cannot_be_an_emoji(
    acme: ServerThread, body: dict[str, str], status: int, error: str
) -> None:
    headers = {"Authorization": f"Bearer {ADMIN_TOKEN}", "Content-Type": "application/json"}
    result = http_request(
        acme.port, "POST", "/_slackline/admin/emoji.add", json.dumps(body), headers
    )
    assert (result.status, result.body["error"]) == (status, error)


def test_slack_sdk_lists_the_emoji(acme: ServerThread) -> None:
    client = WebClient(token=ALICE, base_url=acme.base_url + "/api/")
    assert client.emoji_list()["emoji"]["parrot"] == "alias:party-parrot"
    assert client.emoji_list(include_categories=True)["categories"]
