"""The two paths a newcomer takes first: health, and rtm.connect returning a URL."""

from __future__ import annotations

from slackline.testing.server import ServerThread
from tests.helpers.http import api, http_request


def test_healthz_answers_200_once_ready(server: ServerThread) -> None:
    result = http_request(server.port, "GET", "/healthz")
    assert result.status == 200
    assert result.body == {"status": "ok"}


def test_rtm_connect_returns_a_socket_url_for_a_classic_bot(server: ServerThread) -> None:
    result = api(server, "rtm.connect", "xoxb-1-classic")
    assert result.status == 200
    assert result.body["ok"] is True
    assert result.body["url"].startswith(f"ws://127.0.0.1:{server.port}/websocket/")
    assert result.body["self"] == {"id": "U0BOT", "name": "pybot"}
    assert result.body["team"] == {"id": "T0001", "name": "Acme", "domain": "acme"}
