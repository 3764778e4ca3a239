"""Fixtures of the Socket Mode tests: a server whose team has a Socket Mode app with a bot
in #general and an app-level token, and a person to post there."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from slackline.testing.server import ServerThread
from tests.helpers.http import serving, start_server

APP_TOKEN = "xapp-1-A0SOCKET01-1-socketsecret"
BOT_TOKEN = "xoxb-socket-bot-token"
PERSON_TOKEN = "xoxp-socket-person-token"
APP_ID = "A0SOCKET01"
BOT_USER = "U0SOCKBOT"
PERSON = "U0SOCKPER"
GENERAL = "C0SOCKGEN"
PRIVATE = "G0SOCKPRV"
RTM_BOT_TOKEN = "xoxb-socket-rtm-classic-bot"  # a classic bot on RTM beside the app
HTTP_BOT_TOKEN = "xoxb-socket-http-bot-token"  # the bot of an app on the HTTP Events API
HTTP_BOT_USER = "U0HTTPBOT"

WORKSPACE = f"""
teams:
  - id: T0SOCKET1
    name: Sockets
    domain: sockets
    users:
      - {{id: {PERSON}, name: pat, real_name: Pat Person}}
    bots:
      - {{id: B0SOCKBOT, user_id: {BOT_USER}, name: sockbot}}
      - {{id: B0RTMBOT1, user_id: U0RTMBOT1, name: rtmbot}}
      - {{id: B0HTTPBOT, user_id: {HTTP_BOT_USER}, name: httpbot}}
    conversations:
      - {{id: {GENERAL}, name: general, is_general: true,
         members: [{PERSON}, {BOT_USER}, U0RTMBOT1, {HTTP_BOT_USER}]}}
      - {{id: {PRIVATE}, name: secret, is_private: true, members: [{PERSON}]}}
    apps:
      - id: {APP_ID}
        name: Socket Bot
        kind: granular
        redirect_urls: [http://127.0.0.1:9/cb]
        scopes: [channels:history, app_mentions:read, chat:write, groups:history]
        bot_user: {BOT_USER}
        socket_mode: true
        event_subscriptions: [message.channels, message.groups, app_mention]
        commands: [/sock]
    tokens:
      - {{token: {PERSON_TOKEN}, user: {PERSON}, type: user}}
      - {{token: {RTM_BOT_TOKEN}, user: U0RTMBOT1, type: classic_bot}}
      - {{token: {HTTP_BOT_TOKEN}, user: {HTTP_BOT_USER}, type: granular_bot,
         scopes: [channels:history, app_mentions:read, chat:write]}}
      - {{token: {BOT_TOKEN}, user: {BOT_USER}, type: granular_bot,
         scopes: [channels:history, app_mentions:read, chat:write]}}
      - {{token: {APP_TOKEN}, user: {BOT_USER}, type: app, app: {APP_ID},
         scopes: [connections:write]}}
"""


def start_socket_server(tmp_path: Path, **overrides: Any) -> ServerThread:
    """A server with :data:`WORKSPACE`; the caller stops it."""
    path = tmp_path / "socket-workspace.yaml"
    path.write_text(WORKSPACE, encoding="utf-8")
    return start_server(tmp_path, workspaces=(str(path),), **overrides)


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerThread]:
    """One server for the module, with a short acknowledgement deadline (retries are tested)."""
    yield from serving(start_socket_server(tmp_path_factory.mktemp("socket"),
                                           socket_mode_ack_secs=1.0))  # fmt: skip
