"""A small RTM bot on slack_sdk's ``rtm_v2``: it answers commands in the channel they came from.

- ``ping`` -> ``pong``
- ``echo <text>`` -> ``<text>``
- a message saying ``hello`` gets a :wave: reaction
- someone joining a channel the bot is in is welcomed by name

Run it against Slack or a local Slackline (``slackline serve --demo``)::

    SLACK_BOT_TOKEN=xoxb-demo-bot-token SLACK_API_URL=http://127.0.0.1:8080/api/ \\
        python echo_bot.py
"""

from __future__ import annotations

import os
import threading
from typing import Any

from slack_sdk.rtm_v2 import RTMClient


def answer(text: str) -> str | None:
    """The bot's reply to a message text, or None when it has nothing to say."""
    if text.strip() == "ping":
        return "pong"
    if text.startswith("echo "):
        return text[len("echo ") :]
    return None


def create_bot(token: str, api_url: str = "https://slack.com/api/") -> RTMClient:
    """An RTM client with the bot's listeners, not yet connected."""
    rtm = RTMClient(token=token, base_url=api_url, ping_interval=1)

    @rtm.on("message")
    def on_message(client: RTMClient, event: dict[str, Any]) -> None:
        if event.get("bot_id") or event.get("subtype"):
            return  # its own posts, edits, deletions
        channel, text = event["channel"], event.get("text", "")
        reply = answer(text)
        if reply is not None:
            client.web_client.chat_postMessage(channel=channel, text=reply)
        if "hello" in text.lower():
            client.web_client.reactions_add(channel=channel, timestamp=event["ts"], name="wave")

    own_user: list[str] = []  # the bot user's id, asked once

    @rtm.on("member_joined_channel")
    def on_join(client: RTMClient, event: dict[str, Any]) -> None:
        if not own_user:
            own_user.append(client.web_client.auth_test()["user_id"])
        if event["user"] != own_user[0]:
            client.web_client.chat_postMessage(
                channel=event["channel"], text=f"welcome <@{event['user']}>!"
            )

    return rtm


def start_bot(token: str, api_url: str, wait_secs: float = 30.0) -> RTMClient | None:
    """Create the bot, connect it in a background thread (``rtm_v2`` blocks in connect) and
    return it once the server's ``hello`` arrived, or None if none came within ``wait_secs``.

    Waiting for ``hello`` matters: a message posted before the session is up never reaches
    the bot, so saying "connected" any earlier would be a lie a quick person could catch.
    """
    rtm = create_bot(token, api_url)
    greeted = threading.Event()

    @rtm.on("hello")
    def on_hello(client: RTMClient, event: dict[str, Any]) -> None:
        greeted.set()

    threading.Thread(target=rtm.connect, daemon=True).start()
    if greeted.wait(wait_secs):
        return rtm
    stop_bot(rtm)
    return None


def stop_bot(rtm: RTMClient) -> None:
    """Disconnect for good (``close`` alone would let the monitor reconnect)."""
    rtm.auto_reconnect_enabled = False
    rtm.close()


if __name__ == "__main__":
    create_bot(os.environ["SLACK_BOT_TOKEN"], os.environ["SLACK_API_URL"]).start()
