"""pins.add, pins.remove and pins.list over real HTTP, on SQLite and PostgreSQL: Slack's shapes and
errors, ``pin_added``/``pin_removed`` on the sockets of the conversation's members only,
slack_sdk's ``pins_*``, and what stays invisible (private conversations the caller is not in,
other teams)."""

from __future__ import annotations

from collections.abc import Iterator
from functools import partial
from typing import Any

import pytest
from slack_sdk import WebClient

from slackline.testing.server import ServerThread
from tests.helpers.events import (
    ALICE,
    BOB,
    DAVE,
    GINA,
    admin,
    barrier,
    error_of,
    frames_until,
    ok,
    start_event_server,
    types_until,
)
from tests.helpers.postgres import on_backend
from tests.helpers.rtm import open_socket

# An archived channel alice is in.
PINS_WORKSPACE = """
teams:
  - id: T0001
    conversations:
      - {id: C0010, name: attic, members: [U0001]}
"""


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def acme(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[ServerThread]:
    """The test workspace, the event tests' people and the attic (archived below), on each
    backend."""
    tmp_path = tmp_path_factory.mktemp("pins")
    start = partial(start_event_server, tmp_path, PINS_WORKSPACE)
    with on_backend(request.param, start) as server:
        yield server


def post(server: ServerThread, text: str, channel: str = "C0001", token: str = ALICE) -> str:
    """Post a message; its ts."""
    return str(ok(server, "chat.postMessage", token, channel=channel, text=text)["ts"])


def pins(server: ServerThread, channel: str = "C0001", token: str = ALICE) -> list[Any]:
    """pins.list that must succeed; its items."""
    return list(ok(server, "pins.list", token, channel=channel)["items"])


def test_a_pinned_message_is_listed_in_slacks_shape(acme: ServerThread) -> None:
    ts = post(acme, "pin shape")
    ok(acme, "pins.add", ALICE, channel="C0001", timestamp=ts)
    (item,) = [i for i in pins(acme, token=BOB) if i["message"]["ts"] == ts]
    assert (item["type"], item["channel"], item["created_by"]) == ("message", "C0001", "U0001")
    assert isinstance(item["created"], int)
    assert item["message"]["text"] == "pin shape"
    assert item["message"]["pinned_to"] == ["C0001"]
    assert item["message"]["permalink"].endswith(f"/archives/C0001/p{ts.replace('.', '')}")
    ok(acme, "pins.remove", ALICE, channel="C0001", timestamp=ts)


def test_pins_are_listed_newest_pin_first(acme: ServerThread) -> None:
    first, second = post(acme, "pinned first"), post(acme, "pinned second")
    ok(acme, "pins.add", ALICE, channel="C0002", timestamp=post(acme, "x", "C0002"))
    for ts in (second, first):
        ok(acme, "pins.add", BOB, channel="C0001", timestamp=ts)
    listed = [i["message"]["ts"] for i in pins(acme)]
    assert listed.index(first) < listed.index(second)
    for ts in (first, second):
        ok(acme, "pins.remove", BOB, channel="C0001", timestamp=ts)


def test_an_unpinned_message_leaves_the_list(acme: ServerThread) -> None:
    ts = post(acme, "briefly pinned")
    ok(acme, "pins.add", ALICE, channel="C0001", timestamp=ts)
    ok(acme, "pins.remove", BOB, channel="C0001", timestamp=ts)
    assert ts not in [i["message"]["ts"] for i in pins(acme)]


def test_pin_added_reaches_the_members_only(acme: ServerThread) -> None:
    ts = post(acme, "pin event")
    with open_socket(acme, BOB) as bob, open_socket(acme, DAVE) as dave:
        ok(acme, "pins.add", ALICE, channel="C0001", timestamp=ts)
        barrier(acme, "after pin_added")
        seen = [f for f in frames_until(bob, "after pin_added") if f["type"] == "pin_added"]
        assert "pin_added" not in types_until(dave, "after pin_added")
    (event,) = seen
    assert (event["user"], event["channel_id"]) == ("U0001", "C0001")
    assert event["item"]["message"]["ts"] == ts
    assert event["item"]["type"] == "message"
    assert isinstance(event["event_ts"], str)
    ok(acme, "pins.remove", ALICE, channel="C0001", timestamp=ts)


def test_pin_removed_says_whether_pins_remain(acme: ServerThread) -> None:
    one, two = post(acme, "pin one", "C0002"), post(acme, "pin two", "C0002")
    for ts in (one, two):
        ok(acme, "pins.add", ALICE, channel="C0002", timestamp=ts)
    for ts in pins(acme, "C0002"):
        if ts["message"]["ts"] not in (one, two):
            ok(acme, "pins.remove", ALICE, channel="C0002", timestamp=ts["message"]["ts"])
    with open_socket(acme, ALICE) as alice:
        ok(acme, "pins.remove", ALICE, channel="C0002", timestamp=one)
        ok(acme, "pins.remove", ALICE, channel="C0002", timestamp=two)
        barrier(acme, "after pin_removed")
        seen = [f for f in frames_until(alice, "after pin_removed") if f["type"] == "pin_removed"]
    assert [(e["item"]["message"]["ts"], e["has_pins"]) for e in seen] == [
        (one, True),
        (two, False),
    ]
    assert seen[0]["channel_id"] == "C0002"


def test_a_private_channels_pins_stay_with_its_members(acme: ServerThread) -> None:
    ts = post(acme, "secret pin", "G0001")
    with open_socket(acme, BOB) as bob:
        ok(acme, "pins.add", ALICE, channel="G0001", timestamp=ts)
        barrier(acme, "after secret pin")
        assert "pin_added" not in types_until(bob, "after secret pin")
    assert error_of(acme, "pins.list", BOB, channel="G0001") == "channel_not_found"
    assert error_of(acme, "pins.add", BOB, channel="G0001", timestamp=ts) == ("channel_not_found")
    assert error_of(acme, "pins.remove", BOB, channel="G0001", timestamp=ts) == (
        "channel_not_found"
    )
    assert [i["message"]["ts"] for i in pins(acme, "G0001")] == [ts]


def test_another_teams_pins_stay_invisible(acme: ServerThread) -> None:
    ts = post(acme, "acme only")
    ok(acme, "pins.add", ALICE, channel="C0001", timestamp=ts)
    assert error_of(acme, "pins.list", GINA, channel="C0001") == "channel_not_found"
    assert error_of(acme, "pins.add", GINA, channel="C0001", timestamp=ts) == ("channel_not_found")
    assert error_of(acme, "pins.remove", GINA, channel="C0001", timestamp=ts) == (
        "channel_not_found"
    )
    ok(acme, "pins.remove", ALICE, channel="C0001", timestamp=ts)


def test_pinning_twice_is_already_pinned(acme: ServerThread) -> None:
    ts = post(acme, "pin twice")
    ok(acme, "pins.add", ALICE, channel="C0001", timestamp=ts)
    assert error_of(acme, "pins.add", BOB, channel="C0001", timestamp=ts) == "already_pinned"
    ok(acme, "pins.remove", ALICE, channel="C0001", timestamp=ts)


def test_unpinning_what_is_not_pinned_is_no_pin(acme: ServerThread) -> None:
    ts = post(acme, "never pinned")
    assert error_of(acme, "pins.remove", ALICE, channel="C0001", timestamp=ts) == "no_pin"


def test_a_missing_message_is_message_not_found(acme: ServerThread) -> None:
    for method in ("pins.add", "pins.remove"):
        assert error_of(acme, method, ALICE, channel="C0001", timestamp="1.000001") == (
            "message_not_found"
        )


def test_no_timestamp_is_no_item_specified(acme: ServerThread) -> None:
    assert error_of(acme, "pins.add", ALICE, channel="C0001") == "no_item_specified"


def test_a_malformed_timestamp_is_bad_timestamp(acme: ServerThread) -> None:
    assert error_of(acme, "pins.add", ALICE, channel="C0001", timestamp="soon") == ("bad_timestamp")


def test_an_unknown_channel_is_channel_not_found(acme: ServerThread) -> None:
    assert error_of(acme, "pins.list", ALICE, channel="C9999") == "channel_not_found"
    assert error_of(acme, "pins.add", ALICE, channel="C9999", timestamp="1.000001") == (
        "channel_not_found"
    )


def test_pinning_needs_membership(acme: ServerThread) -> None:
    ts = post(acme, "dave cannot pin")
    assert error_of(acme, "pins.add", DAVE, channel="C0001", timestamp=ts) == "not_in_channel"
    assert pins(acme, token=DAVE) == pins(acme)


def test_a_system_message_is_not_pinnable(acme: ServerThread) -> None:
    ok(acme, "conversations.join", DAVE, channel="C0002")
    history = ok(acme, "conversations.history", ALICE, channel="C0002", limit="1")
    (joined,) = history["messages"]
    assert joined["subtype"] == "channel_join"
    assert error_of(acme, "pins.add", ALICE, channel="C0002", timestamp=joined["ts"]) == (
        "not_pinnable"
    )


def test_an_archived_channel_takes_no_new_pins(acme: ServerThread) -> None:
    ts = post(acme, "in the attic", "C0010")
    ok(acme, "pins.add", ALICE, channel="C0010", timestamp=ts)
    ok(acme, "conversations.archive", ALICE, channel="C0010")
    assert error_of(acme, "pins.add", ALICE, channel="C0010", timestamp=ts) == "is_archived"
    assert [i["message"]["ts"] for i in pins(acme, "C0010")] == [ts]


def test_slack_sdk_pins_add_list_and_remove(acme: ServerThread) -> None:
    client = WebClient(token=ALICE, base_url=f"http://127.0.0.1:{acme.port}/api/")
    ts = post(acme, "pinned by the sdk")
    client.pins_add(channel="C0001", timestamp=ts)
    listed = client.pins_list(channel="C0001")["items"]
    assert ts in [i["message"]["ts"] for i in listed]
    client.pins_remove(channel="C0001", timestamp=ts)
    assert ts not in [i["message"]["ts"] for i in client.pins_list(channel="C0001")["items"]]


def test_the_control_api_pins_as_a_user(acme: ServerThread) -> None:
    ts = post(acme, "pinned through act")
    with open_socket(acme, BOB) as bob:
        act = {"as": "U0001", "method": "pins.add", "args": {"channel": "C0001", "timestamp": ts}}
        assert admin(acme, "act", act)["result"] == {"ok": True}
        barrier(acme, "after act pin")
        kinds = types_until(bob, "after act pin")
    assert "pin_added" in kinds
    assert ts in [i["message"]["ts"] for i in pins(acme)]
    ok(acme, "pins.remove", ALICE, channel="C0001", timestamp=ts)
