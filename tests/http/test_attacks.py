"""Attacks on the HTTP driver over real sockets, each beside a healthy client.

Every test opens its attack first (slow heads, a flood of connections, an endless header
line, a form of tens of thousands of parts, odd transfer codings, bodies and ``Host``
headers) and, while it is under way, checks that a normal client is still answered in
under a second (the issue's own acceptance condition, a generous bound, not a performance
target): ``GET /healthz`` and ``auth.test``. Then it checks how the attack itself was
answered. The latencies measured are logged (``--log-cli-level=INFO`` shows them).

The connection flood runs against a ``slackline serve`` process limited to 1,024 open files;
the rest against in-process servers. One test feeds the driver chosen reads directly (on a
real socket's transport), since read boundaries cannot be chosen over a socket.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import re
import resource
import selectors
import socket
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from slackline.http.limits import default_max_connections
from slackline.http.server import MAX_HEADER_BYTES, HttpProtocol
from slackline.testing.server import RawResponse, ServerThread, read_responses
from tests.helpers.http import WORKSPACE_FILE, http_request, start_server

logger = logging.getLogger(__name__)

SLACKLINE = Path(__file__).resolve().parents[2] / ".venv" / "bin" / "slackline"
FORM = "application/x-www-form-urlencoded"
NORMAL_CLIENT_SECS = 1.0  # "a normal client is served in under a second"
WAIT_SECS = 10.0  # generous waits on a shared machine: a wait ends early on its condition
SLOWLORIS_TIMEOUT_SECS = 1.0
SLOWLORIS_CONNECTIONS = 300
FD_LIMIT = 1024
FLOOD_CONNECTIONS = 1020
STREAM_BYTES = 8 * 1024 * 1024  # what the endless header line would send
READ_BOUND_BYTES = 1024 * 1024  # the 431 must come before the client sent this much
WEBSOCKET_HEADERS = (
    b"Upgrade: websocket\r\nConnection: Upgrade\r\n"
    b"Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n"
)


# helpers


def connect(port: int) -> socket.socket:
    """A client socket connected to 127.0.0.1:port."""
    return socket.create_connection(("127.0.0.1", port), timeout=WAIT_SECS)


def assert_normal_client_served(port: int, during: str) -> tuple[float, float]:
    """A normal client's ``GET /healthz`` and ``auth.test`` are answered, each in under a
    second; returns both latencies in seconds."""
    started = time.perf_counter()
    health = http_request(port, "GET", "/healthz", timeout_secs=WAIT_SECS)
    health_secs = time.perf_counter() - started
    started = time.perf_counter()
    auth = http_request(
        port,
        "POST",
        "/api/auth.test",
        "token=xoxb-1-classic",
        {"Content-Type": FORM},
        timeout_secs=WAIT_SECS,
    )
    auth_secs = time.perf_counter() - started
    logger.info(
        "normal client during %s: /healthz %.1f ms, auth.test %.1f ms",
        during,
        health_secs * 1000,
        auth_secs * 1000,
    )
    assert health.status == 200
    assert health.body == {"status": "ok"}
    assert auth.body["ok"] is True
    assert auth.body["user_id"] == "U0BOT"
    assert health_secs < NORMAL_CLIENT_SECS
    assert auth_secs < NORMAL_CLIENT_SECS
    return health_secs, auth_secs


def attack(port: int, payload: bytes, during: str, *, count: int = 1) -> list[RawResponse]:
    """Send an attack's bytes, check a normal client meanwhile, then read up to ``count``
    answers to the attack (fewer if the server closes first)."""
    with connect(port) as sock:
        sock.sendall(payload)
        assert_normal_client_served(port, during)
        return read_responses(sock, count)


def closed_by_server(sock: socket.socket) -> bool:
    """Whether the server closed the connection (waits for the end of the stream)."""
    sock.settimeout(WAIT_SECS)
    try:
        while sock.recv(65536):
            pass
    except ConnectionResetError:
        return True  # it closed with bytes of ours still unread
    except TimeoutError:
        return False
    return True


def parse_response(data: bytes) -> RawResponse | None:
    """The response at the start of ``data``, if it is there whole."""
    head, found, rest = data.partition(b"\r\n\r\n")
    if not found:
        return None
    status_line, *lines = head.decode("latin-1").split("\r\n")
    headers = {}
    for line in lines:
        name, _, value = line.partition(":")
        headers[name.strip().lower()] = value.strip()
    length = int(headers.get("content-length", "0"))
    if len(rest) < length:
        return None
    return RawResponse(int(status_line.split(" ", 2)[1]), headers, rest[:length])


@dataclass
class Answer:
    """What one attack connection got: its bytes, when they began and whether it closed."""

    data: bytes = b""
    first_byte_at: float | None = None
    closed_at: float | None = None


def wait_for_answers(sockets: list[socket.socket], timeout_secs: float) -> list[Answer]:
    """Wait on every socket at once until each is closed by the server (or the time is up),
    noting when its first answer byte arrived."""
    answers = [Answer() for _ in sockets]
    with selectors.DefaultSelector() as selector:
        for sock, answer in zip(sockets, answers, strict=True):
            sock.setblocking(False)
            selector.register(sock, selectors.EVENT_READ, (sock, answer))
        open_count = len(sockets)
        deadline = time.monotonic() + timeout_secs
        while open_count and (remaining := deadline - time.monotonic()) > 0:
            for key, _ in selector.select(remaining):
                ready, answer = key.data
                try:
                    chunk = ready.recv(65536)
                except ConnectionResetError:
                    chunk = b""
                now = time.monotonic()
                if chunk:
                    answer.data += chunk
                    answer.first_byte_at = answer.first_byte_at or now
                else:
                    answer.closed_at = now
                    selector.unregister(ready)
                    open_count -= 1
    return answers


# 1. slowloris


def test_slow_heads_get_408_after_the_header_timeout_while_a_normal_client_is_served(
    tmp_path: Path,
) -> None:
    thread = start_server(tmp_path, header_timeout_secs=SLOWLORIS_TIMEOUT_SECS)
    try:
        with contextlib.ExitStack() as stack:
            sockets: list[socket.socket] = []
            sent_at: list[float] = []
            for index in range(SLOWLORIS_CONNECTIONS):
                sock = stack.enter_context(connect(thread.port))
                # Most send one byte; every fifth a request line cut short.
                sock.sendall(b"GET /api/auth.test HTT" if index % 5 == 0 else b"G")
                sent_at.append(time.monotonic())
                sockets.append(sock)
            assert_normal_client_served(thread.port, f"{SLOWLORIS_CONNECTIONS} slow heads")
            answers = wait_for_answers(sockets, WAIT_SECS)
    finally:
        thread.stop()
    waited = [
        answer.first_byte_at - sent
        for answer, sent in zip(answers, sent_at, strict=True)
        if answer.first_byte_at is not None
    ]
    responses = [parse_response(answer.data) for answer in answers]
    statuses = [(r.status, r.headers["connection"]) if r else None for r in responses]
    assert statuses == [(408, "close")] * SLOWLORIS_CONNECTIONS
    assert all(answer.closed_at is not None for answer in answers)
    logger.info("slow heads answered after %.2f-%.2f s", min(waited), max(waited))
    assert min(waited) >= SLOWLORIS_TIMEOUT_SECS * 0.9


def test_a_head_trickled_line_by_line_is_still_cut_off_at_its_deadline(tmp_path: Path) -> None:
    thread = start_server(tmp_path, header_timeout_secs=SLOWLORIS_TIMEOUT_SECS)
    try:
        with connect(thread.port) as sock:
            sock.sendall(b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n")
            started = time.monotonic()
            assert_normal_client_served(thread.port, "a trickled head")
            sock.settimeout(0.1)
            received = b""
            trickled = 0
            # Another header line each time the server stays silent for 0.1 s.
            while parse_response(received) is None and time.monotonic() - started < WAIT_SECS:
                try:
                    chunk = sock.recv(65536)
                except TimeoutError:
                    sock.sendall(b"X-Trickle-%d: 1\r\n" % trickled)
                    trickled += 1
                    continue
                if not chunk:
                    break
                received += chunk
            waited = time.monotonic() - started
            assert closed_by_server(sock)
    finally:
        thread.stop()
    response = parse_response(received)
    assert response is not None
    assert response.status == 408
    assert trickled >= 3  # it kept sending, and the deadline still held
    assert SLOWLORIS_TIMEOUT_SECS * 0.9 <= waited < WAIT_SECS


# 2. connection exhaustion


@contextlib.contextmanager
def open_file_limit_at_least(count: int) -> Iterator[None]:
    """This process's soft open-file limit raised to ``count`` for a while."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if hard != resource.RLIM_INFINITY and hard < count:
        pytest.skip(f"the hard open-file limit {hard} is below {count}")
    if soft != resource.RLIM_INFINITY and soft < count:
        resource.setrlimit(resource.RLIMIT_NOFILE, (count, hard))
    try:
        yield
    finally:
        resource.setrlimit(resource.RLIMIT_NOFILE, (soft, hard))


def limit_open_files() -> None:
    """In the server's child process, before exec: at most FD_LIMIT open files."""
    resource.setrlimit(resource.RLIMIT_NOFILE, (FD_LIMIT, FD_LIMIT))


@contextlib.contextmanager
def served_with_few_files(tmp_path: Path) -> Iterator[int]:
    """``slackline serve --port 0`` limited to FD_LIMIT open files; yields its port and kills
    it at the end, whatever happens."""
    with (tmp_path / "serve.log").open("w") as log:
        process = subprocess.Popen(
            [
                str(SLACKLINE),
                "serve",
                "--port",
                "0",
                "--database",
                f"sqlite:///{tmp_path / 'db'}",
                "--secret-file",
                str(tmp_path / "secret"),
                "--workspace",
                WORKSPACE_FILE,
                "--rate-limits",
                "off",
            ],
            stdout=subprocess.PIPE,
            stderr=log,
            text=True,
            preexec_fn=limit_open_files,  # noqa: PLW1509 (setrlimit only: safe after fork)
        )
        try:
            assert process.stdout is not None
            line = process.stdout.readline()
            ready = re.search(r"http://127\.0\.0\.1:(\d+)/api/", line)
            assert ready, (tmp_path / "serve.log").read_text()
            yield int(ready.group(1))
        finally:
            process.kill()
            process.wait(timeout=WAIT_SECS)


def test_a_flood_of_idle_connections_evicts_the_oldest_and_a_normal_client_is_served(
    tmp_path: Path,
) -> None:
    budget = default_max_connections(FD_LIMIT)  # the server's bound at that limit
    with (
        open_file_limit_at_least(FLOOD_CONNECTIONS + 256),
        served_with_few_files(tmp_path) as port,
        contextlib.ExitStack() as stack,
    ):
        flood: list[socket.socket] = []
        for _ in range(FLOOD_CONNECTIONS):
            sock = stack.enter_context(connect(port))
            sock.sendall(b"G")
            flood.append(sock)
        assert_normal_client_served(port, f"{FLOOD_CONNECTIONS} idle connections")
        # The flood itself evicted its oldest connections, in order, and only those.
        evicted = FLOOD_CONNECTIONS - budget
        assert all(closed_by_server(sock) for sock in flood[:evicted])
        with selectors.DefaultSelector() as selector:
            # flood[evicted] and perhaps the next made room for the normal client's two
            # connections; the rest are untouched.
            for sock in flood[evicted + 2 :]:
                selector.register(sock, selectors.EVENT_READ)
            assert selector.select(0) == []


# 3. an endless header line


def test_an_unterminated_header_line_is_refused_431_before_much_is_read(
    server: ServerThread,
) -> None:
    with socket.socket() as sock:
        # A small send buffer, so what was sent is close to what the server could read.
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, 32 * 1024)
        sock.settimeout(WAIT_SECS)
        sock.connect(("127.0.0.1", server.port))
        filler = b"a" * 16384
        start = b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Endless: " + filler
        sock.sendall(start)
        assert_normal_client_served(server.port, "an endless header line")
        sent, sent_when_answered, received, closed = stream_until_answered(sock, filler, len(start))
    logger.info("endless header line: 431 after %d bytes sent", sent_when_answered or -1)
    response = parse_response(received)
    assert response is not None
    assert response.status == 431
    assert response.headers["connection"] == "close"
    assert sent_when_answered is not None
    assert sent_when_answered <= READ_BOUND_BYTES
    assert closed
    assert sent < STREAM_BYTES  # the server stopped taking bytes long before the end


def stream_until_answered(
    sock: socket.socket, filler: bytes, sent: int
) -> tuple[int, int | None, bytes, bool]:
    """Send ``filler`` over and over (until STREAM_BYTES were sent, counting the ``sent``
    already) until an answer arrives, then read to the end of the stream: bytes sent, bytes
    sent when the answer arrived, the bytes received and whether the server closed."""
    sock.setblocking(False)
    sent_when_answered: int | None = None
    received = b""
    with selectors.DefaultSelector() as selector:
        selector.register(sock, selectors.EVENT_READ | selectors.EVENT_WRITE)
        deadline = time.monotonic() + WAIT_SECS
        while (remaining := deadline - time.monotonic()) > 0:
            for _, events in selector.select(remaining):
                if events & selectors.EVENT_READ:
                    try:
                        chunk = sock.recv(65536)
                    except ConnectionResetError:
                        chunk = b""
                    if not chunk:
                        return sent, sent_when_answered, received, True
                    received += chunk
                    if sent_when_answered is None and parse_response(received) is not None:
                        sent_when_answered = sent
                        selector.modify(sock, selectors.EVENT_READ)
                elif sent_when_answered is None:
                    try:
                        sent += sock.send(filler)
                    except (BrokenPipeError, ConnectionResetError):
                        selector.modify(sock, selectors.EVENT_READ)  # the server closed
                        continue
                    if sent >= STREAM_BYTES:
                        selector.modify(sock, selectors.EVENT_READ)
    return sent, sent_when_answered, received, False


# 4. a form of tens of thousands of parts


def test_a_form_of_70000_tiny_parts_is_invalid_form_data_while_a_normal_client_is_served(
    server: ServerThread,
) -> None:
    part = b'--xyz\r\nContent-Disposition: form-data; name="f"\r\n\r\n%b\r\n'
    body = b"".join(part % b"vvvv" for _ in range(70_000)) + b"--xyz--\r\n"
    assert 3_990_000 < len(body) < 4 * 1024 * 1024
    head = (
        b"POST /api/auth.test HTTP/1.1\r\nHost: 127.0.0.1\r\n"
        b"Authorization: Bearer xoxb-1-classic\r\n"
        b"Content-Type: multipart/form-data; boundary=xyz\r\n"
        + b"Content-Length: %d\r\n\r\n"
        % len(body)
    )
    with connect(server.port) as sock:
        started = time.perf_counter()
        sock.sendall(head + body)
        assert_normal_client_served(server.port, "a form of 70,000 parts")
        [response] = read_responses(sock, 1)
        answered_secs = time.perf_counter() - started
    logger.info("form of 70,000 parts answered in %.1f ms", answered_secs * 1000)
    assert response.status == 200
    assert response.json() == {"ok": False, "error": "invalid_form_data"}


def test_a_form_of_a_thousand_parts_is_still_accepted(server: ServerThread) -> None:
    part = b'--xyz\r\nContent-Disposition: form-data; name="%b"\r\n\r\n%b\r\n'
    fields = [part % (b"token", b"xoxb-1-classic")]
    fields += [part % (b"f%d" % index, b"v") for index in range(999)]
    body = b"".join(fields) + b"--xyz--\r\n"
    result = http_request(
        server.port,
        "POST",
        "/api/auth.test",
        body,
        {"Content-Type": "multipart/form-data; boundary=xyz"},
    )
    assert result.body["ok"] is True


# 5. transfer codings


def chunk(data: bytes) -> bytes:
    """One chunk of a chunked body (the empty one ends it)."""
    return b"%x\r\n%b\r\n" % (len(data), data)


@pytest.mark.parametrize("coding", [b"gzip, chunked", b"gzip"])
def test_a_transfer_coding_other_than_chunked_is_501_and_the_connection_closes(
    server: ServerThread, coding: bytes
) -> None:
    # Its body hides a whole request, which must never be read as a second one.
    hidden = b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"
    request = (
        b"POST /api/auth.test HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: " + FORM.encode()
        + b"\r\nTransfer-Encoding: " + coding + b"\r\n\r\n"
        + chunk(hidden) + chunk(b"") + hidden
    )  # fmt: skip
    with connect(server.port) as sock:
        sock.sendall(request)
        assert_normal_client_served(server.port, f"Transfer-Encoding: {coding.decode()}")
        responses = read_responses(sock, 2)
        assert [r.status for r in responses] == [501]
        assert responses[0].headers["connection"] == "close"
        assert closed_by_server(sock)


def test_a_plain_chunked_body_is_still_read(server: ServerThread) -> None:
    body = b"token=xoxb-1-classic"
    request = (
        b"POST /api/auth.test HTTP/1.1\r\nHost: 127.0.0.1\r\n"
        b"Content-Type: application/x-www-form-urlencoded\r\nTransfer-Encoding: chunked\r\n\r\n"
        + chunk(body[:6])
        + chunk(body[6:])
        + chunk(b"")
    )
    [response] = attack(server.port, request, "a chunked body")
    assert response.status == 200
    assert response.json()["user_id"] == "U0BOT"
    assert response.headers["connection"] == "keep-alive"


# 6. JSON bodies in another encoding


@pytest.mark.parametrize("encoding", ["utf-16", "utf-16-le"])
def test_a_utf_16_json_body_declared_utf_8_is_invalid_json(
    server: ServerThread, encoding: str
) -> None:
    body = json.dumps({"channel": "C0001"}).encode(encoding)
    request = (
        b"POST /api/auth.test HTTP/1.1\r\nHost: 127.0.0.1\r\n"
        b"Authorization: Bearer xoxb-1-classic\r\n"
        b"Content-Type: application/json; charset=utf-8\r\n"
        + b"Content-Length: %d\r\n\r\n%b"
        % (len(body), body)
    )
    [response] = attack(server.port, request, f"a {encoding} JSON body")
    assert response.status == 200
    assert response.json() == {"ok": False, "error": "invalid_json"}


# 7. Host headers


def rtm_connect(port: int, host_line: bytes, version: bytes = b"HTTP/1.1") -> RawResponse:
    """``rtm.connect`` as xoxb-1-classic with the given Host line (or none)."""
    request = (
        b"GET /api/rtm.connect " + version + b"\r\n" + host_line
        + b"Authorization: Bearer xoxb-1-classic\r\n\r\n"
    )  # fmt: skip
    [response] = attack(port, request, "an rtm.connect")
    return response


@pytest.mark.parametrize("host", ["localhost", "[::1]"])
def test_rtm_connect_through_a_host_without_a_port_hands_out_the_listeners_port(
    server: ServerThread, host: str
) -> None:
    response = rtm_connect(server.port, f"Host: {host}\r\n".encode())
    assert response.json()["url"].startswith(f"ws://{host}:{server.port}/websocket/")


@pytest.mark.parametrize("host", [b"exa mple", b"a/b"])
def test_an_invalid_host_is_400_invalid_host_on_the_web_api(
    server: ServerThread, host: bytes
) -> None:
    response = rtm_connect(server.port, b"Host: " + host + b"\r\n")
    assert response.status == 400
    assert response.json() == {"ok": False, "error": "invalid_host"}


@pytest.mark.parametrize("host", [b"exa mple", b"a/b"])
def test_an_invalid_host_is_400_on_a_socket_upgrade(server: ServerThread, host: bytes) -> None:
    url = rtm_connect(server.port, b"Host: 127.0.0.1\r\n").json()["url"]
    path = url.split(str(server.port), 1)[1].encode()
    upgrade = b"GET " + path + b" HTTP/1.1\r\n" + WEBSOCKET_HEADERS
    [refused] = attack(server.port, upgrade + b"Host: " + host + b"\r\n\r\n", "an upgrade")
    # The same ticket, with a valid Host, opens its socket: the Host was the only fault.
    with connect(server.port) as sock:
        sock.sendall(upgrade + b"Host: 127.0.0.1\r\n\r\n")
        [opened] = read_responses(sock, 1)
    assert refused.status == 400
    assert opened.status == 101


def test_an_http_1_0_request_without_host_is_served_with_the_listeners_address(
    server: ServerThread,
) -> None:
    [health] = attack(server.port, b"GET /healthz HTTP/1.0\r\n\r\n", "an HTTP/1.0 request")
    response = rtm_connect(server.port, b"", b"HTTP/1.0")
    assert health.status == 200
    assert response.json()["url"].startswith(f"ws://127.0.0.1:{server.port}/websocket/")


# 8. oversized header blocks


def many_headers(total_bytes: int) -> bytes:
    """A request for /healthz whose head is about ``total_bytes`` long, in 64-byte lines."""
    start = b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n"
    count = (total_bytes - len(start)) // 64
    return start + b"".join(b"X-Pad-%05d: %b\r\n" % (i, b"v" * 49) for i in range(count))


def test_a_header_block_over_64_kib_is_431_and_the_connection_closes(
    server: ServerThread,
) -> None:
    request = many_headers(MAX_HEADER_BYTES + 16 * 1024) + b"\r\n"
    with connect(server.port) as sock:
        sock.sendall(request)
        assert_normal_client_served(server.port, "an 80 KiB header block")
        [response] = read_responses(sock, 1)
        assert response.status == 431
        assert response.headers["connection"] == "close"
        assert closed_by_server(sock)


def test_a_header_block_just_under_64_kib_is_served(server: ServerThread) -> None:
    request = many_headers(MAX_HEADER_BYTES - 4 * 1024) + b"\r\n"
    [response] = attack(server.port, request, "a 60 KiB header block")
    assert response.status == 200
    assert response.json() == {"status": "ok"}


def test_a_pipelined_head_after_a_large_body_is_not_taken_for_an_oversized_head(
    server: ServerThread,
) -> None:
    # Read boundaries cannot be chosen over a socket, so the driver is fed these reads
    # directly: the first ends inside a head; the second finishes it, carries a 100 KB
    # body and begins the next request's head, which the third ends.
    body = b"token=xoxb-1-classic&pad=" + b"a" * 100_000
    reads = [
        b"POST /api/auth.test HTTP/1.1\r\nHost: 127.0.0.1\r\n",
        b"Content-Type: application/x-www-form-urlencoded\r\n"
        + b"Content-Length: %d\r\n\r\n%b" % (len(body), body)
        + b"GET /healthz HTTP/1.1\r\n",
        b"Host: 127.0.0.1\r\n\r\n",
    ]
    app = server.app
    assert app is not None
    with socket.create_server(("127.0.0.1", 0)) as listener:
        client = connect(listener.getsockname()[1])
        accepted, _ = listener.accept()

    async def feed() -> None:
        protocol = HttpProtocol(
            app, scheme="http", new_request_id=app.ids.request_id, body_timeout_secs=WAIT_SECS
        )
        loop = asyncio.get_running_loop()
        await loop.connect_accepted_socket(lambda: protocol, accepted)
        for data in reads:
            protocol.data_received(data)

    with client:
        server.run(feed())
        responses = read_responses(client, 2)
    assert [r.status for r in responses] == [200, 200]
    assert responses[0].json()["user_id"] == "U0BOT"
    assert responses[1].json() == {"status": "ok"}
