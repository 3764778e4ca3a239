"""The legacy families (decisions B.5) through slack_sdk's WebClient, which still has a method
for each: every call answers ok in its historic shape, and the SDK's own deprecation warning
is the only complaint."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from slack_sdk import WebClient

from slackline.testing.server import ServerThread
from tests.helpers.http import start_server

ALICE = "xoxp-1-client"  # U0001: in C0001 C0002 G0001 D0001 of the test workspace
TS = "1700000000.000100"

# Each call and what its answer must hold.
CALLS: list[tuple[str, dict[str, Any], Callable[[dict[str, Any]], bool]]] = [
    ("channels_info", {"channel": "C0001"}, lambda r: r["channel"]["name"] == "general"),
    ("channels_history", {"channel": "C0001"}, lambda r: isinstance(r["messages"], list)),
    ("channels_join", {"name": "general"}, lambda r: r["channel"]["id"] == "C0001"),
    ("channels_mark", {"channel": "C0001", "ts": TS}, lambda r: r["ok"]),
    ("channels_setTopic", {"channel": "C0002", "topic": "t"}, lambda r: r["topic"] == "t"),
    ("channels_setPurpose", {"channel": "C0002", "purpose": "p"}, lambda r: r["purpose"] == "p"),
    ("groups_list", {}, lambda r: "G0001" in {g["id"] for g in r["groups"]}),
    ("groups_info", {"channel": "G0001"}, lambda r: r["group"]["name"] == "secret"),
    ("groups_history", {"channel": "G0001"}, lambda r: isinstance(r["messages"], list)),
    ("groups_mark", {"channel": "G0001", "ts": TS}, lambda r: r["ok"]),
    ("groups_setTopic", {"channel": "G0001", "topic": "t"}, lambda r: r["topic"] == "t"),
    ("groups_setPurpose", {"channel": "G0001", "purpose": "p"}, lambda r: r["purpose"] == "p"),
    ("im_list", {}, lambda r: "D0001" in {im["id"] for im in r["ims"]}),
    ("im_history", {"channel": "D0001"}, lambda r: isinstance(r["messages"], list)),
    ("im_mark", {"channel": "D0001", "ts": TS}, lambda r: r["ok"]),
    ("im_open", {"user": "U0BOT"}, lambda r: r["channel"]["id"] == "D0001"),
    ("mpim_open", {"users": "U0002,U0004"}, lambda r: r["group"]["is_mpim"]),
    ("mpim_list", {}, lambda r: isinstance(r["groups"], list)),
]


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerThread]:
    """A server of this module's own: the calls change topics and read marks."""
    thread = start_server(tmp_path_factory.mktemp("legacy_sdk"))
    yield thread
    thread.stop()


def _client(server: ServerThread) -> WebClient:
    return WebClient(token=ALICE, base_url=server.base_url + "/api/")


def _call(client: WebClient, method: str, args: dict[str, Any]) -> dict[str, Any]:
    # The SDK warns that these methods are deprecated; the answer is what is under test.
    with pytest.warns(UserWarning, match="deprecated"):
        response = getattr(client, method)(**args)
    return dict(response.data) if isinstance(response.data, dict) else {}


@pytest.mark.parametrize(("method", "args", "holds"), CALLS, ids=[c[0] for c in CALLS])
def test_a_legacy_method_answers_through_the_web_client(
    server: ServerThread,
    method: str,
    args: dict[str, Any],
    holds: Callable[[dict[str, Any]], bool],
) -> None:
    body = _call(_client(server), method, args)
    assert body["ok"] and holds(body), body


def test_a_group_dm_opened_with_mpim_open_has_history_marks_and_closes(
    server: ServerThread,
) -> None:
    client = _client(server)
    group = _call(client, "mpim_open", {"users": "U0002,U0005"})["group"]["id"]
    assert _call(client, "mpim_history", {"channel": group})["messages"] == []
    assert _call(client, "mpim_mark", {"channel": group, "ts": TS})["ok"]
    assert _call(client, "mpim_close", {"channel": group})["ok"]


def test_a_dm_opened_with_im_open_closes_with_im_close(server: ServerThread) -> None:
    client = _client(server)
    dm = _call(client, "im_open", {"user": "U0002"})["channel"]["id"]
    assert _call(client, "im_close", {"channel": dm})["ok"]
