"""Drives slack_sdk's ``rtm_v2.RTMClient`` (synchronous, threads) for
tests/clients/test_real_clients.py.

Environment: ``SLACKLINE_BASE_URL`` (``http://127.0.0.1:PORT``; the client decides TLS by
port, so plain ``ws://`` is what it gets) and ``SLACKLINE_TOKEN`` (a bot token: rtm_v2 drops
every event unless ``auth.test`` returns a ``bot_id``). Protocol: see driverio.py.
"""

import logging
import sys
import threading

from driverio import command_name, emit, read_commands, setting
from slack_sdk.rtm_v2 import RTMClient

logging.basicConfig(stream=sys.stderr, level=logging.INFO)

rtm = RTMClient(
    token=setting("SLACKLINE_TOKEN"),
    base_url=setting("SLACKLINE_BASE_URL") + "/api/",
    ping_interval=1,
)
stopped = threading.Event()


@rtm.on("*")
def every_event(client, event):
    # "*" is the only listener that sees replies, which carry no type.
    emit(event=event)


def handle(command):
    name = command_name(command)
    try:
        if name == "stop":
            rtm.auto_reconnect_enabled = False  # close() alone leaves the monitor reconnecting
            rtm.close()
            stopped.set()
            return
        if name == "send":
            rtm.send(command["send"])
        else:
            raise ValueError(f"unsupported command {name}")
    except Exception as error:
        emit(failed=name, detail=repr(error))
        return
    emit(done=name)


rtm.connect()
emit(status="connected", bot_id=rtm.bot_id)
read_commands(handle)
stopped.wait()
emit(status="stopped")
