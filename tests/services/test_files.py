"""The files service when the blob store fails (a real directory store whose directory is
replaced by a plain file): bytes before rows, a retryable upload URL, deletion that does
not depend on the bytes going."""

from __future__ import annotations

import http.client
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from slackline.testing.server import ServerThread
from tests.helpers.events import ALICE, error_of, ok, start_event_server


@pytest.fixture
def served(tmp_path: Path) -> Iterator[tuple[ServerThread, Path]]:
    """A server and its blob directory."""
    blobs = tmp_path / "blobs"
    thread = start_event_server(tmp_path, blobs=blobs.as_uri())
    yield thread, blobs
    thread.stop()


@contextmanager
def broken(blobs: Path) -> Iterator[None]:
    """The blob directory replaced by a plain file while the block runs, then restored."""
    shutil.rmtree(blobs, ignore_errors=True)
    blobs.write_bytes(b"")
    try:
        yield
    finally:
        blobs.unlink()
        blobs.mkdir()


def post_bytes(url: str, data: bytes) -> int:
    """POST bytes to an upload URL; the status."""
    parts = urlsplit(url)
    connection = http.client.HTTPConnection(parts.hostname or "", parts.port, timeout=10)
    try:
        connection.request("POST", parts.path, body=data)
        response = connection.getresponse()
        response.read()
        return response.status
    finally:
        connection.close()


def test_a_failed_blob_write_stores_no_file(served: tuple[ServerThread, Path]) -> None:
    server, blobs = served
    with broken(blobs):
        code = error_of(server, "files.upload", ALICE, content="lost", channels="C0001")
    assert code == "internal_error"
    assert ok(server, "files.list", ALICE)["files"] == []
    history = ok(server, "conversations.history", ALICE, channel="C0001")["messages"]
    assert all("files" not in m for m in history)


def test_an_upload_url_whose_bytes_failed_to_store_can_be_retried(
    served: tuple[ServerThread, Path],
) -> None:
    server, blobs = served
    opened = ok(server, "files.getUploadURLExternal", ALICE, filename="r.txt", length="5")
    with broken(blobs):
        assert post_bytes(opened["upload_url"], b"first") >= 500
    assert post_bytes(opened["upload_url"], b"again") == 200
    files = f'[{{"id": "{opened["file_id"]}"}}]'
    assert ok(server, "files.completeUploadExternal", ALICE, files=files)["files"][0]["size"] == 5


def test_a_file_is_deleted_even_when_its_bytes_cannot_be(
    served: tuple[ServerThread, Path],
) -> None:
    server, blobs = served
    file = ok(server, "files.upload", ALICE, content="stays on disk")["file"]
    with broken(blobs):
        ok(server, "files.delete", ALICE, file=file["id"])
    assert error_of(server, "files.info", ALICE, file=file["id"]) == "file_deleted"
