"""Every flavour of ``SocketModeClient`` slack_sdk 3.48 ships, unmodified, against Slackline:
built-in and websocket-client (threads), aiohttp and websockets (asyncio, each on a loop of
its own in a thread). Each connects with the app-level token, receives a person's message and
its ``app_mention`` and answers the mention with chat.postMessage through its own web client;
reconnects by itself after the server drops its socket and after a ``disconnect`` frame; and
gets an envelope it left unacknowledged again, with ``retry_attempt`` 1.

The built-in, aiohttp and websockets clients are given a short ``ping_interval``
(:data:`PING_SECS`, a public constructor option of every flavour): they look at their socket
once per ping interval, and their defaults (5 or 10 seconds) would only make the reconnect
tests slower. websocket-client's keeps its default (see :data:`PING_SECS` for why).

:func:`connected` and :class:`Listener` are what tests/web/test_slack_sdk_flavours_browser.py
runs the same four flavours with."""

from __future__ import annotations

import asyncio
import queue
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import pytest
from slack_sdk import WebClient
from slack_sdk.socket_mode.aiohttp import SocketModeClient as AiohttpClient
from slack_sdk.socket_mode.async_client import AsyncBaseSocketModeClient
from slack_sdk.socket_mode.builtin import SocketModeClient as BuiltinClient
from slack_sdk.socket_mode.client import BaseSocketModeClient
from slack_sdk.socket_mode.request import SocketModeRequest
from slack_sdk.socket_mode.response import SocketModeResponse
from slack_sdk.socket_mode.websocket_client import SocketModeClient as WebsocketClientClient
from slack_sdk.socket_mode.websockets import SocketModeClient as WebsocketsClient
from slack_sdk.web.async_client import AsyncWebClient
from slack_sdk.webhook import WebhookClient
from slack_sdk.webhook.async_client import AsyncWebhookClient

from slackline.socket_mode.hub import SocketModeHub
from slackline.testing.server import ServerThread
from tests.helpers.cluster import wait_until
from tests.socket_mode.conftest import (
    APP_ID,
    APP_TOKEN,
    BOT_TOKEN,
    BOT_USER,
    GENERAL,
    PERSON,
    PERSON_TOKEN,
)
from tests.socket_mode.test_slack_sdk_socket_mode import hub, on_loop

WAIT_SECS = 20.0  # a bound on two shared cores, never a sleep
# Each client's ping_interval: how often it looks at its socket. websocket-client's keeps its
# default: it reconnects from its close callback at once, and its socket monitor, each ping
# interval, takes the new session (not yet started by its runner thread, half a second
# later) for a closed one and replaces it, a race a short interval makes likely.
PING_SECS = {"builtin": 1.0, "websocket_client": 10.0, "aiohttp": 1.0, "websockets": 1.0}
SKIP = "skip-once"  # a message starting so is not acknowledged the first time it comes

THREADED: dict[str, type[BuiltinClient | WebsocketClientClient]] = {
    "builtin": BuiltinClient,
    "websocket_client": WebsocketClientClient,
}
ASYNCHRONOUS: dict[str, type[AiohttpClient | WebsocketsClient]] = {
    "aiohttp": AiohttpClient,
    "websockets": WebsocketsClient,
}
FLAVOURS = [*THREADED, *ASYNCHRONOUS]


@dataclass(frozen=True)
class Answer:
    """What a listener sends once it has a request: ``text`` in ``channel`` with
    chat.postMessage through the client's own web client, or, with ``response_url``,
    ``text`` in the channel on that URL."""

    text: str
    channel: str = ""
    response_url: str = ""


def no_answer(request: SocketModeRequest) -> Answer | None:
    """Answer nothing."""
    return None


class Listener:
    """What a test's app does with each request, whatever the flavour runs it: acknowledge
    it (but not the first delivery of a message starting with :data:`SKIP`), send what
    ``answer`` says, then hand the request on to the test."""

    def __init__(self, answer: Callable[[SocketModeRequest], Answer | None] = no_answer) -> None:
        self.answer = answer
        self.requests: queue.Queue[SocketModeRequest] = queue.Queue()
        self.seen: list[SocketModeRequest] = []  # what the test thread took off the queue

    def acknowledges(self, request: SocketModeRequest) -> bool:
        """Whether to acknowledge the request: all but a first delivery of a :data:`SKIP`."""
        text = str(request.payload.get("event", {}).get("text", ""))
        return not (text.startswith(SKIP) and request.retry_attempt == 0)

    def find(self, matches: Callable[[SocketModeRequest], bool], what: str) -> SocketModeRequest:
        """The first request that matches, of all the listener got (within :data:`WAIT_SECS`
        for one that is yet to come); requests that do not match are kept for later calls."""
        deadline = time.monotonic() + WAIT_SECS
        while True:
            for request in self.seen:
                if matches(request):
                    return request
            remaining = deadline - time.monotonic()
            try:
                self.seen.append(self.requests.get(timeout=max(remaining, 0.0)))
            except queue.Empty:
                raise AssertionError(f"no {what} within {WAIT_SECS} s") from None

    def event(self, event_type: str, text: str, retry_attempt: int = 0) -> SocketModeRequest:
        """The ``events_api`` request of an event of this type and text (and delivery)."""
        return self.find(
            lambda r: (
                r.type == "events_api"
                and r.payload["event"].get("type") == event_type
                and r.payload["event"].get("text") == text
                and r.retry_attempt == retry_attempt
            ),
            f"{event_type} {text!r} (retry_attempt {retry_attempt})",
        )

    def threaded(self, client: BaseSocketModeClient, request: SocketModeRequest) -> None:
        """The listener of a threaded flavour."""
        if self.acknowledges(request):
            client.send_socket_mode_response(SocketModeResponse(envelope_id=request.envelope_id))
        answer = self.answer(request)
        if answer is not None and answer.response_url:
            WebhookClient(answer.response_url).send(text=answer.text, response_type="in_channel")
        elif answer is not None:
            client.web_client.chat_postMessage(channel=answer.channel, text=answer.text)
        self.requests.put(request)

    async def asynchronous(
        self, client: AsyncBaseSocketModeClient, request: SocketModeRequest
    ) -> None:
        """The listener of an asyncio flavour."""
        if self.acknowledges(request):
            response = SocketModeResponse(envelope_id=request.envelope_id)
            await client.send_socket_mode_response(response)
        answer = self.answer(request)
        if answer is not None and answer.response_url:
            webhook = AsyncWebhookClient(answer.response_url)
            await webhook.send(text=answer.text, response_type="in_channel")
        elif answer is not None:
            await client.web_client.chat_postMessage(channel=answer.channel, text=answer.text)
        self.requests.put(request)


class LoopThread:
    """An asyncio flavour's client on a loop of its own, in a thread: made and connected
    there by :meth:`start`, closed there by :meth:`stop` (asyncio.run then ends the loop's
    other tasks)."""

    def __init__(self, make: Callable[[], AiohttpClient | WebsocketsClient]) -> None:
        self._make = make
        self._ready = threading.Event()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._stop: asyncio.Event | None = None
        self._failure: BaseException | None = None
        self._thread = threading.Thread(target=self._run, name="socket-mode-loop", daemon=True)

    def _run(self) -> None:
        try:
            asyncio.run(self._main())
        except BaseException as failure:  # handed to the test thread
            self._failure = failure
        finally:
            self._ready.set()

    async def _main(self) -> None:
        self._loop = asyncio.get_running_loop()
        self._stop = asyncio.Event()
        client = self._make()  # the aiohttp flavour needs a running loop to be made
        try:
            await client.connect()  # type: ignore[no-untyped-call]
            self._ready.set()
            await self._stop.wait()
        finally:
            await client.close()  # type: ignore[no-untyped-call]

    def start(self) -> None:
        """Make and connect the client; raise what failed."""
        self._thread.start()
        assert self._ready.wait(WAIT_SECS), "the client did not connect"
        if self._failure is not None:
            raise self._failure

    def stop(self) -> None:
        """Close the client and end its loop; raise what failed."""
        if self._loop is not None and self._stop is not None and self._thread.is_alive():
            self._loop.call_soon_threadsafe(self._stop.set)
        self._thread.join(WAIT_SECS)
        assert not self._thread.is_alive(), "the client's loop did not end"
        if self._failure is not None:
            raise self._failure


def api(server: ServerThread) -> str:
    """The Web API base URL."""
    return f"http://127.0.0.1:{server.port}/api/"


def connections(server: ServerThread, app_id: str = APP_ID) -> int:
    """How many Socket Mode connections the app has open."""
    return hub(server).connection_count(app_id)


@contextmanager
def connected(
    flavour: str,
    server: ServerThread,
    listener: Listener,
    *,
    app_id: str = APP_ID,
    app_token: str = APP_TOKEN,
    bot_token: str = BOT_TOKEN,
) -> Iterator[None]:
    """That flavour's client of the app, its web client the bot's, running ``listener``:
    connected on entry, closed (and its connection gone) on exit."""
    ping_interval = PING_SECS[flavour]
    if flavour in THREADED:
        web = WebClient(token=bot_token, base_url=api(server))
        client = THREADED[flavour](app_token=app_token, web_client=web, ping_interval=ping_interval)
        client.socket_mode_request_listeners.append(listener.threaded)
        start, stop = client.connect, client.close
    else:

        def make() -> AiohttpClient | WebsocketsClient:
            web = AsyncWebClient(token=bot_token, base_url=api(server))
            made = ASYNCHRONOUS[flavour](app_token=app_token, web_client=web,
                                         ping_interval=ping_interval)  # fmt: skip
            made.socket_mode_request_listeners.append(listener.asynchronous)
            return made

        loop = LoopThread(make)
        start, stop = loop.start, loop.stop
    try:
        start()
        wait_until(lambda: connections(server, app_id) == 1, f"{flavour}'s connection", WAIT_SECS)
        yield
    finally:
        stop()
        wait_until(lambda: connections(server, app_id) == 0, f"{flavour}'s close", WAIT_SECS)


def unique(text: str) -> str:
    """Text no other test of the module posted."""
    return f"{text} {uuid.uuid4().hex[:8]}"


def post(server: ServerThread, text: str) -> None:
    """Post as the person in #general."""
    WebClient(token=PERSON_TOKEN, base_url=api(server)).chat_postMessage(channel=GENERAL, text=text)


def answer_mentions(request: SocketModeRequest) -> Answer | None:
    """In the mention's channel: ``answer to <the mention's ts>``."""
    event = request.payload.get("event", {})
    if request.type != "events_api" or event.get("type") != "app_mention":
        return None
    return Answer(f"answer to {event['ts']}", channel=event["channel"])


@pytest.fixture(scope="module", params=FLAVOURS)
def listener(server: ServerThread, request: pytest.FixtureRequest) -> Iterator[Listener]:
    """The listener of the flavour's connected client, answering mentions: one client per
    flavour for the module (each test finds its own requests by their unique text), as
    closing one costs seconds (the built-in flavour's socket reads wait up to 3 s)."""
    listening = Listener(answer_mentions)
    with connected(request.param, server, listening):
        yield listening


def test_a_message_and_its_app_mention_arrive_and_the_mention_is_answered(
    server: ServerThread, listener: Listener
) -> None:
    text = unique(f"<@{BOT_USER}> what time is it")
    post(server, text)
    message = listener.event("message", text).payload["event"]
    mention = listener.event("app_mention", text).payload["event"]
    assert (message["user"], message["channel"]) == (PERSON, GENERAL)
    assert (mention["user"], mention["ts"]) == (PERSON, message["ts"])
    history = WebClient(token=PERSON_TOKEN, base_url=api(server)).conversations_history(
        channel=GENERAL, limit=10
    )
    answers = [m for m in history["messages"] if m.get("text") == f"answer to {mention['ts']}"]
    assert [m["user"] for m in answers] == [BOT_USER]


@pytest.mark.parametrize(
    "end",
    [lambda sockets: sockets.drop_app(APP_ID),
     lambda sockets: sockets.disconnect_app(APP_ID, "refresh_requested")],
    ids=["dropped socket", "disconnect"],
)  # fmt: skip
def test_the_client_reconnects_by_itself_after_its_connection_ends(
    server: ServerThread, listener: Listener, end: Callable[[SocketModeHub], int]
) -> None:
    opened = hub(server).stats.opened
    assert on_loop(server, end) == 1
    wait_until(lambda: hub(server).stats.opened > opened and connections(server) == 1,
               "the reconnect", WAIT_SECS)  # fmt: skip
    text = unique("after the reconnect")
    post(server, text)
    assert listener.event("message", text).payload["event"]["user"] == PERSON


def test_an_unacknowledged_envelope_comes_back_with_retry_attempt_1(
    server: ServerThread, listener: Listener
) -> None:
    text = unique(SKIP)
    post(server, text)
    first = listener.event("message", text)
    again = listener.event("message", text, retry_attempt=1)
    assert again.envelope_id == first.envelope_id
    assert (first.retry_reason, again.retry_reason) == ("", "timeout")
    assert again.payload["event_id"] == first.payload["event_id"]
