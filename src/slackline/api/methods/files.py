"""``files.*``: upload (multipart, ``content``, the external two-step), info, list, delete.

Where a file may be shared is where its uploader may post (:mod:`slackline.domain.access`):
``channels`` (``files.upload``: ids or names; ``files.completeUploadExternal``: ids, or
user ids meaning the DM with that user) and ``channel_id`` are each checked as
``chat.postMessage`` checks ``channel`` (``channel_not_found``, ``not_in_channel``,
``is_archived``) before anything is stored; ``thread_ts`` must name a message in each of
them (``invalid_thread_ts``). Who may see a file is :class:`~slackline.services.files.
FileService`'s rule: its uploader and whoever may see a conversation it was shared into.
"""

from __future__ import annotations

import math
from typing import Any

from slackline.api.call import Call
from slackline.api.methods.common import json_list
from slackline.api.registry import MethodSpec
from slackline.domain.files import (
    DEFAULT_CONTENT_NAME,
    LIST_TYPES,
    MAX_ALT_TXT_CHARS,
    MAX_NAME_CHARS,
    MAX_SNIPPET_BYTES,
    MAX_TITLE_CHARS,
    UNTITLED,
    FileMode,
    FileQuery,
    default_title,
    detect_type,
    snippet_type,
)
from slackline.domain.models import Conversation
from slackline.domain.ratelimit import Tier
from slackline.domain.text import storable
from slackline.errors import SlackError, SlackErrorCode
from slackline.http.multipart import FilePart, multipart_files
from slackline.services.files import NewFile, Sharing
from slackline.services.messages import check_text

MAX_CHANNELS = 100
DEFAULT_COUNT = 100
MAX_COUNT = 1000
PUBLIC_POST_SCOPE = "chat:write.public"
_WRITE_SCOPES = ("files:write", "files:write:user")
_READ_SCOPES = ("files:read",)
_USER_PREFIXES = ("U", "W")


def _split(raw: str) -> list[str]:
    return [part.strip() for part in raw.split(",") if part.strip()]


def _name(raw: str) -> str:
    """A file name or title as stored: storable text (A.10), at most 255 characters."""
    if not storable(raw):
        raise SlackError(SlackErrorCode.INVALID_ARGUMENTS)
    return raw[:MAX_NAME_CHARS]


async def _conversation_id(call: Call, raw: str) -> str:
    """A ``channels`` entry as a conversation id: ``#name`` or a lower-case name is looked
    up among the team's channels, a user id is the caller's DM with that user."""
    identity, reads = call.identity, call.services.reads
    if raw.startswith(_USER_PREFIXES):
        im = await reads.find_im(identity.team.id, identity.user.id, raw)
        return im.id if im is not None else ""
    if raw.startswith("#") or raw.islower():
        channel = await reads.find_channel_by_name(identity.team.id, raw.removeprefix("#"))
        return channel.id if channel is not None else ""
    return raw


async def _sharing(call: Call, targets: list[str], *, blocks: list[Any] | None = None) -> Sharing:
    """Where the files go, each conversation checked for posting, with the thread and text."""
    identity = call.identity
    if len(targets) > MAX_CHANNELS:
        raise SlackError(SlackErrorCode.CHANNELS_LIMIT_EXCEEDED)
    text = call.args.text("initial_comment")
    check_text(text, has_rich_content=True)
    raw_thread = call.args.text("thread_ts")
    conversations: list[Conversation] = []
    thread_ts: str | None = None
    for raw in targets:
        conversation = await call.services.access.postable(
            identity.team.id,
            identity.user.id,
            await _conversation_id(call, raw),
            public_without_membership=PUBLIC_POST_SCOPE in identity.token.scopes,
        )
        if conversation in conversations:
            continue
        if raw_thread:
            parent = await call.services.access.message(
                conversation,
                raw_thread,
                malformed=SlackErrorCode.FILE_INVALID_THREAD_TS,
                missing=SlackErrorCode.FILE_INVALID_THREAD_TS,
            )
            thread_ts = parent.thread_ts or parent.ts
        conversations.append(conversation)
    return Sharing(tuple(conversations), thread_ts, text, blocks)


def _file_part(call: Call) -> FilePart | None:
    """The uploaded file: the part named ``file``, else the first part with a file name."""
    content_type = call.request.header("content-type") or ""
    if not content_type.lower().startswith("multipart/form-data"):
        return None
    try:
        parts = multipart_files(call.request.body, content_type)
    except ValueError as exc:  # the dispatcher parsed this body already
        raise SlackError(SlackErrorCode.INVALID_FORM_DATA) from exc
    return next((p for p in parts if p.name == "file"), parts[0] if parts else None)


async def files_upload(call: Call) -> dict[str, Any]:
    """Upload a file (a ``file`` part) or create a snippet (``content``), maybe sharing it."""
    args = call.args
    part = _file_part(call)
    content = args.raw.get("content")
    if part is not None:
        data, is_text, default_name = part.data, False, part.filename
    elif content is not None:
        data, is_text, default_name = content.encode(), True, ""
    else:
        raise SlackError(SlackErrorCode.NO_FILE_DATA)
    call.services.files.check_size(len(data))
    fallback = DEFAULT_CONTENT_NAME if is_text else "file"
    name = _name(args.text("filename") or default_name or fallback)
    given_title = args.text("title")
    if given_title:
        title = given_title[:MAX_TITLE_CHARS]
    elif args.text("filename") or default_name:
        title = default_title(name)
    else:
        title = UNTITLED
    new = NewFile(
        data=data,
        name=name,
        title=title,
        type=detect_type(name, args.text("filetype"), text=is_text),
        mode=FileMode.SNIPPET if is_text else FileMode.HOSTED,
    )
    sharing = await _sharing(call, _split(args.text("channels")))
    file = await call.services.files.upload(call.identity, new, sharing, call.base_url())
    return {"file": file}


def _length(raw: str) -> int:
    try:
        length = int(raw)
    except ValueError as exc:
        raise SlackError(SlackErrorCode.INVALID_ARGUMENTS) from exc
    if length < 0:
        raise SlackError(SlackErrorCode.INVALID_ARGUMENTS)
    if length == 0:
        raise SlackError(SlackErrorCode.FILE_MISSING_ARGUMENT)
    return length


async def files_get_upload_url_external(call: Call) -> dict[str, Any]:
    """Start an external upload: a pending file and a one-time URL for its bytes."""
    args = call.args
    filename, raw_length = args.text("filename"), args.text("length")
    if not filename or not raw_length:
        raise SlackError(SlackErrorCode.INVALID_ARGUMENTS)
    length = _length(raw_length)
    alt_txt = args.text("alt_txt")
    if len(alt_txt) > MAX_ALT_TXT_CHARS:
        raise SlackError(SlackErrorCode.ALT_TXT_TOO_LARGE)
    kind = args.text("snippet_type")
    if kind and length > MAX_SNIPPET_BYTES:
        raise SlackError(SlackErrorCode.SNIPPET_TOO_LARGE)
    name = _name(filename)
    file_type = snippet_type(kind) if kind else detect_type(name)
    file_id, upload_url = await call.services.files.open_upload(
        call.identity,
        name=name,
        length=length,
        file_type=file_type,
        mode=FileMode.SNIPPET if kind else FileMode.HOSTED,
        alt_txt=alt_txt,
        base_url=call.base_url(),
    )
    return {"upload_url": upload_url, "file_id": file_id}


def _completed_items(raw: str) -> list[tuple[str, str]]:
    """``files``: a JSON array of ``{"id", "title"?}`` objects."""
    value = json_list(raw, SlackErrorCode.INVALID_ARGUMENTS)
    if not value:
        raise SlackError(SlackErrorCode.INVALID_ARGUMENTS)
    items = []
    for entry in value:
        if not isinstance(entry, dict) or not isinstance(entry.get("id"), str):
            raise SlackError(SlackErrorCode.INVALID_ARGUMENTS)
        title = entry.get("title")
        if title is not None and not isinstance(title, str):
            raise SlackError(SlackErrorCode.INVALID_ARGUMENTS)
        items.append((entry["id"], (title or "")[:MAX_TITLE_CHARS]))
    return items


async def files_complete_upload_external(call: Call) -> dict[str, Any]:
    """Finish external uploads: the files become complete and are shared where asked."""
    args = call.args
    items = _completed_items(args.text("files"))
    targets = _split(args.text("channel_id")) + _split(args.text("channels"))
    blocks = (
        None
        if args.text("initial_comment")
        else json_list(args.text("blocks"), SlackErrorCode.INVALID_BLOCKS) or None
    )
    sharing = await _sharing(call, targets, blocks=blocks)
    files = await call.services.files.complete_uploads(
        call.identity, items, sharing, call.base_url()
    )
    return {"files": files}


async def files_info(call: Call) -> dict[str, Any]:
    """One file the caller may see, with where it is shared; files have no comments."""
    call.args.limit()
    call.args.cursor("file_comments")
    service = call.services.files
    file = await service.readable(call.identity, call.args.text("file"))
    shown = await service.describe(file, call.identity, call.base_url())
    return {"file": shown, "comments": [], "response_metadata": {"next_cursor": ""}}


def _whole(raw: str, default: int) -> int:
    """``count`` and ``page`` as Slack coerces them: a positive whole number, else the
    default (ours)."""
    try:
        value = int(raw)
    except ValueError:
        return default
    return value if value > 0 else default


def _seconds(raw: str) -> int | None:
    try:
        return int(float(raw)) if raw else None
    except ValueError:
        return None


async def files_list(call: Call) -> dict[str, Any]:
    """The team's files the caller may see, newest first, ``count`` per ``page``."""
    args, identity = call.args, call.identity
    count = min(_whole(args.text("count"), DEFAULT_COUNT), MAX_COUNT)
    page = _whole(args.text("page"), 1)
    types = tuple(_split(args.text("types")))
    if any(kind not in LIST_TYPES for kind in types):
        raise SlackError(SlackErrorCode.UNKNOWN_TYPE)
    user = args.text("user")
    if user:
        await call.services.access.team_user(identity.team.id, user)
    channel = args.text("channel")
    paging = {"count": count, "total": 0, "page": page, "pages": 0}
    if channel:
        try:
            await call.services.access.visible(identity.team.id, identity.user.id, channel)
        except SlackError:
            return {"files": [], "paging": paging}
    query = FileQuery(
        team_id=identity.team.id,
        viewer=identity.user.id,
        user=user or None,
        channel=channel or None,
        ts_from=_seconds(args.text("ts_from")),
        ts_to=_seconds(args.text("ts_to")),
        types=types,
        limit=count,
        offset=(page - 1) * count,
    )
    found, total = await call.services.reads.files.list_files(query)
    base = call.base_url()
    service = call.services.files
    shown = [await service.describe(f, identity, base, with_shares=False) for f in found]
    paging.update(total=total, pages=math.ceil(total / count))
    return {"files": shown, "paging": paging}


async def files_delete(call: Call) -> dict[str, Any]:
    """Delete a file: its uploader, or an admin or owner with a user token."""
    await call.services.files.delete(call.identity, call.args.text("file"))
    return {}


METHODS = [
    MethodSpec("files.upload", files_upload, Tier.TIER_2, _WRITE_SCOPES),
    MethodSpec(
        "files.getUploadURLExternal",
        files_get_upload_url_external,
        Tier.TIER_4,
        ("files:write",),
        publishes=False,
    ),
    MethodSpec(
        "files.completeUploadExternal",
        files_complete_upload_external,
        Tier.TIER_4,
        ("files:write",),
    ),
    MethodSpec("files.info", files_info, Tier.TIER_4, _READ_SCOPES, publishes=False),
    MethodSpec(
        "files.list",
        files_list,
        Tier.TIER_3,
        _READ_SCOPES,
        bool_args=("show_files_hidden_by_limit",),
        publishes=False,
    ),
    MethodSpec("files.delete", files_delete, Tier.TIER_3, _WRITE_SCOPES),
]
