"""Drives the aiohttp RTM clients: ``slack_sdk.rtm.RTMClient`` or slackclient 2's ``slack``.

Usage: ``legacy_rtm_driver.py MODULE`` with MODULE ``slack_sdk.rtm`` (main venv) or
``slack`` (``.venv-slackclient2``); both have the same class. Environment:
``SLACKLINE_BASE_URL``, ``SLACKLINE_TOKEN``, optional ``SLACKLINE_CONNECT_METHOD``
(``rtm.connect`` by default) and ``SLACKLINE_RUN_ASYNC`` (``1``, the default: Web API calls
through aiohttp; ``0``: through the synchronous urllib client, which for slackclient 2.9
means an empty body sent as ``application/json``). Protocol: see driverio.py.

These clients pop ``type`` off each event and dispatch on it (``"Unknown"`` when there is
none, as for message acknowledgements); the driver puts it back, so the test sees the frames
as they came. They have no wildcard listener, so every RTM event type is registered.
"""

import asyncio
import importlib
import json
import logging
import os
import sys

from driverio import command_name, emit, setting

logging.basicConfig(stream=sys.stderr, level=logging.INFO)

EVENT_TYPES = (
    "hello", "message", "presence_change", "manual_presence_change", "user_typing",
    "user_change", "goodbye", "team_migration_started", "pong", "error", "Unknown",
)  # fmt: skip
RTMClient = importlib.import_module(sys.argv[1]).RTMClient


def listener(name):
    async def on_event(**payload):
        data = payload["data"]
        if name == "error" and not isinstance(data, dict):
            emit(status="error", detail=repr(data))  # the client's own error, not an event
        elif name == "Unknown":
            emit(event=data)
        else:
            emit(event={"type": name, **data})

    return on_event


async def on_open(**payload):
    emit(status="open", url=payload["data"].get("url"))


async def on_close(**payload):
    emit(status="close")


async def commands(client):
    """Carry out stdin commands on the client's loop until told to stop, then stop it."""
    reader = asyncio.StreamReader()
    loop = asyncio.get_running_loop()
    await loop.connect_read_pipe(lambda: asyncio.StreamReaderProtocol(reader), sys.stdin)
    while True:
        line = await reader.readline()
        command = {"stop": True} if not line else json.loads(line)
        name = command_name(command)
        if name == "stop":
            client.stop()
            return
        try:
            if name == "send":
                await client.send_over_websocket(payload=command["send"])
            else:
                raise ValueError(f"unsupported command {name}")
        except Exception as error:
            emit(failed=name, detail=repr(error))
            continue
        emit(done=name)


def main():
    for name in EVENT_TYPES:
        RTMClient.on(event=name, callback=listener(name))
    RTMClient.on(event="open", callback=on_open)
    RTMClient.on(event="close", callback=on_close)
    loop = asyncio.new_event_loop()
    asyncio.set_event_loop(loop)
    run_async = os.environ.get("SLACKLINE_RUN_ASYNC", "1") == "1"
    client = RTMClient(
        token=setting("SLACKLINE_TOKEN"),
        base_url=setting("SLACKLINE_BASE_URL") + "/api/",
        run_async=run_async,
        loop=loop,
        connect_method=os.environ.get("SLACKLINE_CONNECT_METHOD", "rtm.connect"),
        ping_interval=2,  # aiohttp heartbeat: WebSocket pings the server must answer within 1 s
    )
    stopping = loop.create_task(commands(client))
    try:
        if run_async:
            # Web API calls through aiohttp (GET rtm.connect); start() returns a future.
            loop.run_until_complete(asyncio.gather(client.start(), stopping))
        else:
            # Web API calls through urllib (POST, empty body); start() runs the loop itself.
            client.start()
            loop.run_until_complete(stopping)
    except Exception as error:
        emit(status="stop_error", detail=repr(error))
    emit(status="stopped")


main()
