"""The Python floor: what the fastest Python server of Slackline's kind does per request.

uvloop and httptools, as Slackline uses them, answering ``rtm.connect`` with a fixed body
the way ``http_server.js`` does: no arguments, no token, no ticket, no log line. What W1
measures against it is the price of Slackline's own request path; what it measures against
Node's fixed body is the price of Python itself (docs/performance.md, "W1's limit").

Usage: python python_floor.py; prints "ready PORT"; listens on 127.0.0.1 only.
"""

from __future__ import annotations

import asyncio
import json

import httptools
import uvloop


class FixedBody(asyncio.Protocol):
    """One connection: every complete request gets the same 200 answer (keep-alive)."""

    def __init__(self, answer: bytes) -> None:
        self._answer = answer
        self._parser = httptools.HttpRequestParser(self)
        self._transport: asyncio.Transport | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        """Keep the transport to answer on."""
        self._transport = transport  # type: ignore[assignment]

    def data_received(self, data: bytes) -> None:
        """Parse; answers are written from ``on_message_complete``."""
        try:
            self._parser.feed_data(data)
        except httptools.HttpParserError:
            if self._transport is not None:
                self._transport.close()

    def on_message_complete(self) -> None:
        """A whole request: write the fixed answer."""
        if self._transport is not None:
            self._transport.write(self._answer)


async def serve() -> None:
    """Listen on 127.0.0.1, print the port, serve until killed."""
    loop = asyncio.get_running_loop()
    holder: dict[str, bytes] = {}
    server = await loop.create_server(
        lambda: FixedBody(holder["answer"]), "127.0.0.1", 0, backlog=8192
    )
    port = server.sockets[0].getsockname()[1]
    body = json.dumps(
        {
            "ok": True,
            "url": f"ws://127.0.0.1:{port}/websocket/fixed",
            "team": {"id": "T0BENCH"},
            "self": {"id": "U0BENCH"},
        },
        separators=(",", ":"),
    ).encode()
    head = (
        "HTTP/1.1 200 OK\r\ncontent-type: application/json; charset=utf-8\r\n"
        f"content-length: {len(body)}\r\nconnection: keep-alive\r\n\r\n"
    )
    holder["answer"] = head.encode() + body
    print(f"ready {port}", flush=True)
    await asyncio.Event().wait()


if __name__ == "__main__":
    uvloop.run(serve())
