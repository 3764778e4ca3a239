"""A small asyncio RTM bot on slack_sdk's legacy ``slack_sdk.rtm.RTMClient`` (the API of
slackclient 2): it keeps notes per channel and answers in a thread.

- ``note <text>`` -> stores the note, answers ``noted (N)`` in the message's thread
- ``notes`` -> lists the channel's notes, one per line (``no notes yet`` when empty)

Run it against Slack or a local Slackline (``slackline serve --demo``)::

    SLACK_BOT_TOKEN=xoxb-demo-bot-token SLACK_API_URL=http://127.0.0.1:8080/api/ \\
        python notes_bot.py
"""

from __future__ import annotations

import asyncio
import os
from collections import defaultdict
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from slack_sdk.rtm import RTMClient

STOP_TIMEOUT_SECS = 10.0

# The legacy client keeps its listeners on the class: one notebook for the process.
NOTES: defaultdict[str, list[str]] = defaultdict(list)


def reply_to(channel: str, text: str) -> str | None:
    """The bot's answer to a message text (updating the notes), or None."""
    if text.startswith("note "):
        NOTES[channel].append(text[len("note ") :])
        return f"noted ({len(NOTES[channel])})"
    if text.strip() == "notes":
        return "\n".join(NOTES[channel]) or "no notes yet"
    return None


@RTMClient.run_on(event="message")
async def on_message(**payload: Any) -> None:
    """Answer commands; ignore bots (itself included), edits and deletions."""
    data = payload["data"]
    if data.get("bot_id") or data.get("subtype"):
        return
    answer = reply_to(data["channel"], data.get("text", ""))
    if answer is not None:
        await payload["web_client"].chat_postMessage(
            channel=data["channel"], text=answer, thread_ts=data.get("thread_ts") or data["ts"]
        )


@asynccontextmanager
async def running_bot(token: str, api_url: str) -> AsyncIterator[RTMClient]:
    """The bot connected on the running loop (reconnecting by itself), stopped on exit."""
    client = RTMClient(
        token=token,
        base_url=api_url,
        run_async=True,
        loop=asyncio.get_running_loop(),
        ping_interval=2,  # aiohttp's heartbeat: a socket that stops answering is dropped
    )
    task = asyncio.ensure_future(client.start())
    try:
        yield client
    finally:
        client.stop()
        await asyncio.wait_for(task, STOP_TIMEOUT_SECS)


async def main() -> None:
    """Run until interrupted."""
    async with running_bot(os.environ["SLACK_BOT_TOKEN"], os.environ["SLACK_API_URL"]):
        await asyncio.Event().wait()


if __name__ == "__main__":
    asyncio.run(main())
