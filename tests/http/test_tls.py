"""The TLS listener and the public URL overrides (decisions D.1)."""

from __future__ import annotations

import http.client
import json
import ssl
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import trustme
from websockets.sync.client import connect

from slackline.testing.server import ServerThread
from tests.helpers.http import api, start_server
from tests.helpers.rtm import recv_json, recv_until, send_json

BEARER = {"Authorization": "Bearer xoxb-1-classic"}


@pytest.fixture(scope="module")
def ca() -> trustme.CA:
    """A throw-away certificate authority."""
    return trustme.CA()


@pytest.fixture(scope="module")
def tls_files(ca: trustme.CA, tmp_path_factory: pytest.TempPathFactory) -> tuple[str, str]:
    """A certificate for 127.0.0.1 and its key, as PEM files."""
    folder = tmp_path_factory.mktemp("tls")
    cert = ca.issue_cert("127.0.0.1", "localhost")
    cert_file, key_file = folder / "cert.pem", folder / "key.pem"
    cert.cert_chain_pems[0].write_to_path(str(cert_file))
    cert.private_key_pem.write_to_path(str(key_file))
    return str(cert_file), str(key_file)


def start_tls(tmp_path: Path, tls_files: tuple[str, str], **overrides: Any) -> ServerThread:
    """A server with a TLS listener on a free port."""
    cert, key = tls_files
    return start_server(tmp_path, tls_port=0, tls_cert=cert, tls_key=key, **overrides)


@pytest.fixture
def tls_server(tmp_path: Path, tls_files: tuple[str, str]) -> Iterator[ServerThread]:
    """A server with a TLS listener and no URL overrides."""
    thread = start_tls(tmp_path, tls_files)
    yield thread
    thread.stop()


def https_get(server: ServerThread, ca: trustme.CA, path: str) -> tuple[int, dict[str, Any]]:
    """GET over HTTPS, trusting only the test CA."""
    context = ssl.create_default_context()
    ca.configure_trust(context)
    connection = http.client.HTTPSConnection(
        "127.0.0.1", server.tls_port, context=context, timeout=10
    )
    try:
        connection.request("GET", path, headers=BEARER)
        response = connection.getresponse()
        return response.status, json.loads(response.read())
    finally:
        connection.close()


def test_rtm_connect_over_https_returns_a_wss_url_on_the_tls_port(
    tls_server: ServerThread, ca: trustme.CA
) -> None:
    status, body = https_get(tls_server, ca, "/api/rtm.connect")
    assert status == 200
    assert body["ok"] is True
    assert body["url"].startswith(f"wss://127.0.0.1:{tls_server.tls_port}/websocket/")


def test_the_plain_listener_still_returns_a_ws_url(tls_server: ServerThread) -> None:
    result = api(tls_server, "rtm.connect", "xoxb-1-classic")
    assert result.body["url"].startswith(f"ws://127.0.0.1:{tls_server.port}/websocket/")


def test_public_url_overrides_the_plain_listeners_base(tmp_path: Path) -> None:
    thread = start_server(tmp_path, public_url="https://chat.example.com/")
    try:
        result = api(thread, "rtm.connect", "xoxb-1-classic")
    finally:
        thread.stop()
    assert result.body["url"].startswith("wss://chat.example.com/websocket/")


def test_tls_public_url_overrides_the_tls_listeners_base(
    tmp_path: Path, tls_files: tuple[str, str], ca: trustme.CA
) -> None:
    thread = start_tls(
        tmp_path,
        tls_files,
        public_url="http://plain.example.com:8080",
        tls_public_url="https://secure.example.com",
    )
    try:
        _, body = https_get(thread, ca, "/api/rtm.connect")
        plain = api(thread, "rtm.connect", "xoxb-1-classic")
    finally:
        thread.stop()
    assert body["url"].startswith("wss://secure.example.com/websocket/")
    assert plain.body["url"].startswith("ws://plain.example.com:8080/websocket/")


def test_a_wss_session_gets_hello_and_acknowledgements(
    tmp_path: Path, ca: trustme.CA, tls_files: tuple[str, str]
) -> None:
    server = start_tls(tmp_path, tls_files)
    try:
        status, body = https_get(server, ca, "/api/rtm.connect")
        assert status == 200 and body["url"].startswith(f"wss://127.0.0.1:{server.tls_port}/")
        context = ssl.create_default_context()
        ca.configure_trust(context)
        with connect(body["url"], ssl=context) as ws:
            assert recv_json(ws) == {"type": "hello"}
            send_json(ws, {"id": 1, "type": "message", "channel": "C0001", "text": "over tls"})
            ack = recv_until(ws, lambda frame: frame.get("reply_to") == 1)
            assert ack["ok"] is True and ack["text"] == "over tls"
    finally:
        server.stop()
