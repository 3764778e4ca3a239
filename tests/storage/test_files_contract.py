"""The files part of the Store contract (storage/files.py), on SQLite and PostgreSQL: rows,
the upload states with one winner each, shares, and files.list's visibility and filters."""

from __future__ import annotations

import asyncio
import dataclasses

import pytest

from slackline.domain.files import FileMode, FileQuery, FileShare, FileState, StoredFile
from slackline.domain.models import Conversation, Team
from slackline.storage import Store
from tests.storage.test_contract import database_url, runner, store

__all__ = ["database_url", "runner", "store"]  # the contract suite's fixtures, reused


def new_file(file_id: str, **fields: object) -> StoredFile:
    """A complete snippet of T1 by U1, created at 100."""
    values: dict[str, object] = {
        "id": file_id, "team_id": "T1", "user_id": "U1", "created": 100, "name": "a.txt",
        "title": "a", "mimetype": "text/plain", "filetype": "text", "pretty_type": "Plain Text",
        "mode": FileMode.SNIPPET, "size": 1, "state": FileState.COMPLETE,
        "extra": {"preview": "x"}, "updated": 100,
    }  # fmt: skip
    values.update(fields)
    return StoredFile(**values)  # type: ignore[arg-type]


@pytest.fixture
def room(runner: asyncio.Runner, store: Store) -> Store:
    """C1 public (U1, U2), G1 private (U1 only), C9 of team T2."""
    runner.run(store.put_team(Team("T2", "Two", "two")))
    for conversation in (
        Conversation("C1", "T1", "one"),
        Conversation("G1", "T1", "secret", is_private=True),
        Conversation("C9", "T2", "other"),
    ):
        runner.run(store.put_conversation(conversation))
    runner.run(store.add_members("C1", ["U1", "U2"]))
    runner.run(store.add_members("G1", ["U1"]))
    return store


def listed(runner: asyncio.Runner, store: Store, viewer: str, **query: object) -> list[str]:
    """The ids files.list answers the viewer."""
    found, _ = runner.run(store.files.list_files(FileQuery("T1", viewer, **query)))  # type: ignore[arg-type]
    return [f.id for f in found]


def test_a_file_row_round_trips(runner: asyncio.Runner, room: Store) -> None:
    file = new_file("F1", extra={"preview": "x", "lines": 1}, upload_hash=None)
    runner.run(room.files.insert_file(file))
    assert runner.run(room.files.get_file("F1")) == file
    assert runner.run(room.files.get_file("F0")) is None


def test_an_upload_moves_pending_receiving_uploaded_complete(
    runner: asyncio.Runner, room: Store
) -> None:
    files = room.files
    runner.run(files.insert_file(new_file("F1", state=FileState.PENDING, upload_hash="h1")))
    assert runner.run(files.find_upload("h1")) is not None
    assert runner.run(files.begin_receiving("F1")) is True
    assert runner.run(files.begin_receiving("F1")) is False  # one receiver
    assert runner.run(files.finish_receiving("F1", 7, {"lines": 2}, 200)) is True
    assert runner.run(files.find_upload("h1")) is None  # the URL is spent
    assert runner.run(files.complete("F1", "U2", "t", 300)) is False  # not the uploader
    assert runner.run(files.complete("F1", "U1", "Title", 300)) is True
    assert runner.run(files.complete("F1", "U1", "Again", 301)) is False
    done = runner.run(files.get_file("F1"))
    assert done is not None
    assert (done.state, done.size, done.title, done.extra, done.updated) == (
        FileState.COMPLETE,
        7,
        "Title",
        {"lines": 2},
        300,
    )


def test_an_aborted_receive_is_pending_again(runner: asyncio.Runner, room: Store) -> None:
    runner.run(room.files.insert_file(new_file("F1", state=FileState.PENDING, upload_hash="h")))
    runner.run(room.files.begin_receiving("F1"))
    runner.run(room.files.abort_receiving("F1"))
    assert runner.run(room.files.begin_receiving("F1")) is True


def test_racing_receivers_have_one_winner(runner: asyncio.Runner, room: Store) -> None:
    runner.run(room.files.insert_file(new_file("F1", state=FileState.PENDING, upload_hash="h")))

    async def race() -> list[bool]:
        return list(await asyncio.gather(*(room.files.begin_receiving("F1") for _ in range(6))))

    assert sorted(runner.run(race())) == [False] * 5 + [True]


def test_deleting_is_once_and_only_when_complete(runner: asyncio.Runner, room: Store) -> None:
    runner.run(room.files.insert_file(new_file("F1")))
    runner.run(room.files.insert_file(new_file("F2", state=FileState.PENDING)))
    assert runner.run(room.files.mark_deleted("F1", 500)) is True
    assert runner.run(room.files.mark_deleted("F1", 501)) is False
    assert runner.run(room.files.mark_deleted("F2", 500)) is False
    deleted = runner.run(room.files.get_file("F1"))
    assert deleted is not None and deleted.state is FileState.DELETED


def test_shares_are_kept_once_oldest_first(runner: asyncio.Runner, room: Store) -> None:
    runner.run(room.files.insert_file(new_file("F1")))
    later = FileShare("F1", "G1", "2.000001", "U1", "1.000001")
    earlier = FileShare("F1", "C1", "1.000001", "U1")
    runner.run(room.files.add_shares([later, earlier]))
    runner.run(room.files.add_shares([earlier]))
    assert runner.run(room.files.list_shares("F1")) == [earlier, later]


def test_list_shows_own_public_and_member_files_newest_first(
    runner: asyncio.Runner, room: Store
) -> None:
    files = room.files
    for file_id, created, share in (
        ("F1", 100, None),
        ("F2", 200, "C1"),
        ("F3", 300, "G1"),
    ):
        runner.run(files.insert_file(new_file(file_id, created=created)))
        if share:
            runner.run(files.add_shares([FileShare(file_id, share, f"{created}.000001", "U1")]))
    assert listed(runner, room, "U1") == ["F3", "F2", "F1"]
    assert listed(runner, room, "U2") == ["F2"]  # not the unshared one, not the private one
    assert listed(runner, room, "U3") == ["F2"]  # public channels are the team's


def test_list_leaves_out_incomplete_deleted_and_other_teams_files(
    runner: asyncio.Runner, room: Store
) -> None:
    files = room.files
    runner.run(files.insert_file(new_file("F1", state=FileState.UPLOADED)))
    runner.run(files.insert_file(new_file("F2", state=FileState.DELETED)))
    runner.run(files.insert_file(new_file("F3", team_id="T2")))
    runner.run(files.insert_file(new_file("F4")))
    assert listed(runner, room, "U1") == ["F4"]


def test_list_filters_and_pages(runner: asyncio.Runner, room: Store) -> None:
    files = room.files
    image = dataclasses.replace(
        new_file("F1", created=100), mode=FileMode.HOSTED, mimetype="image/png", filetype="png"
    )
    runner.run(files.insert_file(image))
    runner.run(files.insert_file(new_file("F2", created=200, user_id="U2")))
    runner.run(files.insert_file(new_file("F3", created=300, filetype="pdf")))
    for file_id in ("F1", "F2", "F3"):
        runner.run(files.add_shares([FileShare(file_id, "C1", "1.000001", "U1")]))
    assert listed(runner, room, "U1", user="U2") == ["F2"]
    assert listed(runner, room, "U1", channel="G1") == []
    assert listed(runner, room, "U1", ts_from=150, ts_to=250) == ["F2"]
    assert listed(runner, room, "U1", types=("images",)) == ["F1"]
    assert listed(runner, room, "U1", types=("pdfs", "images")) == ["F3", "F1"]
    assert listed(runner, room, "U1", types=("all",)) == ["F3", "F2", "F1"]
    assert listed(runner, room, "U1", types=("gdocs",)) == []
    assert listed(runner, room, "U1", limit=1, offset=1) == ["F2"]
    _, total = runner.run(files.list_files(FileQuery("T1", "U1", limit=1)))
    assert total == 3
