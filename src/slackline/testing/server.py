"""A real Slackline server on 127.0.0.1 in a background thread, for tests.

Both synchronous clients (``slack_sdk.WebClient``) and asynchronous ones can talk to it,
since it runs its own event loop. Components (clock, ids, store) can be injected.
:func:`exchange` speaks raw HTTP/1.1 over a socket, for what ``http.client`` cannot do
(pipelining, truncated bodies, half-closes, malformed requests).
"""

from __future__ import annotations

import asyncio
import dataclasses
import json
import socket
import threading
from collections.abc import Callable, Coroutine
from concurrent.futures import Future
from typing import Any, TypeVar

from slackline.app import App, Components, create_app
from slackline.config import Settings
from slackline.runner import Listeners

T = TypeVar("T")
START_TIMEOUT_SECS = 30.0
RAW_TIMEOUT_SECS = 5.0


class ServerThread:
    """Runs an :class:`App` and its listeners on a private loop in a daemon thread."""

    def __init__(self, settings: Settings, components: Components | None = None) -> None:
        self.settings = dataclasses.replace(settings, host="127.0.0.1")
        self._components = components
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, daemon=True)
        self.app: App | None = None
        self.listeners: Listeners | None = None

    def start(self) -> ServerThread:
        """Start the thread, the app and the listeners; return once ready.

        If start-up fails, whatever did start is stopped before the error propagates,
        so a failing test leaves no thread or socket behind.
        """
        self._thread.start()
        try:
            self.run(self._start())
        except BaseException:
            self.stop()
            raise
        return self

    async def _start(self) -> None:
        self.app = create_app(self.settings, self._components)
        await self.app.start()
        self.listeners = Listeners(self.app)
        await self.listeners.open()

    def run(self, coroutine: Coroutine[Any, Any, T]) -> T:
        """Run a coroutine on the server's loop and wait for its result."""
        future: Future[T] = asyncio.run_coroutine_threadsafe(coroutine, self._loop)
        return future.result(timeout=START_TIMEOUT_SECS)

    def call_soon(self, callback: Callable[[], object]) -> None:
        """Call a plain function on the server's loop (where app state lives) and wait."""

        async def call() -> None:
            callback()

        self.run(call())

    def begin_drain(self) -> None:
        """Start the drain a first SIGTERM starts (decisions B.7), without a signal."""
        assert self.app is not None
        self.call_soon(self.app.start_drain)

    @property
    def port(self) -> int:
        """The plain listener's port."""
        assert self.listeners is not None and self.listeners.port is not None
        return self.listeners.port

    @property
    def tls_port(self) -> int:
        """The TLS listener's port."""
        assert self.listeners is not None and self.listeners.tls_port is not None
        return self.listeners.tls_port

    @property
    def base_url(self) -> str:
        """``http://127.0.0.1:<port>``."""
        return f"http://127.0.0.1:{self.port}"

    @property
    def tls_base_url(self) -> str:
        """``https://127.0.0.1:<tls port>``."""
        return f"https://127.0.0.1:{self.tls_port}"

    def stop(self) -> None:
        """Close listeners and app, then stop the loop and the thread."""
        if self._loop.is_closed():
            return
        if self.app is not None:
            self.run(self._stop())
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(timeout=START_TIMEOUT_SECS)
        self._loop.close()

    async def _stop(self) -> None:
        if self.listeners is not None:
            await self.listeners.close()
        assert self.app is not None
        await self.app.close()

    def __enter__(self) -> ServerThread:
        return self if self._thread.is_alive() else self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


@dataclasses.dataclass
class RawResponse:
    """One HTTP response as read off the socket: status, lower-cased headers, body bytes."""

    status: int
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        """The body parsed as JSON."""
        return json.loads(self.body)


def _parse_one(buffer: bytes) -> tuple[RawResponse, bytes] | None:
    """The first complete response in ``buffer`` and the bytes after it, or None."""
    head_end = buffer.find(b"\r\n\r\n")
    if head_end < 0:
        return None
    status_line, *header_lines = buffer[:head_end].decode("latin-1").split("\r\n")
    headers: dict[str, str] = {}
    for line in header_lines:
        name, _, value = line.partition(":")
        headers[name.strip().lower()] = value.strip()
    body_end = head_end + 4 + int(headers.get("content-length", "0"))
    if len(buffer) < body_end:
        return None
    status = int(status_line.split(" ", 2)[1])
    return RawResponse(status, headers, buffer[head_end + 4 : body_end]), buffer[body_end:]


def read_responses(sock: socket.socket, count: int) -> list[RawResponse]:
    """Read ``count`` responses (fewer if the server closes or resets first)."""
    responses: list[RawResponse] = []
    buffer = b""
    while len(responses) < count:
        parsed = _parse_one(buffer)
        if parsed is not None:
            response, buffer = parsed
            responses.append(response)
            continue
        try:
            chunk = sock.recv(65536)
        except ConnectionResetError:
            # Bytes sent after the server closed make the kernel answer with a reset.
            break
        if not chunk:
            break
        buffer += chunk
    return responses


def exchange(
    port: int,
    payload: bytes,
    *,
    count: int = 1,
    half_close: bool = False,
    timeout_secs: float = RAW_TIMEOUT_SECS,
) -> list[RawResponse]:
    """Write raw bytes to 127.0.0.1:port in one ``send`` and read ``count`` responses.

    ``half_close`` shuts the writing side down after sending (``shutdown(SHUT_WR)``), as a
    client that gives up on its body does.
    """
    with socket.create_connection(("127.0.0.1", port), timeout=timeout_secs) as sock:
        sock.sendall(payload)
        if half_close:
            sock.shutdown(socket.SHUT_WR)
        return read_responses(sock, count)
