"""users.lookupByEmail over real HTTP: a member found by the ``email`` of their profile
(whatever its case), ``users_not_found`` for anyone else (deactivated, of another team, no
such address), and slack_sdk's ``users_lookupByEmail``."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from slackline.testing.server import ServerThread
from tests.helpers.events import ALICE, GINA, error_of, ok
from tests.helpers.http import serving, start_workspace_server

EMAIL_WORKSPACE = """
teams:
  - id: T0001
    users:
      - {id: U0006, name: hana, profile: {email: Hana@Acme.example}}
      - {id: U0007, name: gone, deleted: true, profile: {email: gone@acme.example}}
  - id: T0002
    users:
      - {id: U1002, name: ivan, profile: {email: ivan@globex.example}}
"""


@pytest.fixture(scope="module")
def acme(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerThread]:
    """The test workspace and the people with addresses above."""
    tmp_path = tmp_path_factory.mktemp("lookup")
    yield from serving(start_workspace_server(tmp_path, EMAIL_WORKSPACE))


def test_a_member_is_found_by_email_whatever_its_case(acme: ServerThread) -> None:
    user = ok(acme, "users.lookupByEmail", ALICE, email="hana@ACME.example")["user"]
    assert (user["id"], user["name"], user["profile"]["email"]) == (
        "U0006",
        "hana",
        "Hana@Acme.example",
    )


@pytest.mark.parametrize(
    "email", ["", "nobody@acme.example", "gone@acme.example", "ivan@globex.example"]
)
def test_anyone_else_is_users_not_found(acme: ServerThread, email: str) -> None:
    assert error_of(acme, "users.lookupByEmail", ALICE, email=email) == "users_not_found"


def test_another_team_cannot_find_a_member(acme: ServerThread) -> None:
    error = error_of(acme, "users.lookupByEmail", GINA, email="hana@acme.example")
    assert error == "users_not_found"


def test_slack_sdk_looks_up_by_email(acme: ServerThread) -> None:
    client = WebClient(token=ALICE, base_url=acme.base_url + "/api/")
    assert client.users_lookupByEmail(email="hana@acme.example")["user"]["id"] == "U0006"
    with pytest.raises(SlackApiError) as failed:
        client.users_lookupByEmail(email="nobody@acme.example")
    assert failed.value.response["error"] == "users_not_found"
