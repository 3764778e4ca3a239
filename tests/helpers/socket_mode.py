"""A Socket Mode app for tests: slack_sdk's built-in ``SocketModeClient`` (unmodified)
connected to a test server with a listener, until the block ends."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from slack_sdk import WebClient
from slack_sdk.socket_mode import SocketModeClient
from slack_sdk.socket_mode.client import BaseSocketModeClient
from slack_sdk.socket_mode.request import SocketModeRequest
from slack_sdk.socket_mode.response import SocketModeResponse

from slackline.testing.server import ServerThread
from tests.helpers.cluster import wait_until

WAIT_SECS = 20.0
Listener = Callable[[BaseSocketModeClient, SocketModeRequest], None]


def acknowledge(client: BaseSocketModeClient, request: SocketModeRequest) -> None:
    """A listener that acknowledges every envelope and does nothing else."""
    client.send_socket_mode_response(SocketModeResponse(envelope_id=request.envelope_id))


@contextmanager
def connected_app(
    server: ServerThread, app_token: str, app_id: str, listener: Listener
) -> Iterator[SocketModeClient]:
    """The app connected with ``listener`` once the server counts its connection; closed
    (bounded: slack_sdk's close joins its threads without one) when the block ends."""
    assert server.app is not None
    hub = server.app.socket_mode
    base = f"http://127.0.0.1:{server.port}/api/"
    client = SocketModeClient(app_token=app_token, web_client=WebClient(base_url=base))
    client.socket_mode_request_listeners.append(listener)
    client.connect()
    try:
        wait_until(lambda: hub.connection_count(app_id) == 1, "the app's connection", WAIT_SECS)
        yield client
    finally:
        closer = threading.Thread(target=client.close, daemon=True)
        closer.start()
        closer.join(WAIT_SECS)
        wait_until(lambda: hub.connection_count(app_id) == 0, "the app's close", WAIT_SECS)
