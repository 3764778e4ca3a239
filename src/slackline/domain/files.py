"""Files: what is stored about one, the types Slack names, and the file object (pure).

A file's life is a short sequence of states (:class:`FileState`): an external upload starts
``pending`` (``files.getUploadURLExternal``), is ``receiving`` while its bytes arrive at the
upload URL, ``uploaded`` once they are stored, and ``complete`` once
``files.completeUploadExternal`` names it; ``files.upload`` creates files ``complete`` at once.
Only ``complete`` files are seen by anyone but their uploader's upload flow. ``deleted``
files keep their row (``files.info`` then answers ``file_deleted``) but not their bytes.

The file object follows Slack's (``files.info``): ``channels`` lists public channels,
``groups`` private channels and group DMs, ``ims`` DMs, each only where the viewer may see the
conversation; ``shares`` (``public``/``private``, by conversation) likewise. Messages carry
the same object without ``channels``, ``groups``, ``ims`` and ``shares``, since one message
object is delivered to everyone in its conversation.
"""

from __future__ import annotations

import enum
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote

from slackline.domain.access import members_only
from slackline.domain.models import Conversation

SNIPPET_PREVIEW_LINES = 5
SNIPPET_PREVIEW_CHARS = 1000
MAX_SNIPPET_BYTES = 1024 * 1024  # files.getUploadURLExternal's snippet_too_large
MAX_ALT_TXT_CHARS = 1000
MAX_TITLE_CHARS = 255  # longer titles are cut (ours)
MAX_NAME_CHARS = 255
DEFAULT_CONTENT_NAME = "-.txt"  # files.upload with content and no filename (ours)
UNTITLED = "Untitled"
# files.list's ``types`` values.
LIST_TYPES = frozenset({"all", "spaces", "snippets", "images", "gdocs", "zips", "pdfs"})


class FileState(enum.StrEnum):
    """Where a file is in its upload (see the module docstring)."""

    PENDING = "pending"
    RECEIVING = "receiving"
    UPLOADED = "uploaded"
    COMPLETE = "complete"
    DELETED = "deleted"


class FileMode(enum.StrEnum):
    """Slack's ``mode``: an uploaded file, or a snippet (text shown inline)."""

    HOSTED = "hosted"
    SNIPPET = "snippet"


@dataclass(frozen=True, slots=True)
class StoredFile:
    """A file's metadata; its bytes are in the blob store under :attr:`blob_key`.

    ``extra`` holds the keys of the file object that only some files have (``alt_txt``,
    a snippet's ``preview``, ``lines``, …). ``upload_hash`` is the SHA-256 of the one-time
    upload id while the upload URL is usable, else None.
    """

    id: str
    team_id: str
    user_id: str
    created: int
    name: str
    title: str
    mimetype: str
    filetype: str
    pretty_type: str
    mode: FileMode
    size: int
    state: FileState
    extra: dict[str, Any] = field(default_factory=dict)
    upload_hash: str | None = None
    updated: int = 0

    @property
    def blob_key(self) -> str:
        """Where the bytes are: ``<team>/<file id>``."""
        return f"{self.team_id}/{self.id}"


@dataclass(frozen=True, slots=True)
class FileShare:
    """The file was shared into a conversation by the message at ``ts``."""

    file_id: str
    conversation_id: str
    ts: str
    user_id: str
    thread_ts: str | None = None


@dataclass(frozen=True, slots=True)
class SharePlace:
    """A share as a viewer may see it: the conversation and its thread's state."""

    share: FileShare
    conversation: Conversation
    reply_count: int = 0
    reply_users: tuple[str, ...] = ()
    latest_reply: str | None = None


@dataclass(frozen=True, slots=True)
class FileQuery:
    """``files.list``: a team's files the viewer may see, newest first, one page."""

    team_id: str
    viewer: str
    user: str | None = None
    channel: str | None = None
    ts_from: int | None = None
    ts_to: int | None = None
    types: tuple[str, ...] = ()
    limit: int = 100
    offset: int = 0


@dataclass(frozen=True, slots=True)
class FileType:
    """Slack's ``filetype`` and ``pretty_type``, and the ``mimetype`` that goes with them."""

    filetype: str
    pretty_type: str
    mimetype: str


_T = FileType
TEXT = _T("text", "Plain Text", "text/plain")
BINARY = _T("binary", "Binary", "application/octet-stream")
# By extension. Slack's filetype names (https://docs.slack.dev/reference/objects/file-object).
_BY_EXTENSION: dict[str, FileType] = {
    "txt": TEXT, "text": TEXT, "log": TEXT,
    "md": _T("markdown", "Markdown (raw)", "text/markdown"),
    "markdown": _T("markdown", "Markdown (raw)", "text/markdown"),
    "py": _T("python", "Python", "text/x-python"),
    "js": _T("javascript", "JavaScript/JSON", "text/javascript"),
    "json": _T("json", "JSON", "application/json"),
    "yaml": _T("yaml", "YAML", "application/yaml"),
    "yml": _T("yaml", "YAML", "application/yaml"),
    "xml": _T("xml", "XML", "text/xml"),
    "html": _T("html", "HTML", "text/html"),
    "htm": _T("html", "HTML", "text/html"),
    "css": _T("css", "CSS", "text/css"),
    "csv": _T("csv", "CSV", "text/csv"),
    "tsv": _T("tsv", "TSV", "text/tab-separated-values"),
    "sh": _T("shell", "Shell", "text/x-sh"),
    "sql": _T("sql", "SQL", "application/sql"),
    "c": _T("c", "C", "text/x-c"),
    "h": _T("c", "C", "text/x-c"),
    "cpp": _T("cpp", "C++", "text/x-c++"),
    "java": _T("java", "Java", "text/x-java"),
    "go": _T("go", "Go", "text/x-go"),
    "rs": _T("rust", "Rust", "text/x-rust"),
    "rb": _T("ruby", "Ruby", "text/x-ruby"),
    "php": _T("php", "PHP", "text/x-php"),
    "diff": _T("diff", "Diff", "text/x-diff"),
    "patch": _T("diff", "Diff", "text/x-diff"),
    "png": _T("png", "PNG", "image/png"),
    "jpg": _T("jpg", "JPEG", "image/jpeg"),
    "jpeg": _T("jpg", "JPEG", "image/jpeg"),
    "gif": _T("gif", "GIF", "image/gif"),
    "bmp": _T("bmp", "BMP", "image/bmp"),
    "svg": _T("svg", "SVG", "image/svg+xml"),
    "webp": _T("webp", "WebP", "image/webp"),
    "tif": _T("tiff", "TIFF", "image/tiff"),
    "tiff": _T("tiff", "TIFF", "image/tiff"),
    "pdf": _T("pdf", "PDF", "application/pdf"),
    "zip": _T("zip", "Zip", "application/zip"),
    "gz": _T("gzip", "GZip", "application/gzip"),
    "tar": _T("tar", "Tarball", "application/x-tar"),
    "doc": _T("doc", "Word Document", "application/msword"),
    "docx": _T("docx", "Word Document",
               "application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
    "xls": _T("xls", "Excel Spreadsheet", "application/vnd.ms-excel"),
    "xlsx": _T("xlsx", "Excel Spreadsheet",
               "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
    "ppt": _T("ppt", "PowerPoint Presentation", "application/vnd.ms-powerpoint"),
    "pptx": _T("pptx", "PowerPoint Presentation",
               "application/vnd.openxmlformats-officedocument.presentationml.presentation"),
    "mp3": _T("mp3", "MP3", "audio/mpeg"),
    "wav": _T("wav", "WAV", "audio/wav"),
    "ogg": _T("ogg", "Ogg Vorbis", "audio/ogg"),
    "mp4": _T("mp4", "MPEG 4 Video", "video/mp4"),
    "mov": _T("mov", "QuickTime Movie", "video/quicktime"),
    "webm": _T("webm", "WebM", "video/webm"),
}  # fmt: skip
_BY_FILETYPE: dict[str, FileType] = {t.filetype: t for t in reversed(_BY_EXTENSION.values())}
_BY_FILETYPE[BINARY.filetype] = BINARY


def extension(name: str) -> str:
    """The lower-cased extension of a file name (``""`` when it has none)."""
    stem, dot, ext = name.rpartition(".")
    return ext.lower() if dot and stem else ""


def detect_type(name: str, filetype: str = "", *, text: bool = False) -> FileType:
    """The file's type: a known ``filetype`` argument wins (``auto`` or unknown ones are
    ignored), then the name's extension; else plain text for text content, binary for
    bytes."""
    given = _BY_FILETYPE.get(filetype.strip().lower())
    if given is not None:
        return given
    found = _BY_EXTENSION.get(extension(name))
    if found is not None:
        return found
    return TEXT if text else BINARY


def snippet_type(name: str) -> FileType:
    """A snippet's type from ``snippet_type`` (``python``); unknown names are plain text."""
    return _BY_FILETYPE.get(name.strip().lower(), TEXT)


def is_known_snippet_type(name: str) -> bool:
    """Whether ``snippet_type`` names a type Slackline knows."""
    found = _BY_FILETYPE.get(name.strip().lower())
    return found is not None and found is not BINARY


def default_title(name: str) -> str:
    """``files.upload``'s title for a file given only a name: the name without extension."""
    stem, dot, _ = name.rpartition(".")
    return (stem if dot and stem else name) or UNTITLED


def snippet_fields(data: bytes | memoryview) -> dict[str, Any]:
    """A snippet's preview keys: its first lines, how many there are and more."""
    text = bytes(data).decode("utf-8", errors="replace")
    lines = text.splitlines()
    preview = "\n".join(lines[:SNIPPET_PREVIEW_LINES])[:SNIPPET_PREVIEW_CHARS]
    more = max(0, len(lines) - SNIPPET_PREVIEW_LINES)
    return {
        "preview": preview,
        "preview_highlight": preview,
        "lines": len(lines),
        "lines_more": more,
        "preview_is_truncated": more > 0 or len(preview) < len("\n".join(lines)),
    }


def file_path(file: StoredFile, *, download: bool = False) -> str:
    """The path of ``url_private`` (or ``url_private_download``), under ``/files-pri/``."""
    middle = "download/" if download else ""
    return f"/files-pri/{file.team_id}-{file.id}/{middle}{quote(file.name, safe='')}"


def is_public_share(conversation: Conversation) -> bool:
    """Whether a share makes the file public (a public channel of the team)."""
    return not members_only(conversation)


def _share_entry(place: SharePlace) -> dict[str, Any]:
    conversation, share = place.conversation, place.share
    entry: dict[str, Any] = {
        "reply_users": list(place.reply_users),
        "reply_users_count": len(place.reply_users),
        "reply_count": place.reply_count,
        "ts": share.ts,
    }
    if not (conversation.is_im or conversation.is_mpim):
        entry["channel_name"] = conversation.name
        entry["team_id"] = conversation.team_id
    entry["share_user_id"] = share.user_id
    entry["source"] = "UPLOAD"
    thread_ts = share.thread_ts or (share.ts if place.reply_count else None)
    if thread_ts:
        entry["thread_ts"] = thread_ts
    if place.latest_reply:
        entry["latest_reply"] = place.latest_reply
    return entry


def file_object(
    file: StoredFile,
    base_url: str,
    *,
    is_public: bool,
    places: Sequence[SharePlace] | None = None,
    with_shares: bool = False,
) -> dict[str, Any]:
    """Slack's file object.

    With ``places`` (the shares the viewer may see), ``channels``, ``groups`` and ``ims``
    are added, and ``shares`` too when ``with_shares``; without, the object is the one
    messages carry.
    """
    obj: dict[str, Any] = {
        "id": file.id,
        "created": file.created,
        "timestamp": file.created,
        "name": file.name,
        "title": file.title,
        "mimetype": file.mimetype,
        "filetype": file.filetype,
        "pretty_type": file.pretty_type,
        "user": file.user_id,
        "user_team": file.team_id,
        "editable": file.mode is FileMode.SNIPPET,
        "size": file.size,
        "mode": file.mode.value,
        "is_external": False,
        "external_type": "",
        "is_public": is_public,
        "public_url_shared": False,
        "display_as_bot": False,
        "username": "",
        "url_private": base_url + file_path(file),
        "url_private_download": base_url + file_path(file, download=True),
        "permalink": f"{base_url}/files/{file.user_id}/{file.id}/{quote(file.name, safe='')}",
        "has_rich_preview": False,
        "file_access": "visible",
        "comments_count": 0,
        "is_starred": False,
    }
    obj.update(file.extra)
    if places is None:
        return obj
    kinds: dict[str, list[str]] = {"channels": [], "groups": [], "ims": []}
    shares: dict[str, dict[str, list[dict[str, Any]]]] = {}
    for place in places:
        conversation = place.conversation
        kind = "ims" if conversation.is_im else "channels"
        if conversation.is_private or conversation.is_mpim:
            kind = "groups"
        if conversation.id not in kinds[kind]:
            kinds[kind].append(conversation.id)
        scope = "public" if is_public_share(conversation) else "private"
        shares.setdefault(scope, {}).setdefault(conversation.id, []).append(_share_entry(place))
    obj.update(kinds)
    if with_shares and shares:
        obj["shares"] = shares
    return obj


def tombstone(file_id: str) -> dict[str, Any]:
    """What a message shows of a deleted file."""
    return {"id": file_id, "mode": "tombstone"}
