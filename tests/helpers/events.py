"""Helpers for the event tests: a server with more users' tokens, barriers, calls, and the
events a server publishes."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from websockets.sync.client import ClientConnection

from slackline.app import Components
from slackline.broker import Event
from slackline.testing.server import ServerThread
from tests.helpers.http import api, http_request, start_workspace_server
from tests.helpers.rtm import recv_json

ADMIN_TOKEN = "admin-secret"
ALICE = "xoxp-1-client"  # U0001, admin, in C0001 C0002 G0001 D0001
BOB = "xoxp-bob-client"  # U0002, in C0001
DAVE = "xoxp-dave-client"  # U0004, in no channel of the base workspace
ERIN = "xoxp-erin-client"  # U0005
BOT = "xoxb-1-classic"  # U0BOT
GINA = "xoxp-grid-user"  # U1001, team T0002
GRID_BOT = "xoxb-grid-bot"
# C0009 has every Acme person above: the barrier channel.
EXTRA_WORKSPACE = """
teams:
  - id: T0001
    conversations:
      - {id: C0009, name: everyone, members: [U0001, U0002, U0004, U0005, U0BOT]}
    tokens:
      - {token: xoxp-bob-client, user: U0002, type: user, scopes: [client]}
      - {token: xoxp-dave-client, user: U0004, type: user, scopes: [client]}
      - {token: xoxp-erin-client, user: U0005, type: user, scopes: [client]}
"""


def start_event_server(
    tmp_path: Path, *documents: str, components: Components | None = None, **overrides: Any
) -> ServerThread:
    """A server with the test workspace, the tokens above, then any further workspace
    documents, and the admin API on; the caller stops it."""
    return start_workspace_server(
        tmp_path,
        EXTRA_WORKSPACE,
        *documents,
        components=components,
        admin_token=ADMIN_TOKEN,
        **overrides,
    )


def ok(server: ServerThread, method: str, token: str, **args: str) -> dict[str, Any]:
    """Call a method that must succeed; its body."""
    body = api(server, method, token, **args).body
    assert body["ok"], body
    return body


def error_of(server: ServerThread, method: str, token: str, **args: str) -> str:
    """Call a method that must fail; its error code."""
    body = api(server, method, token, **args).body
    assert not body["ok"], body
    return str(body["error"])


def of_type(kind: str, subtype: str | None = None) -> Callable[[dict[str, Any]], bool]:
    """A frame predicate: this ``type`` (and ``subtype``)."""
    return lambda f: f.get("type") == kind and (subtype is None or f.get("subtype") == subtype)


def barrier(server: ServerThread, text: str, channel: str = "C0009", token: str = BOT) -> None:
    """Post a message every observer sees after everything published before it."""
    ok(server, "chat.postMessage", token, channel=channel, text=text)


def frames_until(ws: ClientConnection, text: str) -> list[dict[str, Any]]:
    """Every frame up to and including the message with ``text`` (events reach a session in
    publish order, so what is not seen before the barrier never came)."""
    seen = []
    while True:
        frame = recv_json(ws)
        seen.append(frame)
        if frame.get("type") == "message" and frame.get("text") == text:
            return seen


def types_until(ws: ClientConnection, text: str) -> list[str]:
    """The ``type`` (``type/subtype`` for messages with one) of every frame up to a barrier."""
    kinds = []
    for frame in frames_until(ws, text)[:-1]:
        kind = str(frame.get("type"))
        kinds.append(f"{kind}/{frame['subtype']}" if frame.get("subtype") else kind)
    return kinds


def admin(server: ServerThread, endpoint: str, body: dict[str, Any]) -> dict[str, Any]:
    """Call an admin endpoint that must succeed, with a JSON body; its answer."""
    headers = {"Authorization": f"Bearer {ADMIN_TOKEN}", "Content-Type": "application/json"}
    path = f"/_slackline/admin/{endpoint}"
    result = http_request(server.port, "POST", path, json.dumps(body), headers)
    assert result.body.get("ok"), result.body
    return result.body


@contextmanager
def recorded_events(server: ServerThread) -> Iterator[list[Event]]:
    """Every event the server publishes while the block runs, via a real broker subscription."""
    events: list[Event] = []

    def record(message: object) -> None:
        if isinstance(message, Event):
            events.append(message)

    async def subscribe() -> object:
        assert server.app is not None
        return server.app.broker.subscribe(record)

    unsubscribe = server.run(subscribe())
    try:
        yield events
    finally:

        async def stop() -> None:
            assert callable(unsubscribe)
            unsubscribe()

        server.run(stop())
