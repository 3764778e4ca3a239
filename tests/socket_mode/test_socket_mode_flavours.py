"""Every flavour of ``SocketModeClient`` slack_sdk 3.48 ships, unmodified, against Slackline:
built-in and websocket-client (threads), aiohttp and websockets (asyncio). Each connects
with the app-level token, receives a person's message as an ``events_api`` envelope and
acknowledges it (so it is not sent again)."""

from __future__ import annotations

import asyncio
import queue
from typing import Any

from slack_sdk import WebClient
from slack_sdk.socket_mode.async_client import AsyncBaseSocketModeClient
from slack_sdk.socket_mode.builtin import SocketModeClient as BuiltinClient
from slack_sdk.socket_mode.client import BaseSocketModeClient
from slack_sdk.socket_mode.request import SocketModeRequest
from slack_sdk.socket_mode.response import SocketModeResponse
from slack_sdk.socket_mode.websocket_client import SocketModeClient as WebsocketClientClient
from slack_sdk.web.async_client import AsyncWebClient

from slackline.testing.server import ServerThread
from tests.helpers.cluster import wait_until
from tests.socket_mode.conftest import APP_ID, APP_TOKEN, GENERAL, PERSON_TOKEN

WAIT_SECS = 20.0


def api(server: ServerThread) -> str:
    """The Web API base URL."""
    return f"http://127.0.0.1:{server.port}/api/"


def post(server: ServerThread, text: str) -> None:
    """Post as the person in #general."""
    WebClient(token=PERSON_TOKEN, base_url=api(server)).chat_postMessage(channel=GENERAL, text=text)


def acknowledged(server: ServerThread) -> int:
    """How many envelopes the server has had acknowledged."""
    assert server.app is not None
    return server.app.socket_mode.stats.acknowledged


def connected(server: ServerThread) -> bool:
    """Whether the app has a connection open."""
    assert server.app is not None
    return server.app.socket_mode.connection_count(APP_ID) > 0


def _threaded(server: ServerThread, flavour: type[BuiltinClient | WebsocketClientClient]) -> None:
    texts: queue.Queue[str] = queue.Queue()

    def listener(client: BaseSocketModeClient, request: SocketModeRequest) -> None:
        client.send_socket_mode_response(SocketModeResponse(envelope_id=request.envelope_id))
        texts.put(request.payload["event"]["text"])

    client = flavour(app_token=APP_TOKEN, web_client=WebClient(base_url=api(server)))
    client.socket_mode_request_listeners.append(listener)
    client.connect()
    try:
        wait_until(lambda: connected(server), "the connection", WAIT_SECS)
        before = acknowledged(server)
        post(server, f"to {flavour.__module__}")
        assert texts.get(timeout=WAIT_SECS) == f"to {flavour.__module__}"
        wait_until(lambda: acknowledged(server) == before + 1, "the acknowledgement", WAIT_SECS)
    finally:
        client.close()
    wait_until(lambda: not connected(server), "the close", WAIT_SECS)


async def _asynchronous(server: ServerThread, module: Any) -> None:
    texts: asyncio.Queue[str] = asyncio.Queue()

    async def listener(client: AsyncBaseSocketModeClient, request: SocketModeRequest) -> None:
        await client.send_socket_mode_response(SocketModeResponse(envelope_id=request.envelope_id))
        await texts.put(request.payload["event"]["text"])

    client = module.SocketModeClient(app_token=APP_TOKEN,
                                     web_client=AsyncWebClient(base_url=api(server)))  # fmt: skip
    client.socket_mode_request_listeners.append(listener)
    await client.connect()
    try:
        await asyncio.to_thread(wait_until, lambda: connected(server), "the connection", WAIT_SECS)
        before = acknowledged(server)
        await asyncio.to_thread(post, server, f"to {module.__name__}")
        assert await asyncio.wait_for(texts.get(), WAIT_SECS) == f"to {module.__name__}"
        await asyncio.to_thread(wait_until, lambda: acknowledged(server) == before + 1,
                                "the acknowledgement", WAIT_SECS)  # fmt: skip
    finally:
        await client.close()
    await asyncio.to_thread(wait_until, lambda: not connected(server), "the close", WAIT_SECS)


def test_the_builtin_client_receives_and_acknowledges(server: ServerThread) -> None:
    _threaded(server, BuiltinClient)


def test_the_websocket_client_flavour_receives_and_acknowledges(server: ServerThread) -> None:
    _threaded(server, WebsocketClientClient)


def test_the_aiohttp_flavour_receives_and_acknowledges(server: ServerThread) -> None:
    import slack_sdk.socket_mode.aiohttp as flavour  # noqa: PLC0415 - one flavour per test

    asyncio.run(_asynchronous(server, flavour))


def test_the_websockets_flavour_receives_and_acknowledges(server: ServerThread) -> None:
    import slack_sdk.socket_mode.websockets as flavour  # noqa: PLC0415 - one flavour per test

    asyncio.run(_asynchronous(server, flavour))
