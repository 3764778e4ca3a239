"""api.test and team.profile.get over real HTTP: ``api.test`` without a token, its echo and
its ``error``; the team's profile fields from a workspace file, by ``visibility``, never
another team's; both through slack_sdk."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from slackline.testing.server import ServerThread
from tests.helpers.events import ALICE, GINA, error_of, ok
from tests.helpers.http import api, http_request, serving, start_workspace_server

PROFILE_WORKSPACE = """
teams:
  - id: T0001
    profile_fields:
      - {id: Xf02, label: Office, type: options_list, ordering: 1,
         possible_values: [Paris, Lima]}
      - {id: Xf01, label: Pronouns, hint: How to call you, ordering: 0}
      - {id: Xf03, label: Badge, ordering: 2, is_hidden: true}
  - id: T0002
    profile_fields:
      - {id: Xf91, label: Globex only}
"""


@pytest.fixture(scope="module")
def acme(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerThread]:
    """The test workspace and the profile fields above."""
    tmp_path = tmp_path_factory.mktemp("misc")
    yield from serving(start_workspace_server(tmp_path, PROFILE_WORKSPACE))


def test_api_test_needs_no_token(acme: ServerThread) -> None:
    result = http_request(acme.port, "POST", "/api/api.test", b"")
    assert (result.status, result.body) == (200, {"ok": True})


def test_api_test_echoes_its_arguments_without_the_token(acme: ServerThread) -> None:
    body = api(acme, "api.test", ALICE, foo="bar", n="1").body
    assert body == {"ok": True, "args": {"foo": "bar", "n": "1"}}


def test_api_test_ignores_a_token_that_is_no_token(acme: ServerThread) -> None:
    assert api(acme, "api.test", "xoxb-unknown").body == {"ok": True}


def test_api_test_fails_with_the_error_asked_for(acme: ServerThread) -> None:
    body = api(acme, "api.test", None, error="my_error", foo="bar").body
    assert body == {"ok": False, "error": "my_error", "args": {"error": "my_error", "foo": "bar"}}


def test_api_test_reads_query_strings_too(acme: ServerThread) -> None:
    result = http_request(acme.port, "GET", "/api/api.test?x=1")
    assert result.body == {"ok": True, "args": {"x": "1"}}


def test_slack_sdk_api_test_round_trips(acme: ServerThread) -> None:
    client = WebClient(base_url=acme.base_url + "/api/")
    assert client.api_test(foo="bar")["args"] == {"foo": "bar"}
    with pytest.raises(SlackApiError) as failed:
        client.api_test(error="not_really")
    assert failed.value.response["error"] == "not_really"


def test_profile_get_answers_the_teams_fields_by_ordering(acme: ServerThread) -> None:
    fields = ok(acme, "team.profile.get", ALICE)["profile"]["fields"]
    assert [f["id"] for f in fields] == ["Xf01", "Xf02", "Xf03"]
    pronouns, office, _ = fields
    assert (pronouns["label"], pronouns["hint"], pronouns["type"]) == (
        "Pronouns",
        "How to call you",
        "text",
    )
    assert (office["type"], office["possible_values"]) == ("options_list", ["Paris", "Lima"])
    assert pronouns["possible_values"] is None and pronouns["is_hidden"] is False


@pytest.mark.parametrize(
    ("visibility", "ids"), [("visible", ["Xf01", "Xf02"]), ("hidden", ["Xf03"])]
)
def test_profile_get_filters_by_visibility(
    acme: ServerThread, visibility: str, ids: list[str]
) -> None:
    fields = ok(acme, "team.profile.get", ALICE, visibility=visibility)["profile"]["fields"]
    assert [f["id"] for f in fields] == ids


def test_profile_get_refuses_an_unknown_visibility(acme: ServerThread) -> None:
    assert error_of(acme, "team.profile.get", ALICE, visibility="some") == "invalid_arguments"


def test_profile_get_never_shows_another_teams_fields(acme: ServerThread) -> None:
    fields = ok(acme, "team.profile.get", GINA)["profile"]["fields"]
    assert [f["id"] for f in fields] == ["Xf91"]


def test_slack_sdk_gets_the_team_profile(acme: ServerThread) -> None:
    client = WebClient(token=ALICE, base_url=acme.base_url + "/api/")
    assert len(client.team_profile_get()["profile"]["fields"]) == 3
