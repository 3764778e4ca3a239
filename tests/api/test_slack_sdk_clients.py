"""The companion methods through slack_sdk's WebClient and AsyncWebClient, unmodified.

The synchronous client POSTs form bodies; the asynchronous one uses GET with query strings
for the read methods, so both argument paths are exercised. Both paginate with their own
cursor handling (``SlackResponse`` iteration) as well as with explicit cursor loops.
"""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from slackline.testing.server import ServerThread

ACME_USERS = ["U0001", "U0002", "U0003", "U0004", "U0005", "U0BOT", "U0DEADBOT", "U0DENIED"]
ALICE = "xoxp-1-client"
BOT = "xoxb-1-classic"


def sync_client(server: ServerThread, token: str = BOT) -> WebClient:
    """A WebClient pointed at the test server."""
    return WebClient(token=token, base_url=server.base_url + "/api/")


def async_client(server: ServerThread, token: str = BOT) -> AsyncWebClient:
    """An AsyncWebClient pointed at the test server."""
    return AsyncWebClient(token=token, base_url=server.base_url + "/api/")


def test_web_client_follows_users_list_cursors_to_the_end(server: ServerThread) -> None:
    client = sync_client(server)
    seen: list[str] = []
    pages = 0
    cursor = None
    while True:
        response = client.users_list(limit=2, cursor=cursor)
        seen += [member["id"] for member in response["members"]]
        pages += 1
        cursor = response["response_metadata"]["next_cursor"]
        if not cursor:
            break
    assert (seen, pages) == (ACME_USERS, 4)


def test_web_client_iterates_users_list_pages_itself(server: ServerThread) -> None:
    pages = [[m["id"] for m in page["members"]] for page in sync_client(server).users_list(limit=2)]
    assert pages == [ACME_USERS[i : i + 2] for i in range(0, len(ACME_USERS), 2)]


def test_async_web_client_follows_users_list_cursors_to_the_end(server: ServerThread) -> None:
    async def collect() -> list[str]:
        client = async_client(server)
        seen: list[str] = []
        cursor = None
        while True:
            response = await client.users_list(limit=2, cursor=cursor)
            seen += [member["id"] for member in response["members"]]
            cursor = response["response_metadata"]["next_cursor"]
            if not cursor:
                return seen

    assert asyncio.run(collect()) == ACME_USERS


def test_async_web_client_iterates_users_list_pages_itself(server: ServerThread) -> None:
    async def collect() -> list[list[str]]:
        response = await async_client(server).users_list(limit=3)
        return [[m["id"] for m in page["members"]] async for page in response]

    pages = asyncio.run(collect())
    assert [len(page) for page in pages] == [3, 3, 2]
    assert [user for page in pages for user in page] == ACME_USERS


def test_web_client_pages_conversations_list_across_types(server: ServerThread) -> None:
    client = sync_client(server, ALICE)
    pages = client.conversations_list(types="public_channel,private_channel", limit=1)
    assert [page["channels"][0]["id"] for page in pages] == ["C0001", "C0002", "G0001"]


def test_async_web_client_pages_conversations_list_with_a_get_query(server: ServerThread) -> None:
    async def collect() -> list[str]:
        client = async_client(server)
        response = await client.conversations_list(types="public_channel,private_channel,im")
        return [channel["id"] for channel in response["channels"]]

    assert asyncio.run(collect()) == ["C0001", "C0002", "D0001", "G0002"]


def test_web_client_posts_and_reads_back_through_history(server: ServerThread) -> None:
    client = sync_client(server)
    posted = client.chat_postMessage(channel="G0002", text="sdk hello")
    assert (posted["message"]["bot_id"], posted["message"]["user"]) == ("B0001", "U0BOT")
    history = client.conversations_history(channel="G0002", limit=1)
    assert history["messages"][0]["ts"] == posted["ts"]


def test_async_web_client_pages_history_newest_first(server: ServerThread) -> None:
    async def run() -> tuple[list[str], list[str]]:
        client = async_client(server)
        posted = [
            (await client.chat_postMessage(channel="D0001", text=f"dm {n}"))["ts"] for n in range(5)
        ]
        response = await client.conversations_history(channel="D0001", limit=2)
        read = [m["ts"] async for page in response for m in page["messages"]]
        return posted, read

    posted, read = asyncio.run(run())
    assert read[:5] == posted[::-1]


def test_web_client_pages_conversation_members(server: ServerThread) -> None:
    pages = sync_client(server).conversations_members(channel="C0001", limit=2)
    assert [page["members"] for page in pages] == [["U0001", "U0002"], ["U0BOT"]]


def test_web_client_sets_and_reads_presence(server: ServerThread) -> None:
    client = sync_client(server, ALICE)
    client.users_setPresence(presence="away")
    away = client.users_getPresence(user="U0001")
    client.users_setPresence(presence="auto")
    assert (away["presence"], away["manual_away"]) == ("away", True)
    assert client.users_getPresence(user="U0001")["manual_away"] is False


def test_web_client_sets_a_profile_with_a_json_body(server: ServerThread) -> None:
    client = sync_client(server, ALICE)
    client.users_profile_set(profile={"status_text": "in the SDK", "status_emoji": ":snake:"})
    assert client.users_profile_get()["profile"]["status_text"] == "in the SDK"


def test_async_web_client_reads_user_info(server: ServerThread) -> None:
    async def run() -> Any:
        return (await async_client(server).users_info(user="U0002"))["user"]

    assert asyncio.run(run())["name"] == "bob"


def test_web_client_lists_legacy_channels(server: ServerThread) -> None:
    with pytest.warns(UserWarning, match="deprecated"):
        response = sync_client(server).channels_list(exclude_archived=True)
    assert [c["id"] for c in response["channels"]] == ["C0001", "C0002"]


@pytest.mark.parametrize(
    ("method", "args", "error"),
    [
        ("users_info", {"user": "U1001"}, "user_not_found"),
        ("users_setPresence", {"presence": "busy"}, "invalid_presence"),
        ("users_profile_set", {"name": "title", "value": "x", "user": "U0002"}, "not_admin"),
        ("conversations_list", {"types": "channels"}, "invalid_types"),
        ("conversations_info", {"channel": "G0001"}, "channel_not_found"),
        ("conversations_members", {"channel": "C1001"}, "channel_not_found"),
        ("conversations_history", {"channel": "G0001"}, "channel_not_found"),
        ("conversations_history", {"channel": "C0001", "latest": "x"}, "invalid_ts_latest"),
        ("conversations_history", {"channel": "C0001", "oldest": "x"}, "invalid_ts_oldest"),
        pytest.param(
            "chat_postMessage",
            {"channel": "C0001", "text": ""},
            "no_text",
            # The SDK warns before sending; the server's answer is what is under test.
            marks=pytest.mark.filterwarnings("ignore:The top-level `text` argument"),
        ),
        ("chat_postMessage", {"channel": "C0002", "text": "hi"}, "not_in_channel"),
        ("chat_postMessage", {"channel": "C1001", "text": "hi"}, "channel_not_found"),
        ("chat_postMessage", {"channel": "C0001", "text": "x" * 40_001}, "msg_too_long"),
    ],
)
def test_web_client_raises_slack_api_error_with_slacks_code(
    server: ServerThread, method: str, args: dict[str, str], error: str
) -> None:
    with pytest.raises(SlackApiError) as raised:
        getattr(sync_client(server), method)(**args)
    assert raised.value.response["error"] == error


@pytest.mark.parametrize(
    ("method", "args", "error"),
    [
        ("users_info", {"user": "U9999"}, "user_not_found"),
        ("users_list", {"cursor": "bm9wZTp4"}, "invalid_cursor"),
        ("conversations_info", {"channel": "C1001"}, "channel_not_found"),
        ("chat_postMessage", {"channel": "G0001", "text": "hi"}, "channel_not_found"),
    ],
)
def test_async_web_client_raises_slack_api_error_with_slacks_code(
    server: ServerThread, method: str, args: dict[str, str], error: str
) -> None:
    async def call() -> None:
        await getattr(async_client(server), method)(**args)

    with pytest.raises(SlackApiError) as raised:
        asyncio.run(call())
    assert raised.value.response["error"] == error
