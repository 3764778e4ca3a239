"""The HTTP/1.1 driver: keep-alive, pipelining, malformed input, verbs and paths."""

from __future__ import annotations

import asyncio
import contextlib
import socket
from pathlib import Path

from slackline.http.request import Request, Response
from slackline.http.server import MAX_BODY_BYTES, HttpProtocol
from slackline.testing.server import ServerThread, exchange, read_responses
from tests.helpers.http import http_request, start_server

JSON_UTF8 = "application/json; charset=utf-8"


def rtm_connect_request(*, close: bool = False) -> bytes:
    """A GET rtm.connect request as raw bytes."""
    connection = b"Connection: close\r\n" if close else b""
    return (
        b"GET /api/rtm.connect HTTP/1.1\r\nHost: 127.0.0.1\r\n"
        b"Authorization: Bearer xoxb-1-classic\r\n" + connection + b"\r\n"
    )


def test_several_requests_share_one_keep_alive_connection(server: ServerThread) -> None:
    with socket.create_connection(("127.0.0.1", server.port), timeout=5) as sock:
        for _ in range(3):
            sock.sendall(rtm_connect_request())
            [response] = read_responses(sock, 1)
            assert response.status == 200
            assert response.json()["ok"] is True
            assert response.headers["connection"] == "keep-alive"


def test_two_pipelined_requests_are_answered_in_order(server: ServerThread) -> None:
    first = b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"
    responses = exchange(server.port, first + rtm_connect_request(), count=2)
    assert [r.status for r in responses] == [200, 200]
    assert responses[0].json() == {"status": "ok"}
    assert responses[1].json()["ok"] is True
    assert responses[0].headers["x-slack-req-id"] != responses[1].headers["x-slack-req-id"]


def test_connection_close_is_honoured(server: ServerThread) -> None:
    with socket.create_connection(("127.0.0.1", server.port), timeout=5) as sock:
        sock.sendall(rtm_connect_request(close=True))
        [response] = read_responses(sock, 1)
        assert response.headers["connection"] == "close"
        assert sock.recv(1) == b""


def test_malformed_http_gets_400_and_a_close(server: ServerThread) -> None:
    [response] = exchange(server.port, b"THIS IS NOT HTTP\r\n\r\n")
    assert response.status == 400
    assert response.headers["content-type"] == JSON_UTF8


def test_the_server_stays_healthy_after_malformed_http(server: ServerThread) -> None:
    exchange(server.port, b"GET / HTTP/1.1\r\nBad Header Line\r\n\r\n")
    assert http_request(server.port, "GET", "/healthz").status == 200


def test_get_with_query_arguments_works(server: ServerThread) -> None:
    result = http_request(
        server.port,
        "GET",
        "/api/rtm.connect?batch_presence_aware=1",
        headers={"Authorization": "Bearer xoxb-1-classic"},
    )
    assert result.status == 200
    assert result.body["ok"] is True


def test_post_with_a_form_body_works(server: ServerThread) -> None:
    result = http_request(
        server.port,
        "POST",
        "/api/rtm.connect",
        "token=xoxb-1-classic&batch_presence_aware=1",
        {"Content-Type": "application/x-www-form-urlencoded"},
    )
    assert result.status == 200
    assert result.body["ok"] is True


def test_a_chunked_body_is_read_whole(server: ServerThread) -> None:
    body = b"token=xoxb-1-classic"
    request = (
        b"POST /api/rtm.connect HTTP/1.1\r\nHost: 127.0.0.1\r\n"
        b"Content-Type: application/x-www-form-urlencoded\r\nTransfer-Encoding: chunked\r\n\r\n"
        + f"{len(body):x}\r\n".encode()
        + body
        + b"\r\n0\r\n\r\n"
    )
    [response] = exchange(server.port, request)
    assert response.json()["ok"] is True


def test_an_unknown_path_is_404(server: ServerThread) -> None:
    result = http_request(server.port, "GET", "/nowhere")
    assert result.status == 404
    assert result.body == {"ok": False, "error": "not_found"}
    assert result.headers["content-type"] == JSON_UTF8
    assert result.headers["x-slack-req-id"]


def test_an_unknown_method_under_api_is_200_unknown_method(server: ServerThread) -> None:
    result = http_request(server.port, "GET", "/api/no.such.method")
    assert result.status == 200
    assert result.body == {"ok": False, "error": "unknown_method"}


def test_a_request_before_malformed_bytes_is_still_answered_first(server: ServerThread) -> None:
    payload = b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\nNOT HTTP AT ALL\r\n\r\n"
    responses = exchange(server.port, payload, count=2)
    assert [r.status for r in responses] == [200, 400]


def test_a_half_close_after_a_whole_request_gets_the_answer_and_a_close(
    server: ServerThread,
) -> None:
    with socket.create_connection(("127.0.0.1", server.port), timeout=5) as sock:
        sock.sendall(rtm_connect_request())
        sock.shutdown(socket.SHUT_WR)
        [response] = read_responses(sock, 1)
        assert response.json()["ok"] is True
        assert sock.recv(1) == b""


def test_expect_100_continue_is_answered_before_the_body(server: ServerThread) -> None:
    head = (
        b"POST /api/rtm.connect HTTP/1.1\r\nHost: 127.0.0.1\r\nExpect: 100-continue\r\n"
        b"Content-Type: application/x-www-form-urlencoded\r\nContent-Length: 20\r\n\r\n"
    )
    with socket.create_connection(("127.0.0.1", server.port), timeout=5) as sock:
        sock.sendall(head)
        assert sock.recv(64).startswith(b"HTTP/1.1 100 Continue\r\n\r\n")
        sock.sendall(b"token=xoxb-1-classic")
        [response] = read_responses(sock, 1)
        assert response.json()["ok"] is True


def test_a_body_over_the_limit_is_413(server: ServerThread) -> None:
    head = (
        b"POST /api/rtm.connect HTTP/1.1\r\nHost: 127.0.0.1\r\n"
        b"Content-Type: application/x-www-form-urlencoded\r\n"
        + f"Content-Length: {MAX_BODY_BYTES + 1}\r\n\r\n".encode()
    )
    [response] = exchange(server.port, head + b"a" * (MAX_BODY_BYTES + 1))
    assert response.status == 413


def test_an_h2c_upgrade_request_is_answered_over_http_1_1(server: ServerThread) -> None:
    request = (
        b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: Upgrade, HTTP2-Settings\r\n"
        b"Upgrade: h2c\r\nHTTP2-Settings: AAMAAABkAAQAAP__\r\n\r\n"
    )
    [response] = exchange(server.port, request)
    assert response.status == 200
    assert response.json() == {"status": "ok"}
    assert response.headers["connection"] == "close"


def test_bytes_arriving_after_the_body_timeout_are_not_a_second_request(
    tmp_path: Path,
) -> None:
    thread = start_server(tmp_path, body_timeout_secs=0.2)
    try:
        head = (
            b"POST /api/rtm.connect HTTP/1.1\r\nHost: 127.0.0.1\r\n"
            b"Content-Type: application/x-www-form-urlencoded\r\nContent-Length: 20\r\n\r\n"
        )
        with socket.create_connection(("127.0.0.1", thread.port), timeout=5) as sock:
            sock.sendall(head + b"token=")
            [late] = read_responses(sock, 1)
            with contextlib.suppress(OSError):  # the server may already have closed
                sock.sendall(b"xoxb-1-classic")
            assert read_responses(sock, 1) == []
    finally:
        thread.stop()
    assert late.json() == {"ok": False, "error": "request_timeout"}


def test_closing_the_listeners_closes_idle_keep_alive_connections(tmp_path: Path) -> None:
    thread = start_server(tmp_path)
    try:
        with socket.create_connection(("127.0.0.1", thread.port), timeout=5) as sock:
            sock.sendall(rtm_connect_request())
            read_responses(sock, 1)
            assert thread.listeners is not None
            thread.run(thread.listeners.close())
            assert sock.recv(1) == b""
    finally:
        thread.stop()


class ExplodingHandler:
    """An application whose every answer fails, standing in for a bug in the app."""

    async def handle(self, request: Request) -> Response:
        """Fail."""
        raise RuntimeError("bug")


def test_a_crashing_handler_gets_500_fatal_error_and_the_connection_survives() -> None:
    async def scenario() -> tuple[bytes, bytes]:
        loop = asyncio.get_running_loop()
        listener = await loop.create_server(
            lambda: HttpProtocol(
                ExplodingHandler(),
                scheme="http",
                new_request_id=lambda: "req-1",
                body_timeout_secs=1.0,
            ),
            "127.0.0.1",
            0,
        )
        port = listener.sockets[0].getsockname()[1]
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        writer.write(b"GET /a HTTP/1.1\r\nHost: x\r\n\r\nGET /b HTTP/1.1\r\nHost: x\r\n\r\n")
        first = await reader.readuntil(b'fatal_error"}')
        second = await reader.readuntil(b'fatal_error"}')
        writer.close()
        listener.close()
        await listener.wait_closed()
        return first, second

    first, second = asyncio.run(scenario())
    assert first.startswith(b"HTTP/1.1 500 ")
    assert second.startswith(b"HTTP/1.1 500 ")
