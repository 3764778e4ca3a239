"""channels.list: the retired method in its historic shape, and method_deprecated when off."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from slackline.testing.server import ServerThread
from tests.helpers.http import WORKSPACE_FILE, api, start_server

EXTRA_WORKSPACE = """
teams:
  - id: T0001
    conversations:
      - {id: C0009, name: old-news, is_archived: true, members: [U0001]}
"""
BOT = "xoxb-1-classic"


@pytest.fixture(scope="module")
def acme(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerThread]:
    """The test workspace plus an archived public channel."""
    tmp_path = tmp_path_factory.mktemp("legacy")
    extra = tmp_path / "extra.yaml"
    extra.write_text(EXTRA_WORKSPACE)
    thread = start_server(tmp_path, workspaces=(WORKSPACE_FILE, str(extra)))
    yield thread
    thread.stop()


def channels(server: ServerThread, token: str = BOT, **args: str) -> dict[str, Any]:
    """channels.list that must succeed; returns its body."""
    body = api(server, "channels.list", token, **args).body
    assert body["ok"] is True, body
    return body


def test_channels_list_returns_public_channels_only(acme: ServerThread) -> None:
    body = channels(acme)
    assert [c["id"] for c in body["channels"]] == ["C0001", "C0002", "C0009"]
    assert body["response_metadata"] == {"next_cursor": ""}


def test_channels_list_uses_the_legacy_object_with_members(acme: ServerThread) -> None:
    general = channels(acme)["channels"][0]
    assert general["members"] == ["U0001", "U0002", "U0BOT"]
    assert general["num_members"] == 3
    assert (general["is_channel"], general["is_member"], general["is_general"]) == (
        True,
        True,
        True,
    )


def test_channels_list_can_leave_members_out_but_keeps_the_count(acme: ServerThread) -> None:
    general = channels(acme, exclude_members="true")["channels"][0]
    assert "members" not in general
    assert general["num_members"] == 3


def test_channels_list_can_exclude_archived_channels(acme: ServerThread) -> None:
    assert [c["id"] for c in channels(acme, exclude_archived="1")["channels"]] == [
        "C0001",
        "C0002",
    ]


def test_channels_list_pages_with_limit(acme: ServerThread) -> None:
    first = channels(acme, limit="2")
    cursor = first["response_metadata"]["next_cursor"]
    second = channels(acme, limit="2", cursor=cursor)
    assert [c["id"] for c in first["channels"]] == ["C0001", "C0002"]
    assert [c["id"] for c in second["channels"]] == ["C0009"]
    assert second["response_metadata"]["next_cursor"] == ""


def test_channels_list_never_shows_another_teams_channels(acme: ServerThread) -> None:
    assert [c["id"] for c in channels(acme, "xoxb-grid-bot")["channels"]] == ["C1001"]


def test_channels_list_rejects_a_foreign_cursor(acme: ServerThread) -> None:
    body = api(acme, "channels.list", BOT, cursor="!!").body
    assert body == {"ok": False, "error": "invalid_cursor"}


def test_channels_list_is_method_deprecated_with_legacy_methods_off(tmp_path: Path) -> None:
    server = start_server(tmp_path, legacy_methods=False)
    try:
        body = api(server, "channels.list", BOT).body
    finally:
        server.stop()
    assert body == {"ok": False, "error": "method_deprecated"}
