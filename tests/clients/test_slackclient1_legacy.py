"""The legacy families through slackclient 1.x, unmodified (``api_call`` as bots written for it
call them, ``.venv-slackclient1``): each method answers in the historic shape that client's
users read, with the token and arguments the library sends."""

from __future__ import annotations

import json
import subprocess
from collections.abc import Iterator
from typing import Any

import pytest

from slackline.testing.server import ServerThread
from tests.clients.harness import DRIVERS, client_environment, venv_python
from tests.helpers.events import ALICE, BOB, ok, start_event_server

CALL_TIMEOUT_SECS = 60


@pytest.fixture(scope="module")
def acme(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerThread]:
    """The test workspace with the event tests' people; a message in #general and #secret."""
    server = start_event_server(tmp_path_factory.mktemp("slackclient1_legacy"))
    try:
        ok(server, "chat.postMessage", BOB, channel="C0001", text="hello from bob")
        ok(server, "chat.postMessage", ALICE, channel="G0001", text="hello secret")
        yield server
    finally:
        server.stop()


def api_calls(server: ServerThread, token: str, *calls: tuple[str, dict[str, Any]]) -> list[Any]:
    """Each call's answer, as slackclient 1's ``api_call`` returned it (the body, and the
    response's ``headers``, which the library adds)."""
    lines = "".join(json.dumps([method, args]) + "\n" for method, args in calls)
    done = subprocess.run(
        [venv_python(".venv-slackclient1"), str(DRIVERS / "slackclient1_calls.py")],
        input=lines,
        capture_output=True,
        text=True,
        env=client_environment(SLACKLINE_BASE_URL=server.base_url, SLACKLINE_TOKEN=token),
        timeout=CALL_TIMEOUT_SECS,
        check=True,
    )
    return [json.loads(line) for line in done.stdout.splitlines()]


def test_im_open_history_mark_and_close(acme: ServerThread) -> None:
    (opened,) = api_calls(acme, ALICE, ("im.open", {"user": "U0002"}))
    dm = opened["channel"]["id"]
    ts = ok(acme, "chat.postMessage", BOB, channel=dm, text="a word, alice")["ts"]
    listed, history, marked, closed = api_calls(
        acme,
        ALICE,
        ("im.list", {}),
        ("im.history", {"channel": dm, "count": 10}),
        ("im.mark", {"channel": dm, "ts": ts}),
        ("im.close", {"channel": dm}),
    )
    assert [im["user"] for im in listed["ims"] if im["id"] == dm] == ["U0002"]
    assert [m["text"] for m in history["messages"]] == ["a word, alice"]
    assert history["has_more"] is False
    assert (marked["ok"], closed["ok"]) == (True, True)
    assert "no_op" not in closed


def test_channels_info_history_and_join(acme: ServerThread) -> None:
    info, history, joined = api_calls(
        acme,
        ALICE,
        ("channels.info", {"channel": "C0001"}),
        ("channels.history", {"channel": "C0001", "count": 1}),
        ("channels.join", {"name": "general"}),
    )
    assert (info["channel"]["name"], info["channel"]["is_member"]) == ("general", True)
    assert "U0002" in info["channel"]["members"]
    assert [m["text"] for m in history["messages"]] == ["hello from bob"]
    assert (joined["already_in_channel"], joined["channel"]["id"]) == (True, "C0001")


def test_groups_list_info_and_history(acme: ServerThread) -> None:
    listed, info, history = api_calls(
        acme,
        ALICE,
        ("groups.list", {}),
        ("groups.info", {"channel": "G0001"}),
        ("groups.history", {"channel": "G0001"}),
    )
    assert "G0001" in [g["id"] for g in listed["groups"]]
    assert (info["group"]["name"], info["group"]["is_group"]) == ("secret", True)
    assert [m["text"] for m in history["messages"]] == ["hello secret"]


def test_mpim_list_and_history(acme: ServerThread) -> None:
    group = ok(acme, "conversations.open", ALICE, users="U0002,U0004")["channel"]["id"]
    ok(acme, "chat.postMessage", ALICE, channel=group, text="hello both")
    listed, history = api_calls(acme, BOB, ("mpim.list", {}), ("mpim.history", {"channel": group}))
    assert group in [g["id"] for g in listed["groups"]]
    assert [m["text"] for m in history["messages"]] == ["hello both"]


def test_a_private_group_stays_hidden_from_a_non_member(acme: ServerThread) -> None:
    info, history = api_calls(
        acme, BOB, ("groups.info", {"channel": "G0001"}), ("groups.history", {"channel": "G0001"})
    )
    assert (info["ok"], info["error"]) == (False, "channel_not_found")
    assert (history["ok"], history["error"]) == (False, "channel_not_found")
