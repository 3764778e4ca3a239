"""The HTTP/1.1 driver: an asyncio protocol around httptools' parser, plain or TLS.

It reads requests (keep-alive and pipelining included), hands each fully read request to
the application in order, writes each response in one ``write`` call and logs one line per
request. Bodies that stop short (the client half-closes, or ``body_timeout_secs`` passes)
are handed on marked incomplete, which the Web API answers with ``request_timeout``.

Everything a client can make it hold is bounded: a request's line and headers must arrive
within ``header_timeout_secs`` of its first byte (else 408) and within
:data:`MAX_HEADER_BYTES` while they stream (else 431), a body within
:data:`MAX_BODY_BYTES` (else 413), unless the handler allows a target more
(:class:`BodyLimits`: file uploads); a transfer coding other than ``chunked`` is 501; and the
connections themselves are counted by a :class:`~slackline.http.limits.ConnectionBudget`.
"""

from __future__ import annotations

import asyncio
import logging
import ssl
import tempfile
import time
from collections.abc import Callable, Coroutine
from dataclasses import dataclass
from functools import partial
from http import HTTPStatus
from typing import Any, Protocol, cast

import httptools

from slackline.errors import error_body, unexpected_error
from slackline.http.limits import ConnectionBudget
from slackline.http.request import Request, Response
from slackline.http.response import plain_response
from slackline.logbuffer import LineLogger
from slackline.websocket.protocol import is_websocket_upgrade

access_log = logging.getLogger("slackline.access")
_access_lines = LineLogger(access_log)

MAX_HEADER_BYTES = 64 * 1024
MAX_BODY_BYTES = 4 * 1024 * 1024
# A body allowed more than MAX_BODY_BYTES (an upload) is collected in a temporary file once
# it passes this, then read back in one piece: it is held once, never as chunks and a copy.
SPOOL_MEMORY_BYTES = 1024 * 1024
KEEPALIVE_TIMEOUT_SECS = 75.0
DEFAULT_HEADER_TIMEOUT_SECS = 20.0
MAX_PIPELINED_REQUESTS = 32


class RequestHandler(Protocol):
    """What the driver needs from the application."""

    async def handle(self, request: Request) -> Response:
        """Answer one request."""
        ...


class BodyLimits(Protocol):
    """A handler that allows some targets bodies larger than :data:`MAX_BODY_BYTES`."""

    def max_body_bytes(self, target: bytes) -> int:
        """The largest body a request for ``target`` (path and query) may carry."""
        ...


UpgradeHandler = Callable[[Request, asyncio.Transport, bytes], Coroutine[Any, Any, None] | None]


def log_path(path: str) -> str:
    """The path as logged: socket tickets and upload ids are secrets (decisions C.5)."""
    if path.startswith("/websocket/"):
        return "/websocket/…"
    return "/upload/…" if path.startswith("/upload/") else path


def _status_line(status: int) -> str:
    line = _STATUS_LINES.get(status)
    if line is None:
        line = _STATUS_LINES[status] = f"HTTP/1.1 {status} {HTTPStatus(status).phrase}"
    return line


_STATUS_LINES: dict[int, str] = {}


def encode_response(response: Response, keep_alive: bool) -> bytes:
    """Status line, headers and body as the bytes to write."""
    headers = "".join([f"{name}: {value}\r\n" for name, value in response.headers])
    head = (
        f"{_status_line(response.status)}\r\n"
        f"content-type: {response.content_type}\r\n"
        f"content-length: {len(response.body)}\r\n"
        f"{headers}{response.head}"
        f"{_KEEP_ALIVE if keep_alive else _CLOSE}"
    )
    return head.encode("latin-1") + response.body


# Upgrades still being answered (a ticket redeemed in Redis): referenced until done.
_UPGRADES: set[asyncio.Task[None]] = set()
_KEEP_ALIVE = "connection: keep-alive\r\n\r\n"
_CLOSE = "connection: close\r\n\r\n"


def start_eagerly(
    loop: asyncio.AbstractEventLoop, coroutine: Coroutine[Any, Any, None]
) -> asyncio.Task[None] | None:
    """Run a coroutine now, up to its first real suspension; None if it finished.

    Most requests never wait (a cached token, no storage), so they are answered without
    creating a task; one that does wait continues as a task from where it stopped.
    """
    try:
        yielded = coroutine.send(None)
    except StopIteration:
        return None
    return loop.create_task(_resume(coroutine, yielded))


async def _resume(coroutine: Coroutine[Any, Any, None], yielded: Any) -> None:
    """Drive a started coroutine as a task would: wait for what it awaits, then resume it."""
    while True:
        try:
            if yielded is None:
                await asyncio.sleep(0)
            else:
                yielded._asyncio_future_blocking = False
                await asyncio.wait((yielded,))
        except BaseException as stop:  # this task was cancelled: pass it on
            step = partial(coroutine.throw, stop)
        else:
            step = partial(coroutine.send, None)
        try:
            yielded = step()
        except StopIteration:
            return


@dataclass(slots=True)
class _Pending:
    """A queued answer: a request for the application, or a ready-made protocol error."""

    request: Request
    keep_alive: bool
    started: float
    response: Response | None = None


class HttpProtocol(asyncio.Protocol):
    """One client connection.

    Requests are answered strictly in arrival order by one worker task per connection, so
    pipelined requests and a trailing protocol error (400, 413) come back in order. After
    a request that ends the connection (``Connection: close``, a cut-short body, malformed
    bytes, an upgrade we do not speak) further input is ignored.
    """

    # Slots: thousands of connections at once in a connect storm (W2, W3), each dict
    # costing some 800 bytes more than its slots.
    __slots__ = (
        "_body",
        "_body_bytes",
        "_body_limit",
        "_body_timeout_secs",
        "_closing",
        "_connections",
        "_deadline",
        "_eof",
        "_handler",
        "_head_began",
        "_head_bytes",
        "_header_bytes",
        "_header_timeout_secs",
        "_headers",
        "_in_body",
        "_in_head",
        "_input_done",
        "_local",
        "_loop",
        "_max_body_bytes",
        "_new_request_id",
        "_on_deadline",
        "_parser",
        "_paused",
        "_peer",
        "_queue",
        "_refusal",
        "_scheme",
        "_serving",
        "_shutting_down",
        "_spool",
        "_started",
        "_timer",
        "_timer_at",
        "_transport",
        "_upgrade",
        "_upgrade_request",
        "_url",
        "_worker",
    )

    def __init__(
        self,
        handler: RequestHandler,
        *,
        scheme: str,
        new_request_id: Callable[[], str],
        body_timeout_secs: float,
        header_timeout_secs: float = DEFAULT_HEADER_TIMEOUT_SECS,
        upgrade: UpgradeHandler | None = None,
        connections: ConnectionBudget | None = None,
    ) -> None:
        self._handler = handler
        # Per-target body limits, when the handler has them (one lookup per connection).
        limits = getattr(handler, "max_body_bytes", None)
        self._body_limit: Callable[[bytes], int] | None = limits if callable(limits) else None
        self._scheme = scheme
        self._new_request_id = new_request_id
        self._body_timeout_secs = body_timeout_secs
        self._header_timeout_secs = header_timeout_secs
        self._upgrade = upgrade
        self._connections = connections
        self._loop = asyncio.get_running_loop()
        self._parser = httptools.HttpRequestParser(self)
        self._transport: asyncio.Transport | None = None
        self._peer = ""
        self._local = ""
        # A list, not a deque: it holds one request nearly always, and a deque's first
        # block is some 600 bytes per connection.
        self._queue: list[_Pending] = []
        self._worker: asyncio.Task[None] | None = None
        self._serving = False
        self._paused = False
        # One timer per connection, moved lazily: arming only sets the deadline, and the
        # handle is replaced only when the new deadline comes before it fires.
        self._timer: asyncio.TimerHandle | None = None
        self._timer_at = 0.0
        self._deadline: float | None = None
        self._on_deadline: Callable[[], None] = _nothing
        self._reset_message()
        self._head_began = False  # a head began in the chunk being parsed
        # Lifecycle flags: no more input is parsed / the peer half-closed / the server is
        # shutting down / the transport is being closed.
        self._input_done = False
        self._eof = False
        self._shutting_down = False
        self._closing = False
        self._upgrade_request: Request | None = None

    def _reset_message(self) -> None:
        if getattr(self, "_spool", None) is not None:
            self._drop_spool()
        self._url = b""
        self._headers: dict[str, str] = {}
        self._header_bytes = 0
        self._in_head = False
        self._head_bytes = 0
        self._refusal = 0  # the status a callback decided to refuse the request with
        self._body: list[bytes] = []
        self._spool: tempfile.SpooledTemporaryFile[bytes] | None = None
        self._body_bytes = 0
        self._max_body_bytes = MAX_BODY_BYTES
        self._in_body = False
        self._started = 0.0

    # asyncio callbacks

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        """Remember the transport and both addresses."""
        # uvloop's transports are not asyncio.Transport subclasses but behave as one.
        self._transport = cast(asyncio.Transport, transport)
        peer = transport.get_extra_info("peername")
        local = transport.get_extra_info("sockname")
        self._peer = str(peer[0]) if peer else ""
        self._local = f"{local[0]}:{local[1]}" if local else ""
        if ":" in self._local.rsplit(":", 1)[0]:
            self._local = f"[{local[0]}]:{local[1]}"
        if self._connections is not None and not self._connections.admit(self):
            self._closing = True
            self._transport.abort()  # no room: every connection held has proved itself
            return
        self._arm_timer(KEEPALIVE_TIMEOUT_SECS, self._idle_timeout)

    def data_received(self, data: bytes) -> None:
        """Feed the parser; malformed HTTP gets 400 (or the status a check decided) and a
        close."""
        if self._input_done:
            return
        self._head_began = False
        try:
            self._parser.feed_data(data)
        except httptools.HttpParserUpgrade as upgrade:
            self._on_upgrade(data[upgrade.args[0] :])
            return
        except httptools.HttpParserError:
            self._reject(self._refusal or 400)
            return
        # A head still streaming: the chunk it began in is bounded by the read size, every
        # later one counts whole, so an unterminated line never grows without limit. (A
        # pipelined head that began in this chunk, after a body, is not counted either.)
        if self._in_head and not self._head_began:
            self._head_bytes += len(data)
            if self._head_bytes > MAX_HEADER_BYTES:
                self._reject(431)

    def eof_received(self) -> bool:
        """A half-close mid-body makes the request incomplete; answers still go out."""
        self._eof = True
        if self._in_body:
            self._finish_message(incomplete=True)
        self._input_done = True
        # Returning False lets asyncio close the transport: nothing is left to answer.
        return not self._idle()

    def connection_lost(self, exc: Exception | None) -> None:
        """Stop timers and forget the connection."""
        self._closing = True
        self._release_parser()
        self._stop_timer()
        self._drop_spool()
        if self._connections is not None:
            self._connections.discard(self)
        if self._worker is not None and not self._worker.done():
            self._worker.cancel()

    def evict(self) -> None:
        """Close at once to make room for another connection (it was holding a head)."""
        self._closing = True
        self._input_done = True
        if self._transport is not None:
            self._transport.abort()

    # httptools callbacks

    def on_message_begin(self) -> None:
        """A new request starts: its line and headers must arrive within the header timeout."""
        self._reset_message()
        self._started = time.perf_counter()
        self._in_head = True
        self._head_began = True
        self._arm_timer(self._header_timeout_secs, self._header_timeout)

    def on_url(self, url: bytes) -> None:
        """Collect the request target."""
        self._url += url
        self._count_header_bytes(len(url))

    def on_header(self, name: bytes, value: bytes) -> None:
        """Collect a header under its lower-case name."""
        self._header_bytes += len(name) + len(value)
        if self._header_bytes > MAX_HEADER_BYTES:
            self._refuse_head()
        key = _HEADER_NAMES.get(name) or _header_name(name)
        text = value.decode("latin-1")
        headers = self._headers
        headers[key] = f"{headers[key]}, {text}" if key in headers else text

    def on_headers_complete(self) -> None:
        """Start the body timer when a body is announced; honour ``Expect: 100-continue``.

        A transfer coding other than ``chunked`` alone (``gzip, chunked``) is refused with
        501: the body would be read as plain chunks while it is something else.
        """
        self._in_head = False
        self._cancel_timer()
        coding = self._headers.get("transfer-encoding")
        if coding is not None and coding.strip().lower() != "chunked":
            self._refusal = 501
            raise httptools.HttpParserError("transfer coding not implemented")
        if self._headers.get("content-length", "0") not in ("", "0") or coding is not None:
            if self._body_limit is not None:
                self._max_body_bytes = self._body_limit(self._url)
            if self._max_body_bytes > MAX_BODY_BYTES:
                # Closed when the body is read back, the message is reset or the connection lost.
                self._spool = tempfile.SpooledTemporaryFile(max_size=SPOOL_MEMORY_BYTES)  # noqa: SIM115
            self._in_body = True
            self._arm_timer(self._body_timeout_secs, self._body_timeout)
            # curl waits a second for this before sending bodies over 1 KiB.
            if self._headers.get("expect", "").lower() == "100-continue" and self._transport:
                self._transport.write(b"HTTP/1.1 100 Continue\r\n\r\n")

    def on_body(self, body: bytes) -> None:
        """Collect body bytes, refusing bodies over the target's limit (``MAX_BODY_BYTES``)."""
        self._body_bytes += len(body)
        if self._body_bytes > self._max_body_bytes:
            self._refusal = 413
            raise httptools.HttpParserError("body too large")
        if self._spool is not None:
            self._spool.write(body)
        else:
            self._body.append(body)

    def on_message_complete(self) -> None:
        """The request is whole: queue it (a WebSocket upgrade is handed over instead)."""
        if self._parser.should_upgrade() and self._is_websocket_upgrade():
            self._in_body = False
            self._cancel_timer()
            self._upgrade_request = self._build_request(incomplete=False)
            return
        self._finish_message(incomplete=False)

    # internals

    def _count_header_bytes(self, count: int) -> None:
        self._header_bytes += count
        if self._header_bytes > MAX_HEADER_BYTES:
            self._refuse_head()

    def _refuse_head(self) -> None:
        self._refusal = 431
        raise httptools.HttpParserError("headers too large")

    def _is_websocket_upgrade(self) -> bool:
        return self._upgrade is not None and is_websocket_upgrade(self._headers.get("upgrade"))

    def _build_request(self, *, incomplete: bool) -> Request:
        path, query = _split_target(self._url)
        chunks = self._body
        body = chunks[0] if len(chunks) == 1 else b"".join(chunks)
        # The chunks are not needed once joined: they would otherwise stay alive beside the
        # body until the connection's next request.
        self._body = []
        if self._spool is not None:
            self._spool.seek(0)
            body = self._spool.read()
            self._drop_spool()
        return Request(
            method=_method_name(self._parser.get_method()),
            path=path,
            query=query,
            headers=self._headers,
            body=body,
            peer=self._peer,
            scheme=self._scheme,
            local=self._local,
            request_id=self._new_request_id(),
            body_incomplete=incomplete,
        )

    def _drop_spool(self) -> None:
        """Close (and so delete) the temporary file of an upload's body."""
        if self._spool is not None:
            self._spool.close()
            self._spool = None

    def _finish_message(self, *, incomplete: bool) -> None:
        self._cancel_timer()
        self._in_body = False
        if self._connections is not None:
            self._connections.proven(self)
        request = self._build_request(incomplete=incomplete)
        # An upgrade we do not speak (say h2c) is answered over HTTP/1.1, but the parser
        # stops after it, so the connection cannot carry another request.
        keep_alive = (
            not incomplete
            and self._parser.should_keep_alive()
            and not self._parser.should_upgrade()
        )
        if not keep_alive:
            self._input_done = True
        self._enqueue(_Pending(request, keep_alive, self._started))

    def _reject(self, status: int) -> None:
        """Queue a protocol error after any answers still owed, then stop reading."""
        self._cancel_timer()
        self._in_body = False
        self._in_head = False
        self._input_done = True
        request = Request(
            method="-",
            path="-",
            query=b"",
            headers={},
            body=b"",
            peer=self._peer,
            scheme=self._scheme,
            local=self._local,
            request_id=self._new_request_id(),
        )
        phrase = HTTPStatus(status).phrase
        response = plain_response(status, {"ok": False, "error": phrase}, request.request_id)
        response.error = phrase
        self._enqueue(_Pending(request, False, time.perf_counter(), response))

    def _enqueue(self, pending: _Pending) -> None:
        self._queue.append(pending)
        if len(self._queue) > MAX_PIPELINED_REQUESTS and self._transport is not None:
            self._paused = True
            self._transport.pause_reading()
        if not self._worker_busy():
            self._serving = True
            try:
                self._worker = start_eagerly(self._loop, self._serve_queue())
            except Exception:
                access_log.exception("unhandled error while answering on a connection")
                self._close()
            finally:
                self._serving = False

    def _worker_busy(self) -> bool:
        return self._serving or (self._worker is not None and not self._worker.done())

    async def _serve_queue(self) -> None:
        while self._queue and not self._closing:
            pending = self._queue.pop(0)
            keep_alive = pending.keep_alive and not self._shutting_down
            response = pending.response
            if response is None:
                try:
                    response = await self._handler.handle(pending.request)
                except Exception as exc:
                    response = _crashed(pending.request, exc)
            self._write(response, keep_alive)
            _log(pending.request, response, pending.started)
            if not keep_alive:
                self._close()
                return
            if (
                self._paused
                and self._transport is not None
                and len(self._queue) <= MAX_PIPELINED_REQUESTS
            ):
                self._paused = False
                self._transport.resume_reading()
        if self._closing:
            return
        if self._eof or self._shutting_down:
            self._close()
        elif not self._in_body:
            self._arm_timer(KEEPALIVE_TIMEOUT_SECS, self._idle_timeout)

    def _write(self, response: Response, keep_alive: bool) -> None:
        if self._transport is not None and not self._transport.is_closing():
            self._transport.write(encode_response(response, keep_alive))

    def _on_upgrade(self, rest: bytes) -> None:
        request, self._upgrade_request = self._upgrade_request, None
        self._input_done = True
        if request is None or self._upgrade is None or self._transport is None:
            return  # not a WebSocket upgrade: already queued as a plain request
        self._stop_timer()
        self._release_parser()
        if self._connections is not None:
            self._connections.discard(self)
        transport = self._transport
        result = self._upgrade(request, transport, rest)
        if result is None:
            return
        # Run at once: most upgrades finish without waiting (tickets in this process).
        task = start_eagerly(self._loop, result)
        if task is None:
            return
        # One that waits (a ticket in Redis) reads nothing until it is done, since no
        # protocol owns the connection meanwhile.
        transport.pause_reading()
        # The loop keeps only a weak reference to a task: hold it until it is done.
        _UPGRADES.add(task)
        task.add_done_callback(partial(_upgrade_done, transport))

    def _release_parser(self) -> None:
        """Drop the parser, which refers back to this protocol: without the cycle, a closed or
        upgraded connection's protocol is freed at once instead of at the next full garbage
        collection (thousands of them after a connect storm)."""
        self._parser = _CLOSED_PARSER

    def _idle(self) -> bool:
        return not self._queue and not self._worker_busy()

    def _close(self) -> None:
        self._closing = True
        self._stop_timer()
        if self._transport is not None:
            self._transport.close()

    def shutdown(self) -> None:
        """Close the connection once the requests already read are answered."""
        self._shutting_down = True
        self._input_done = True
        if self._idle():
            self._close()

    def _body_timeout(self) -> None:
        if self._in_body:
            self._finish_message(incomplete=True)

    def _header_timeout(self) -> None:
        if self._in_head:
            self._reject(408)

    def _idle_timeout(self) -> None:
        if self._idle():
            self._close()

    def _arm_timer(self, delay: float, callback: Callable[[], None]) -> None:
        self._deadline = self._loop.time() + delay
        self._on_deadline = callback
        if self._timer is None or self._timer_at > self._deadline:
            if self._timer is not None:
                self._timer.cancel()
            self._schedule(self._deadline)

    def _cancel_timer(self) -> None:
        self._deadline = None  # the handle may stay: when it fires, nothing is due

    def _schedule(self, when: float) -> None:
        self._timer_at = when
        self._timer = self._loop.call_at(when, self._timer_fired)

    def _timer_fired(self) -> None:
        self._timer = None
        if self._deadline is None:
            return
        if self._loop.time() < self._deadline:
            self._schedule(self._deadline)
            return
        callback, self._deadline = self._on_deadline, None
        callback()

    def _stop_timer(self) -> None:
        self._deadline = None
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None


# Header names as clients send them, lower-cased once each: a client sends the same few on
# every request. Bounded, so names made up to fill it cost only their own request.
_HEADER_NAMES: dict[bytes, str] = {}
MAX_CACHED_HEADER_NAMES = 512
_METHODS = {name.encode(): name for name in ("GET", "POST", "PUT", "DELETE", "HEAD", "OPTIONS")}


def _header_name(raw: bytes) -> str:
    name = raw.decode("latin-1").lower()
    if len(_HEADER_NAMES) < MAX_CACHED_HEADER_NAMES:
        _HEADER_NAMES[raw] = name
    return name


def _method_name(raw: bytes) -> str:
    return _METHODS.get(raw) or raw.decode("latin-1")


def _split_target(target: bytes) -> tuple[str, bytes]:
    """A request target's path and query; ``/`` for none or one that cannot be parsed."""
    try:
        parsed = httptools.parse_url(target) if target else None
    except httptools.HttpParserInvalidURLError:
        parsed = None
    if parsed is None:
        return "/", b""
    return (parsed.path.decode("latin-1") if parsed.path else "/"), parsed.query or b""


def _crashed(request: Request, exc: Exception) -> Response:
    """What a crash in the application answers: a 500 with the Slack error every unexpected
    exception gets (decisions B.6), never a hung connection."""
    access_log.exception("req=%s unhandled error in the request handler", request.request_id)
    error = unexpected_error(exc)
    response = plain_response(500, error_body(error), request.request_id)
    response.error = error.code.value
    return response


def _upgrade_done(transport: asyncio.Transport, task: asyncio.Task[None]) -> None:
    _UPGRADES.discard(task)
    if not transport.is_closing():
        transport.resume_reading()


def _nothing() -> None:
    """The timer callback before any is armed."""


class _NoCallbacks:
    """A parser owner without callbacks: what a closed connection's parser reports to."""


_CLOSED_PARSER = httptools.HttpRequestParser(_NoCallbacks())


def _log(request: Request, response: Response, started: float) -> None:
    elapsed_ms = (time.perf_counter() - started) * 1000
    error = f" error={response.error}" if response.error else ""
    _access_lines.info(
        f"req={request.request_id} {request.method} {log_path(request.path)} "
        f"{response.status}{error} peer={request.peer} {elapsed_ms:.1f}ms"
    )


def make_ssl_context(cert_file: str, key_file: str) -> ssl.SSLContext:
    """A server TLS context from PEM files."""
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert_file, key_file)
    return context
