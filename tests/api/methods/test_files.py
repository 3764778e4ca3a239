"""files.*: uploads (multipart, ``content``, the external two-step of ``files_upload_v2``),
files.info, files.list, files.delete, ``files`` on messages, the file events on real sockets,
``url_private`` to authorised callers only, and the size limit, on SQLite and PostgreSQL."""

from __future__ import annotations

import http.client
import json
import socket
from collections.abc import Iterator
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from slackline.testing.server import ServerThread
from tests.helpers.events import (
    ALICE,
    BOB,
    BOT,
    DAVE,
    GINA,
    admin,
    barrier,
    error_of,
    frames_until,
    ok,
    start_event_server,
    types_until,
)
from tests.helpers.http import api, http_request, serving
from tests.helpers.postgres import on_backend, postgres_schema
from tests.helpers.rtm import open_socket

# files.upload is what this module tests; slack_sdk warns that it prefers files_upload_v2.
pytestmark = pytest.mark.filterwarnings("ignore:client.files_upload.. may cause:UserWarning")
PNG = b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4


@pytest.fixture(scope="module")
def acme(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerThread]:
    """The test workspace with the event tokens (bob, dave, erin) and the admin API."""
    yield from serving(start_event_server(tmp_path_factory.mktemp("files")))


@pytest.fixture
def fresh(tmp_path: Path) -> Iterator[ServerThread]:
    """A server of its own, for counting files."""
    yield from serving(start_event_server(tmp_path))


@pytest.fixture
def small(tmp_path: Path) -> Iterator[ServerThread]:
    """A server that takes files of at most 1 KiB."""
    yield from serving(start_event_server(tmp_path, max_file_bytes=1024))


def client(server: ServerThread, token: str = ALICE) -> WebClient:
    """A slack_sdk WebClient pointed at the server."""
    return WebClient(token=token, base_url=server.base_url + "/api/")


@dataclass
class Fetched:
    """A raw answer of a file URL."""

    status: int
    headers: dict[str, str]
    body: bytes


def fetch(
    url: str,
    token: str | None = None,
    method: str = "GET",
    body: bytes = b"",
    headers: dict[str, str] | None = None,
) -> Fetched:
    """GET (or POST) a URL of the server with an optional Bearer token."""
    parts = urlsplit(url)
    connection = http.client.HTTPConnection(parts.hostname or "", parts.port, timeout=10)
    headers = dict(headers or {})
    if token:
        headers["Authorization"] = f"Bearer {token}"
    try:
        connection.request(method, parts.path, body=body or None, headers=headers)
        response = connection.getresponse()
        data = response.read()
        return Fetched(response.status, {k.lower(): v for k, v in response.getheaders()}, data)
    finally:
        connection.close()


def snippet(server: ServerThread, token: str = ALICE, **args: str) -> dict[str, Any]:
    """files.upload with ``content``; the file object."""
    args.setdefault("content", "some text")
    return dict(ok(server, "files.upload", token, **args)["file"])


def open_upload(server: ServerThread, token: str = ALICE, **args: str) -> dict[str, Any]:
    """files.getUploadURLExternal that must succeed."""
    return ok(server, "files.getUploadURLExternal", token, **args)


# files.upload


def test_upload_of_bytes_through_web_client_answers_the_file_object(acme: ServerThread) -> None:
    file = client(acme).files_upload(file=PNG, filename="logo.png", title="Our logo")["file"]
    assert file["id"].startswith("F")
    assert (file["name"], file["title"], file["size"]) == ("logo.png", "Our logo", len(PNG))
    assert (file["filetype"], file["mimetype"], file["mode"]) == ("png", "image/png", "hosted")
    assert (file["user"], file["user_team"], file["is_public"]) == ("U0001", "T0001", False)
    assert file["url_private"].endswith(f"/files-pri/T0001-{file['id']}/logo.png")
    assert file["url_private_download"].endswith(f"/T0001-{file['id']}/download/logo.png")
    assert (file["channels"], file["groups"], file["ims"]) == ([], [], [])


def test_uploaded_bytes_come_back_whole_from_url_private(acme: ServerThread) -> None:
    file = client(acme).files_upload(file=PNG, filename="back.png")["file"]
    fetched = fetch(file["url_private"], ALICE)
    assert (fetched.status, fetched.body) == (200, PNG)
    assert fetched.headers["content-type"] == "image/png"
    assert fetched.headers["content-disposition"].startswith("inline;")


def test_url_private_download_is_an_attachment(acme: ServerThread) -> None:
    file = client(acme).files_upload(file=PNG, filename="down.png")["file"]
    fetched = fetch(file["url_private_download"], ALICE)
    assert (fetched.status, fetched.body) == (200, PNG)
    assert fetched.headers["content-disposition"].startswith('attachment; filename="down.png"')


def test_content_makes_a_snippet_with_a_preview(acme: ServerThread) -> None:
    text = "\n".join(f"line {n}" for n in range(8))
    file = snippet(acme, content=text, filename="notes.txt")
    assert (file["mode"], file["filetype"], file["editable"]) == ("snippet", "text", True)
    assert (file["title"], file["lines"], file["lines_more"]) == ("notes", 8, 3)
    assert file["preview"] == "\n".join(f"line {n}" for n in range(5))
    assert fetch(file["url_private"], ALICE).body == text.encode()


def test_content_without_filename_or_title_is_untitled(acme: ServerThread) -> None:
    file = snippet(acme)
    assert (file["name"], file["title"]) == ("-.txt", "Untitled")


def test_filetype_argument_wins_over_the_extension(acme: ServerThread) -> None:
    file = snippet(acme, content="print(1)", filename="run.txt", filetype="python")
    assert (file["filetype"], file["pretty_type"]) == ("python", "Python")


def test_unknown_extension_of_bytes_is_binary(acme: ServerThread) -> None:
    file = client(acme).files_upload(file=b"\x00\x01", filename="blob.xyz")["file"]
    assert (file["filetype"], file["mimetype"]) == ("binary", "application/octet-stream")


def test_upload_without_file_or_content_is_no_file_data(acme: ServerThread) -> None:
    assert error_of(acme, "files.upload", ALICE, filename="x.txt") == "no_file_data"


def test_upload_into_channels_posts_one_message_each_with_the_comment(acme: ServerThread) -> None:
    web = client(acme)
    file = web.files_upload(
        file=PNG, filename="both.png", channels="general,G0001", initial_comment="look"
    )["file"]
    assert (file["channels"], file["groups"], file["is_public"]) == (["C0001"], ["G0001"], True)
    for channel in ("C0001", "G0001"):
        latest = web.conversations_history(channel=channel, limit=1)["messages"][0]
        assert (latest["text"], latest["subtype"], latest["upload"]) == ("look", "file_share", True)
        assert [f["id"] for f in latest["files"]] == [file["id"]]
        assert "shares" not in latest["files"][0] and "channels" not in latest["files"][0]


def test_upload_into_a_thread_is_a_reply(acme: ServerThread) -> None:
    parent = ok(acme, "chat.postMessage", ALICE, channel="C0002", text="parent")["ts"]
    file = snippet(acme, channels="C0002", thread_ts=parent, content="in thread")
    share = file["shares"]["public"]["C0002"][0]
    assert share["thread_ts"] == parent
    replies = ok(acme, "conversations.replies", ALICE, channel="C0002", ts=parent)["messages"]
    assert [m.get("files", [{}])[0].get("id") for m in replies[1:]] == [file["id"]]


def test_upload_with_an_unknown_thread_is_invalid_thread_ts(acme: ServerThread) -> None:
    code = error_of(
        acme, "files.upload", ALICE, content="x", channels="C0002", thread_ts="1.000001"
    )
    assert code == "invalid_thread_ts"


def test_upload_into_a_private_channel_of_others_is_channel_not_found(acme: ServerThread) -> None:
    assert error_of(acme, "files.upload", BOB, content="x", channels="G0001") == (
        "channel_not_found"
    )


def test_upload_into_another_teams_channel_is_channel_not_found(acme: ServerThread) -> None:
    assert error_of(acme, "files.upload", GINA, content="x", channels="C0001") == (
        "channel_not_found"
    )


def test_upload_into_a_public_channel_not_joined_is_not_in_channel(acme: ServerThread) -> None:
    assert error_of(acme, "files.upload", BOB, content="x", channels="C0002") == "not_in_channel"


def test_a_refused_share_stores_no_file(fresh: ServerThread) -> None:
    error_of(fresh, "files.upload", BOB, content="x", channels="G0001")
    assert ok(fresh, "files.list", BOB)["paging"]["total"] == 0


# files_upload_v2: getUploadURLExternal, the upload URL, completeUploadExternal


def test_files_upload_v2_uploads_real_bytes_and_shares_them(acme: ServerThread) -> None:
    web = client(acme)
    data = bytes(range(256)) * 1000
    response = web.files_upload_v2(
        file_uploads=[
            {"content": data, "filename": "data.bin", "title": "Data"},
            {"content": "a = 1\n", "filename": "a.py"},
        ],
        channel="C0001",
        initial_comment="two files",
    )
    files = response["files"]
    assert [(f["name"], f["title"], f["size"]) for f in files] == [
        ("data.bin", "Data", len(data)),
        ("a.py", "a.py", 6),
    ]
    assert files[1]["filetype"] == "python"
    assert fetch(files[0]["url_private"], BOB).body == data
    latest = web.conversations_history(channel="C0001", limit=1)["messages"][0]
    assert latest["text"] == "two files"
    assert [f["id"] for f in latest["files"]] == [f["id"] for f in files]


def test_files_upload_v2_into_a_thread(acme: ServerThread) -> None:
    web = client(acme)
    parent = web.chat_postMessage(channel="C0001", text="thread for v2")["ts"]
    web.files_upload_v2(content="reply", filename="r.txt", channel="C0001", thread_ts=parent)
    replies = web.conversations_replies(channel="C0001", ts=parent)["messages"]
    assert len(replies) == 2 and replies[1]["files"][0]["name"] == "r.txt"


def test_uploads_larger_than_an_ordinary_body_arrive_whole(acme: ServerThread) -> None:
    data = bytes(range(256)) * (6 * 4096)  # 6 MiB: past 4 MiB, so kept on disk while it comes
    web = client(acme)
    new = web.files_upload_v2(content=data, filename="six.bin")["file"]
    old = web.files_upload(file=data, filename="six-old.bin")["file"]
    assert fetch(new["url_private"], ALICE).body == data
    assert fetch(old["url_private"], ALICE).body == data


def test_upload_url_answers_ok_with_the_size_and_is_usable_once(acme: ServerThread) -> None:
    opened = open_upload(acme, filename="once.txt", length="5")
    first = fetch(opened["upload_url"], method="POST", body=b"hello")
    assert (first.status, first.body) == (200, b"OK - 5")
    again = fetch(opened["upload_url"], method="POST", body=b"hello")
    assert again.status == 404


def test_upload_url_takes_a_multipart_file_part(acme: ServerThread) -> None:
    opened = open_upload(acme, filename="form.bin", length="3")
    body = (
        b"--b0undary\r\n"
        b'Content-Disposition: form-data; name="file"; filename="form.bin"\r\n\r\n'
        b"\x00\x01\x02\r\n--b0undary--\r\n"
    )
    headers = {"Content-Type": "multipart/form-data; boundary=b0undary"}
    answer = fetch(opened["upload_url"], method="POST", body=body, headers=headers)
    assert (answer.status, answer.body) == (200, b"OK - 3")
    files = json.dumps([{"id": opened["file_id"]}])
    file = ok(acme, "files.completeUploadExternal", ALICE, files=files)["files"][0]
    assert fetch(file["url_private"], ALICE).body == b"\x00\x01\x02"


def test_an_unknown_upload_url_is_404(acme: ServerThread) -> None:
    assert fetch(acme.base_url + "/upload/v1/nothing-here", method="POST", body=b"x").status == 404


def test_a_completed_upload_keeps_the_file_name_as_title(acme: ServerThread) -> None:
    opened = open_upload(acme, filename="kept.txt", length="2")
    fetch(opened["upload_url"], method="POST", body=b"hi")
    files = json.dumps([{"id": opened["file_id"]}])
    done = ok(acme, "files.completeUploadExternal", ALICE, files=files)["files"]
    assert [(f["id"], f["title"], f["size"]) for f in done] == [(opened["file_id"], "kept.txt", 2)]


def test_completing_before_the_bytes_arrive_is_file_not_found(acme: ServerThread) -> None:
    opened = open_upload(acme, filename="early.txt", length="2")
    files = json.dumps([{"id": opened["file_id"]}])
    assert error_of(acme, "files.completeUploadExternal", ALICE, files=files) == "file_not_found"


def test_completing_another_users_upload_is_file_not_found(acme: ServerThread) -> None:
    opened = open_upload(acme, filename="theirs.txt", length="2")
    fetch(opened["upload_url"], method="POST", body=b"hi")
    files = json.dumps([{"id": opened["file_id"]}])
    assert error_of(acme, "files.completeUploadExternal", BOB, files=files) == "file_not_found"
    assert error_of(acme, "files.completeUploadExternal", GINA, files=files) == "file_not_found"


def test_a_pending_upload_is_invisible_to_files_info(acme: ServerThread) -> None:
    opened = open_upload(acme, filename="pending.txt", length="2")
    assert error_of(acme, "files.info", ALICE, file=opened["file_id"]) == "file_not_found"


def test_get_upload_url_needs_filename_and_length(acme: ServerThread) -> None:
    assert error_of(acme, "files.getUploadURLExternal", ALICE, length="3") == ("invalid_arguments")
    assert error_of(acme, "files.getUploadURLExternal", ALICE, filename="a.txt") == (
        "invalid_arguments"
    )
    assert error_of(acme, "files.getUploadURLExternal", ALICE, filename="a", length="x") == (
        "invalid_arguments"
    )


def test_complete_upload_with_broken_files_is_invalid_arguments(acme: ServerThread) -> None:
    for files in ("", "not json", "[]", '[{"title": "x"}]', '{"id": "F1"}'):
        code = error_of(acme, "files.completeUploadExternal", ALICE, files=files)
        assert code == "invalid_arguments", files


def test_complete_upload_into_a_private_channel_of_others_is_refused(acme: ServerThread) -> None:
    opened = open_upload(acme, BOB, filename="sneak.txt", length="1")
    fetch(opened["upload_url"], method="POST", body=b"x")
    files = json.dumps([{"id": opened["file_id"]}])
    code = error_of(acme, "files.completeUploadExternal", BOB, files=files, channel_id="G0001")
    assert code == "channel_not_found"


def test_complete_upload_to_a_user_id_shares_into_the_dm(acme: ServerThread) -> None:
    opened = open_upload(acme, BOT, filename="to-alice.txt", length="1")
    fetch(opened["upload_url"], method="POST", body=b"x")
    files = json.dumps([{"id": opened["file_id"]}])
    done = ok(acme, "files.completeUploadExternal", BOT, files=files, channels="U0001")
    assert done["files"][0]["ims"] == ["D0001"]


def test_snippet_type_makes_an_external_upload_a_snippet(acme: ServerThread) -> None:
    opened = open_upload(acme, filename="s", length="6", snippet_type="python")
    fetch(opened["upload_url"], method="POST", body=b"x = 1\n")
    files = json.dumps([{"id": opened["file_id"]}])
    file = ok(acme, "files.completeUploadExternal", ALICE, files=files)["files"][0]
    assert (file["mode"], file["filetype"], file["preview"]) == ("snippet", "python", "x = 1")


# events


def test_a_share_sends_the_message_with_files_then_file_shared(acme: ServerThread) -> None:
    with open_socket(acme, BOB) as ws:
        file = snippet(acme, channels="C0001", content="for general")
        barrier(acme, "after share")
        frames = frames_until(ws, "after share")[:-1]
    kinds = [f["type"] for f in frames]
    assert kinds == ["message", "file_public", "file_shared"]
    assert (frames[0]["subtype"], frames[0]["files"][0]["id"]) == ("file_share", file["id"])
    assert (frames[2]["file_id"], frames[2]["channel_id"]) == (file["id"], "C0001")
    assert frames[2]["user_id"] == "U0001" and frames[2]["file"] == {"id": file["id"]}


def test_file_created_goes_to_the_uploaders_sessions_only(acme: ServerThread) -> None:
    with open_socket(acme, ALICE) as mine, open_socket(acme, BOB) as theirs:
        file = snippet(acme)
        barrier(acme, "after create", channel="C0001")
        assert types_until(theirs, "after create") == []
        created = frames_until(mine, "after create")[0]
    assert (created["type"], created["file_id"], created["user_id"]) == (
        "file_created",
        file["id"],
        "U0001",
    )


def test_a_private_share_reaches_members_only(acme: ServerThread) -> None:
    with (
        open_socket(acme, BOT) as member,
        open_socket(acme, DAVE) as outsider,
        open_socket(acme, GINA) as other_team,
    ):
        snippet(acme, BOT, channels="G0002", content="secret file")
        barrier(acme, "after private share")
        barrier(acme, "globex barrier", channel="C1001", token=GINA)
        assert types_until(member, "after private share") == [
            "file_created",
            "message/file_share",
            "file_shared",
        ]
        assert types_until(outsider, "after private share") == []
        assert types_until(other_team, "globex barrier") == []


def test_the_control_api_acts_uploads_as_any_user(acme: ServerThread) -> None:
    answer = admin(
        acme,
        "act",
        {"as": "U0002", "method": "files.upload", "args": {"content": "x", "channels": "C0001"}},
    )
    file = answer["result"]["file"]
    assert (file["user"], file["channels"]) == ("U0002", ["C0001"])
    assert fetch(file["url_private"], ALICE).body == b"x"


def test_a_public_share_tells_the_whole_team_file_shared(acme: ServerThread) -> None:
    with open_socket(acme, DAVE) as outsider:  # not a member of #random
        file = snippet(acme, channels="C0002", content="public file")
        barrier(acme, "after public share")
        frames = frames_until(outsider, "after public share")[:-1]
    assert [(f["type"], f["file_id"]) for f in frames] == [
        ("file_public", file["id"]),
        ("file_shared", file["id"]),
    ]


def test_a_share_in_a_thread_sends_the_reply_and_file_shared(acme: ServerThread) -> None:
    parent = ok(acme, "chat.postMessage", ALICE, channel="C0001", text="parent for event")["ts"]
    with open_socket(acme, BOB) as ws:
        snippet(acme, channels="C0001", thread_ts=parent, content="reply file")
        barrier(acme, "after thread share")
        frames = frames_until(ws, "after thread share")[:-1]
    reply = next(f for f in frames if f["type"] == "message" and "files" in f)
    assert reply["thread_ts"] == parent
    assert "file_shared" in [f["type"] for f in frames]


def test_deleting_a_private_file_tells_its_members_and_tombstones_the_message(
    acme: ServerThread,
) -> None:
    file = snippet(acme, BOT, channels="G0002", content="bot only")
    with open_socket(acme, BOT) as member, open_socket(acme, DAVE) as outsider:
        ok(acme, "files.delete", BOT, file=file["id"])
        barrier(acme, "after delete")
        frames = frames_until(member, "after delete")[:-1]
        assert types_until(outsider, "after delete") == []
    changed, deleted = frames
    assert (changed["subtype"], changed["channel"]) == ("message_changed", "G0002")
    assert changed["message"]["files"] == [{"id": file["id"], "mode": "tombstone"}]
    assert (deleted["type"], deleted["file_id"]) == ("file_deleted", file["id"])
    history = ok(acme, "conversations.history", BOT, channel="G0002", limit="1")["messages"]
    assert history[0]["files"] == [{"id": file["id"], "mode": "tombstone"}]


def test_deleting_a_public_file_tells_the_team(acme: ServerThread) -> None:
    file = snippet(acme, channels="C0002", content="going away")
    with open_socket(acme, DAVE) as ws, open_socket(acme, GINA) as other_team:
        ok(acme, "files.delete", ALICE, file=file["id"])
        barrier(acme, "after public delete")
        barrier(acme, "globex after delete", channel="C1001", token=GINA)
        assert types_until(ws, "after public delete") == ["file_deleted"]
        assert types_until(other_team, "globex after delete") == []


# files.info


def test_info_answers_the_file_with_its_shares_and_no_comments(acme: ServerThread) -> None:
    file = snippet(acme, channels="C0001,G0001", content="info me")
    body = ok(acme, "files.info", ALICE, file=file["id"])
    assert (body["comments"], body["response_metadata"]) == ([], {"next_cursor": ""})
    shown = body["file"]
    assert (shown["channels"], shown["groups"]) == (["C0001"], ["G0001"])
    assert set(shown["shares"]) == {"public", "private"}
    entry = shown["shares"]["public"]["C0001"][0]
    assert (entry["channel_name"], entry["share_user_id"]) == ("general", "U0001")


def test_info_hides_private_shares_from_non_members(acme: ServerThread) -> None:
    file = snippet(acme, channels="C0001,G0001", content="partly private")
    shown = ok(acme, "files.info", BOB, file=file["id"])["file"]
    assert (shown["channels"], shown["groups"], list(shown["shares"])) == (
        ["C0001"],
        [],
        ["public"],
    )


def test_info_of_a_private_file_is_file_not_found_to_non_members(acme: ServerThread) -> None:
    file = snippet(acme, channels="G0001", content="members only")
    assert error_of(acme, "files.info", BOB, file=file["id"]) == "file_not_found"


def test_info_of_an_unshared_file_is_for_its_uploader_only(acme: ServerThread) -> None:
    file = snippet(acme, content="mine")
    assert ok(acme, "files.info", ALICE, file=file["id"])["file"]["id"] == file["id"]
    assert error_of(acme, "files.info", BOB, file=file["id"]) == "file_not_found"


def test_info_of_another_teams_file_is_file_not_found(acme: ServerThread) -> None:
    file = snippet(acme, channels="C0001", content="acme only")
    assert error_of(acme, "files.info", GINA, file=file["id"]) == "file_not_found"
    assert error_of(acme, "files.info", ALICE, file="FNOSUCHFILE") == "file_not_found"


def test_info_of_a_deleted_file_is_file_deleted(acme: ServerThread) -> None:
    file = snippet(acme, content="short-lived")
    ok(acme, "files.delete", ALICE, file=file["id"])
    assert error_of(acme, "files.info", ALICE, file=file["id"]) == "file_deleted"


def test_info_through_web_client(acme: ServerThread) -> None:
    file = snippet(acme, content="sdk info")
    assert client(acme).files_info(file=file["id"])["file"]["preview"] == "sdk info"


# files.list


def test_list_pages_newest_first_by_count_and_page(fresh: ServerThread) -> None:
    ids = [snippet(fresh, content=str(n))["id"] for n in range(5)]
    first = ok(fresh, "files.list", ALICE, count="2")
    assert first["paging"] == {"count": 2, "total": 5, "page": 1, "pages": 3}
    last = ok(fresh, "files.list", ALICE, count="2", page="3")
    seen = [f["id"] for f in first["files"]] + [f["id"] for f in last["files"]]
    newest = sorted(ids, reverse=True)  # created in one second: ties break by id
    assert len(seen) == 3 and set(seen) <= set(ids)
    assert [f["id"] for f in last["files"]] == [newest[-1]]


def test_list_filters_by_user_channel_and_type(fresh: ServerThread) -> None:
    text = snippet(fresh, channels="C0001", content="t")
    image = client(fresh).files_upload(file=PNG, filename="i.png", channels="C0002")["file"]
    bobs = snippet(fresh, BOB, channels="C0001", content="b")
    by = {
        "user": ok(fresh, "files.list", ALICE, user="U0002"),
        "channel": ok(fresh, "files.list", ALICE, channel="C0002"),
        "images": ok(fresh, "files.list", ALICE, types="images"),
        "snippets": ok(fresh, "files.list", ALICE, types="snippets,pdfs"),
    }
    assert [f["id"] for f in by["user"]["files"]] == [bobs["id"]]
    assert [f["id"] for f in by["channel"]["files"]] == [image["id"]]
    assert [f["id"] for f in by["images"]["files"]] == [image["id"]]
    assert {f["id"] for f in by["snippets"]["files"]} == {text["id"], bobs["id"]}


def test_list_filters_by_time(fresh: ServerThread) -> None:
    file = snippet(fresh, content="now")
    created = file["created"]
    assert ok(fresh, "files.list", ALICE, ts_from=str(created + 10))["files"] == []
    assert ok(fresh, "files.list", ALICE, ts_to=str(created - 10))["files"] == []
    found = ok(fresh, "files.list", ALICE, ts_from=str(created), ts_to=str(created))
    assert [f["id"] for f in found["files"]] == [file["id"]]


def test_list_hides_private_and_unshared_files_of_others(fresh: ServerThread) -> None:
    snippet(fresh, channels="G0001", content="private")
    snippet(fresh, content="unshared")
    public = snippet(fresh, channels="C0001", content="public")
    assert [f["id"] for f in ok(fresh, "files.list", BOB)["files"]] == [public["id"]]
    assert ok(fresh, "files.list", ALICE)["paging"]["total"] == 3


def test_list_of_a_private_channel_of_others_is_empty(fresh: ServerThread) -> None:
    snippet(fresh, channels="G0001", content="private")
    body = ok(fresh, "files.list", BOB, channel="G0001")
    assert (body["files"], body["paging"]["total"]) == ([], 0)


def test_list_shows_other_teams_nothing(fresh: ServerThread) -> None:
    snippet(fresh, channels="C0001", content="acme")
    assert ok(fresh, "files.list", GINA)["files"] == []


def test_list_with_an_unknown_type_is_unknown_type(acme: ServerThread) -> None:
    assert error_of(acme, "files.list", ALICE, types="images,movies") == "unknown_type"


def test_list_of_an_unknown_user_is_user_not_found(acme: ServerThread) -> None:
    assert error_of(acme, "files.list", ALICE, user="U9999") == "user_not_found"


def test_list_objects_carry_no_shares(fresh: ServerThread) -> None:
    snippet(fresh, channels="C0001", content="x")
    listed = ok(fresh, "files.list", ALICE)["files"][0]
    assert listed["channels"] == ["C0001"] and "shares" not in listed


def test_list_through_web_client(fresh: ServerThread) -> None:
    snippet(fresh, content="x")
    assert client(fresh).files_list(count=1)["paging"]["total"] == 1


# files.delete


def test_delete_through_web_client_makes_the_bytes_unreachable(acme: ServerThread) -> None:
    web = client(acme)
    file = web.files_upload(file=PNG, filename="gone.png")["file"]
    assert web.files_delete(file=file["id"])["ok"] is True
    assert fetch(file["url_private"], ALICE).status == 404


def test_delete_twice_is_file_deleted(acme: ServerThread) -> None:
    file = snippet(acme, content="twice")
    ok(acme, "files.delete", ALICE, file=file["id"])
    assert error_of(acme, "files.delete", ALICE, file=file["id"]) == "file_deleted"


def test_delete_of_someone_elses_file_is_cant_delete_file(acme: ServerThread) -> None:
    file = snippet(acme, channels="C0001", content="alice's")
    assert error_of(acme, "files.delete", BOB, file=file["id"]) == "cant_delete_file"


def test_an_admin_may_delete_a_file_they_can_see(acme: ServerThread) -> None:
    file = snippet(acme, BOB, channels="C0001", content="bob's")
    ok(acme, "files.delete", ALICE, file=file["id"])  # alice is an admin


def test_delete_of_an_invisible_file_is_file_not_found(acme: ServerThread) -> None:
    private = snippet(acme, channels="G0001", content="private")
    assert error_of(acme, "files.delete", BOB, file=private["id"]) == "file_not_found"
    assert error_of(acme, "files.delete", GINA, file=private["id"]) == "file_not_found"


# url_private


def test_url_private_without_a_token_is_401(acme: ServerThread) -> None:
    file = snippet(acme, channels="C0001", content="guarded")
    fetched = fetch(file["url_private"])
    assert (fetched.status, json.loads(fetched.body)["error"]) == (401, "not_authed")
    assert fetched.headers["www-authenticate"].startswith("Bearer")


def test_url_private_with_a_bad_token_is_401(acme: ServerThread) -> None:
    file = snippet(acme, channels="C0001", content="guarded")
    assert fetch(file["url_private"], "xoxp-nonsense").status == 401


def test_url_private_with_another_teams_token_is_404(acme: ServerThread) -> None:
    file = snippet(acme, channels="C0001", content="acme only")
    assert fetch(file["url_private"], GINA).status == 404


def test_url_private_of_a_private_file_is_for_members_only(acme: ServerThread) -> None:
    file = snippet(acme, channels="G0001", content="secret bytes")
    assert fetch(file["url_private"], BOB).status == 404
    assert fetch(file["url_private_download"], BOB).status == 404
    assert fetch(file["url_private"], ALICE).body == b"secret bytes"


def test_url_private_of_a_public_file_is_for_the_team(acme: ServerThread) -> None:
    file = snippet(acme, channels="C0002", content="team bytes")
    assert fetch(file["url_private"], DAVE).body == b"team bytes"


def test_url_private_with_a_token_in_the_query_is_refused(acme: ServerThread) -> None:
    file = snippet(acme, channels="C0001", content="no query tokens")
    path = urlsplit(file["url_private"]).path
    assert http_request(acme.port, "GET", f"{path}?token={ALICE}").status == 401


def test_text_files_are_never_served_inline(acme: ServerThread) -> None:
    file = snippet(acme, content="<script>alert(1)</script>", filename="x.html")
    fetched = fetch(file["url_private"], ALICE)
    assert fetched.headers["content-disposition"].startswith("attachment;")
    assert fetched.headers["x-content-type-options"] == "nosniff"


# the size limit


def test_upload_over_the_limit_is_file_upload_size_restricted(small: ServerThread) -> None:
    code = error_of(small, "files.upload", ALICE, content="x" * 1025)
    assert code == "file_upload_size_restricted"
    assert snippet(small, content="x" * 1024)["size"] == 1024


def test_multipart_upload_over_the_limit_through_web_client(small: ServerThread) -> None:
    with pytest.raises(SlackApiError) as raised:
        client(small).files_upload(file=b"x" * 2048, filename="big.bin")
    assert raised.value.response["error"] == "file_upload_size_restricted"


def test_get_upload_url_over_the_limit_is_file_upload_size_restricted(
    small: ServerThread,
) -> None:
    code = error_of(small, "files.getUploadURLExternal", ALICE, filename="b", length="1025")
    assert code == "file_upload_size_restricted"


def test_files_upload_v2_over_the_limit_fails_with_slacks_error(small: ServerThread) -> None:
    with pytest.raises(SlackApiError) as raised:
        client(small).files_upload_v2(content=b"x" * 4096, filename="big.bin")
    assert raised.value.response["error"] == "file_upload_size_restricted"


def test_bytes_posted_over_the_limit_are_413(small: ServerThread) -> None:
    opened = open_upload(small, filename="liar.bin", length="10")
    assert fetch(opened["upload_url"], method="POST", body=b"x" * 1025).status == 413


def test_a_body_far_over_the_limit_is_refused_before_it_is_read(small: ServerThread) -> None:
    headers = {"Content-Type": "application/octet-stream", "Authorization": f"Bearer {ALICE}"}
    # Every target may carry 4 MiB; uploads the limit and the multipart framing around it.
    result = http_request(small.port, "POST", "/api/files.upload", b"x" * 5 * 2**20, headers)
    assert result.status == 413


# both databases


@pytest.fixture(params=["sqlite", "postgresql"])
def backend(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[ServerThread]:
    """A server on SQLite (blobs in a directory) or PostgreSQL (blobs in the database)."""
    with on_backend(request.param, partial(start_event_server, tmp_path)) as server:
        yield server


def test_both_upload_paths_and_downloads_work_on_each_database(backend: ServerThread) -> None:
    web = client(backend)
    old = web.files_upload(file=PNG, filename="old.png", channels="C0001")["file"]
    new = web.files_upload_v2(content=PNG[::-1], filename="new.png", channel="C0001")["file"]
    assert fetch(old["url_private"], BOB).body == PNG
    assert fetch(new["url_private"], BOB).body == PNG[::-1]
    assert web.files_list()["paging"]["total"] == 2
    web.files_delete(file=old["id"])
    assert fetch(old["url_private"], BOB).status == 404


def test_the_size_limit_holds_on_each_database(
    backend: ServerThread, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    opened = open_upload(backend, filename="f.bin", length="3")
    assert fetch(opened["upload_url"], method="POST", body=b"abc").status == 200
    code = error_of(backend, "files.getUploadURLExternal", ALICE, filename="f", length=str(2**40))
    assert code == "file_upload_size_restricted"


def test_the_sqlite_default_blob_store_is_a_directory_beside_the_database(
    tmp_path: Path,
) -> None:
    thread = start_event_server(tmp_path)
    try:
        file = snippet(thread, content="on disk")
    finally:
        thread.stop()
    assert (tmp_path / "blobs" / "T0001" / file["id"]).read_bytes() == b"on disk"


def test_an_explicit_blob_url_is_used(tmp_path: Path) -> None:
    elsewhere = tmp_path / "elsewhere"
    thread = start_event_server(tmp_path, blobs=elsewhere.as_uri())
    try:
        file = snippet(thread, content="elsewhere")
        assert fetch(file["url_private"], ALICE).body == b"elsewhere"
    finally:
        thread.stop()
    assert (elsewhere / "T0001" / file["id"]).read_bytes() == b"elsewhere"
    assert not (tmp_path / "blobs").exists()


def test_api_calls_on_files_reject_get_of_upload_urls(acme: ServerThread) -> None:
    opened = open_upload(acme, filename="get.txt", length="1")
    assert fetch(opened["upload_url"]).status == 405
    assert api(acme, "files.info", ALICE, file="").body["error"] == "file_not_found"


def test_the_comment_of_a_file_share_can_be_edited_and_keeps_its_files(
    acme: ServerThread,
) -> None:
    file = snippet(acme, channels="C0002", content="x", initial_comment="frist")
    ts = file["shares"]["public"]["C0002"][0]["ts"]
    message = ok(acme, "chat.update", ALICE, channel="C0002", ts=ts, text="first")["message"]
    assert (message["text"], message["subtype"]) == ("first", "file_share")
    assert [f["id"] for f in message["files"]] == [file["id"]]


def test_two_servers_on_one_postgresql_database_serve_each_others_files(
    tmp_path: Path,
) -> None:
    (tmp_path / "one").mkdir()
    (tmp_path / "two").mkdir()
    with postgres_schema() as url:
        one = start_event_server(tmp_path / "one", database=url)
        two = start_event_server(tmp_path / "two", database=url)
        try:
            file = client(one).files_upload_v2(content=PNG, filename="shared.png")["file"]
            path = urlsplit(file["url_private"]).path
            assert fetch(two.base_url + path, ALICE).body == PNG
            assert ok(two, "files.info", ALICE, file=file["id"])["file"]["size"] == len(PNG)
        finally:
            one.stop()
            two.stop()


def test_an_upload_cut_off_midway_stores_nothing_and_the_url_still_works(
    acme: ServerThread,
) -> None:
    opened = open_upload(acme, filename="cut.bin", length=str(6 * 2**20))
    path = urlsplit(opened["upload_url"]).path
    with socket.create_connection(("127.0.0.1", acme.port), timeout=10) as raw:
        head = f"POST {path} HTTP/1.1\r\nHost: x\r\nContent-Length: {6 * 2**20}\r\n\r\n"
        raw.sendall(head.encode() + b"x" * (5 * 2**20))  # past the spool's memory part
    whole = fetch(opened["upload_url"], method="POST", body=b"y" * 100)
    assert (whole.status, whole.body) == (200, b"OK - 100")
