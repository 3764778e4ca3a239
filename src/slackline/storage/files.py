"""File metadata and where files are shared (``files.*``); the bytes are in a blob store.

A part of the store (see :mod:`slackline.storage.parts`): its tables (``files``,
``file_shares``; migration 0007), its SQL. State changes are conditional updates (``WHERE
state = …``), so of two processes racing to receive, complete or delete the same file
exactly one wins. The listing applies the visibility rule of :mod:`slackline.domain.access`
in its query, as the conversation listing does: a viewer sees their own files and files
shared into a public channel of the team or into a conversation they are a member of.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any, Protocol

from slackline.domain.files import FileMode, FileQuery, FileShare, FileState, StoredFile
from slackline.storage.parts import SqlRunner

FILE_COLUMNS = (
    "id", "team_id", "user_id", "created", "name", "title", "mimetype", "filetype",
    "pretty_type", "mode", "size", "state", "upload_hash", "extra", "updated",
)  # fmt: skip
SHARE_COLUMNS = ("file_id", "conversation_id", "ts", "user_id", "thread_ts")
_SELECT = "SELECT " + ", ".join(f"f.{c}" for c in FILE_COLUMNS) + " FROM files f"  # noqa: S608
_INSERT_FILE = (  # fixed column names, here and below
    f"INSERT INTO files ({', '.join(FILE_COLUMNS)}) "  # noqa: S608
    f"VALUES ({', '.join('?' for _ in FILE_COLUMNS)})"
)
_INSERT_SHARE = (
    f"INSERT INTO file_shares ({', '.join(SHARE_COLUMNS)}) VALUES (?, ?, ?, ?, ?) "  # noqa: S608
    "ON CONFLICT DO NOTHING"
)
# A viewer sees a file they uploaded, or one shared where they may look.
_VISIBLE = (
    "(f.user_id = ? OR EXISTS (SELECT 1 FROM file_shares s "
    "JOIN conversations c ON c.id = s.conversation_id WHERE s.file_id = f.id AND "
    "((c.is_private = 0 AND c.is_im = 0 AND c.is_mpim = 0) OR EXISTS (SELECT 1 FROM members m "
    "WHERE m.conversation_id = s.conversation_id AND m.user_id = ?))))"
)
# files.list's types, as conditions (with their parameters).
_TYPE_CONDITIONS: dict[str, tuple[str, tuple[Any, ...]]] = {
    "images": ("f.mimetype LIKE ?", ("image/%",)),
    "snippets": ("f.mode = ?", (FileMode.SNIPPET.value,)),
    "zips": ("f.filetype IN (?, ?, ?)", ("zip", "gzip", "tar")),
    "pdfs": ("f.filetype = ?", ("pdf",)),
    "spaces": ("f.filetype IN (?, ?)", ("space", "post")),
    "gdocs": ("f.filetype IN (?, ?, ?, ?)", ("gdoc", "gsheet", "gpres", "gdraw")),
}


def _row_file(row: Sequence[Any]) -> StoredFile:
    values = dict(zip(FILE_COLUMNS, row, strict=True))
    return StoredFile(
        id=values["id"],
        team_id=values["team_id"],
        user_id=values["user_id"],
        created=int(values["created"]),
        name=values["name"],
        title=values["title"],
        mimetype=values["mimetype"],
        filetype=values["filetype"],
        pretty_type=values["pretty_type"],
        mode=FileMode(values["mode"]),
        size=int(values["size"]),
        state=FileState(values["state"]),
        extra=json.loads(values["extra"]),
        upload_hash=values["upload_hash"],
        updated=int(values["updated"]),
    )


def _file_row(file: StoredFile) -> list[Any]:
    return [
        file.id, file.team_id, file.user_id, file.created, file.name, file.title,
        file.mimetype, file.filetype, file.pretty_type, file.mode.value, file.size,
        file.state.value, file.upload_hash, json.dumps(file.extra), file.updated,
    ]  # fmt: skip


def _row_share(row: Sequence[Any]) -> FileShare:
    file_id, conversation_id, ts, user_id, thread_ts = row
    return FileShare(file_id, conversation_id, ts, user_id, thread_ts)


class FilesReader(Protocol):
    """What handlers may read."""

    async def get_file(self, file_id: str) -> StoredFile | None:
        """A file by id, in whatever state."""
        ...

    async def list_shares(self, file_id: str) -> list[FileShare]:
        """Where a file was shared, oldest share first."""
        ...

    async def list_files(self, query: FileQuery) -> tuple[list[StoredFile], int]:
        """One page of the complete files the query's viewer may see, newest first, and how
        many match in all."""
        ...


class FilesStore(FilesReader, Protocol):
    """Everything, writes included (services only)."""

    async def insert_file(self, file: StoredFile) -> None:
        """Store a new file's row."""
        ...

    async def find_upload(self, upload_hash: str) -> StoredFile | None:
        """The file whose upload URL has this hash (while it is usable)."""
        ...

    async def begin_receiving(self, file_id: str) -> bool:
        """``pending`` to ``receiving``; False if the file is not pending (one winner)."""
        ...

    async def abort_receiving(self, file_id: str) -> None:
        """``receiving`` back to ``pending`` (the bytes could not be stored)."""
        ...

    async def finish_receiving(
        self, file_id: str, size: int, extra: dict[str, Any], now: int
    ) -> bool:
        """``receiving`` to ``uploaded`` with the bytes' size; the upload URL is spent."""
        ...

    async def complete(self, file_id: str, user_id: str, title: str, now: int) -> bool:
        """``uploaded`` to ``complete`` for its uploader, with its title; False otherwise."""
        ...

    async def add_shares(self, shares: Sequence[FileShare]) -> None:
        """Record shares (together; repeated ones are ignored)."""
        ...

    async def mark_deleted(self, file_id: str, now: int) -> bool:
        """``complete`` to ``deleted``; False if it was not complete (one winner)."""
        ...


class SqlFiles:
    """The part over a SQL backend."""

    TABLES: tuple[str, ...] = ("file_shares", "files")

    def __init__(self, runner: SqlRunner) -> None:
        self._runner = runner

    async def get_file(self, file_id: str) -> StoredFile | None:
        """A file by id."""
        row = await self._runner.fetch_one(f"{_SELECT} WHERE f.id = ?", [file_id])
        return _row_file(row) if row else None

    async def list_shares(self, file_id: str) -> list[FileShare]:
        """A file's shares, oldest first."""
        rows = await self._runner.fetch_all(
            f"SELECT {', '.join(SHARE_COLUMNS)} FROM file_shares WHERE file_id = ? "  # noqa: S608
            "ORDER BY ts, conversation_id",
            [file_id],
        )
        return [_row_share(r) for r in rows]

    async def list_files(self, query: FileQuery) -> tuple[list[StoredFile], int]:
        """A page of visible complete files, newest first, and the total."""
        where = ["f.team_id = ?", "f.state = ?", _VISIBLE]
        params: list[Any] = [query.team_id, FileState.COMPLETE.value, query.viewer, query.viewer]
        if query.user is not None:
            where.append("f.user_id = ?")
            params.append(query.user)
        if query.channel is not None:
            where.append(
                "EXISTS (SELECT 1 FROM file_shares s2 WHERE s2.file_id = f.id "
                "AND s2.conversation_id = ?)"
            )
            params.append(query.channel)
        if query.ts_from is not None:
            where.append("f.created >= ?")
            params.append(query.ts_from)
        if query.ts_to is not None:
            where.append("f.created <= ?")
            params.append(query.ts_to)
        conditions = [_TYPE_CONDITIONS[t] for t in query.types if t in _TYPE_CONDITIONS]
        if query.types and "all" not in query.types:
            if not conditions:
                return [], 0
            where.append("(" + " OR ".join(sql for sql, _ in conditions) + ")")
            params.extend(p for _, values in conditions for p in values)
        clause = " WHERE " + " AND ".join(where)
        total_row = await self._runner.fetch_one(
            "SELECT COUNT(*) FROM files f" + clause,  # noqa: S608 - fixed conditions
            params,
        )
        rows = await self._runner.fetch_all(
            _SELECT + clause + " ORDER BY f.created DESC, f.id DESC LIMIT ? OFFSET ?",
            [*params, query.limit, query.offset],
        )
        return [_row_file(r) for r in rows], int(total_row[0]) if total_row else 0

    async def insert_file(self, file: StoredFile) -> None:
        """Insert the row."""
        await self._runner.execute(_INSERT_FILE, _file_row(file))

    async def find_upload(self, upload_hash: str) -> StoredFile | None:
        """The file of a usable upload URL."""
        row = await self._runner.fetch_one(f"{_SELECT} WHERE f.upload_hash = ?", [upload_hash])
        return _row_file(row) if row else None

    async def _move(self, file_id: str, before: FileState, sets: str, params: list[Any]) -> bool:
        changed = await self._runner.execute(
            f"UPDATE files SET {sets} WHERE id = ? AND state = ?",  # noqa: S608 - fixed text
            [*params, file_id, before.value],
        )
        return changed > 0

    async def begin_receiving(self, file_id: str) -> bool:
        """Pending to receiving."""
        return await self._move(
            file_id, FileState.PENDING, "state = ?", [FileState.RECEIVING.value]
        )

    async def abort_receiving(self, file_id: str) -> None:
        """Receiving back to pending."""
        await self._move(file_id, FileState.RECEIVING, "state = ?", [FileState.PENDING.value])

    async def finish_receiving(
        self, file_id: str, size: int, extra: dict[str, Any], now: int
    ) -> bool:
        """Receiving to uploaded; the upload hash is cleared."""
        return await self._move(
            file_id,
            FileState.RECEIVING,
            "state = ?, size = ?, extra = ?, upload_hash = NULL, updated = ?",
            [FileState.UPLOADED.value, size, json.dumps(extra), now],
        )

    async def complete(self, file_id: str, user_id: str, title: str, now: int) -> bool:
        """Uploaded to complete, for the uploader only."""
        changed = await self._runner.execute(
            "UPDATE files SET state = ?, title = ?, updated = ? "
            "WHERE id = ? AND state = ? AND user_id = ?",
            [FileState.COMPLETE.value, title, now, file_id, FileState.UPLOADED.value, user_id],
        )
        return changed > 0

    async def add_shares(self, shares: Sequence[FileShare]) -> None:
        """Insert the shares in one transaction."""
        if not shares:
            return
        await self._runner.execute_together(
            [
                (_INSERT_SHARE, [s.file_id, s.conversation_id, s.ts, s.user_id, s.thread_ts])
                for s in shares
            ]
        )

    async def mark_deleted(self, file_id: str, now: int) -> bool:
        """Complete to deleted."""
        return await self._move(
            file_id, FileState.COMPLETE, "state = ?, updated = ?", [FileState.DELETED.value, now]
        )
