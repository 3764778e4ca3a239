"""Drives slackclient 1.x's ``SlackClient`` (``.venv-slackclient1``) for the real-client tests.

slackclient 1 has no base-URL option: it posts to ``https://slack.com/api/METHOD``. The
shim here swaps the ``requests`` module its request code uses for one
that rewrites that prefix to ``SLACKLINE_BASE_URL`` (an ``https://127.0.0.1:TLSPORT``);
no library file is edited. Its idle reads only work over TLS (a plain socket raises
BlockingIOError), so the server hands it ``wss://`` URLs, trusted through
``WEBSOCKET_CLIENT_CA_BUNDLE`` (and ``REQUESTS_CA_BUNDLE`` for the Web API).

Environment: ``SLACKLINE_BASE_URL``, ``SLACKLINE_TOKEN``, ``SLACKLINE_CONNECT_METHOD``
(``rtm.start``, the library's default, or ``rtm.connect``). The client is a polling one:
the driver calls ``rtm_read()`` every ``POLL_SECS`` and carries out commands in between.
Protocol: see driverio.py.
"""

import logging
import queue
import sys

import requests
import slackclient.slackrequest
from driverio import command_name, emit, read_commands, setting
from slackclient import SlackClient

logging.basicConfig(stream=sys.stderr, level=logging.INFO)

POLL_SECS = 0.02
SLACK_API = "https://slack.com/api/"
BASE_URL = setting("SLACKLINE_BASE_URL")
_post = requests.post


class RequestsToSlackline:
    """``requests`` as slackclient 1 sees it: the same, but posts go to the local server."""

    def __getattr__(self, name):
        return getattr(requests, name)

    @staticmethod
    def post(url, *args, **kwargs):
        return _post(url.replace(SLACK_API, BASE_URL + "/api/"), *args, **kwargs)


slackclient.slackrequest.requests = RequestsToSlackline()

client = SlackClient(setting("SLACKLINE_TOKEN"))
with_team_state = setting("SLACKLINE_CONNECT_METHOD") == "rtm.start"
if not client.rtm_connect(with_team_state=with_team_state, auto_reconnect=True):
    emit(status="connect_failed")
    sys.exit(1)
emit(
    status="connected",
    team=client.server.domain,
    self=client.server.username,
    channels=sorted(channel.id for channel in client.server.channels),
    users=sorted(client.server.users),
)
commands = queue.Queue()
read_commands(commands.put)


def carry_out(command):
    """Run one command; False once told to stop."""
    name = command_name(command)
    if name == "stop":
        return False
    try:
        if name == "send":
            client.server.send_to_websocket(command["send"])
        elif name == "send_message":
            client.rtm_send_message(
                command["send_message"]["channel"], command["send_message"]["text"]
            )
        else:
            raise ValueError(f"unsupported command {name}")
    except Exception as error:
        emit(failed=name, detail=repr(error))
    else:
        emit(done=name)
    return True


running = True
while running:
    try:
        events = client.rtm_read()
    except Exception as error:
        emit(status="error", detail=repr(error))
        sys.exit(1)
    for event in events:
        emit(event=event)
    try:
        command = commands.get(timeout=POLL_SECS)
    except queue.Empty:
        continue
    running = carry_out(command)
client.server.websocket.close()
emit(status="stopped")
