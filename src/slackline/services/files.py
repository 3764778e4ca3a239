"""Files: uploads, their bytes in the blob store, sharing into conversations, downloads.

Who may see a file: its uploader, and whoever may see one of the conversations it was shared
into (:mod:`slackline.domain.access`, applied through
:class:`~slackline.services.access.ConversationAccess`); anyone else, another team's user
included, is told ``file_not_found`` (or 404 at its URL), so a private file's existence is
never revealed.

Bytes are written to the blob store before the row that points at them is committed, and
events are published after both (decisions F.1). The events, as Slack sends them:

- ``file_created`` to the uploader's sessions, when an upload is complete;
- ``file_public`` to the team, when a file is first shared into a public channel;
- ``file_shared`` to whoever may see the conversation it was shared into (the team for a
  public channel, the members otherwise), after the ``message`` carrying the file (subtype
  ``file_share``);
- ``file_deleted`` to whoever could see the file; each message that carried it is changed
  to show it as a tombstone (``message_changed`` to the conversation's members).

The upload URLs of ``files.getUploadURLExternal`` are ``<base>/upload/v1/<one-time id>``:
the id is 192 random bits, usable once, stored only as its SHA-256 and kept out of the
access log. The bytes may be posted raw or as a multipart file part, as Slack's upload host
takes them, and are answered as it answers (``200 OK - <size>``).
"""

from __future__ import annotations

import dataclasses
import hashlib
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

from slackline.broker import Event
from slackline.domain.access import members_only
from slackline.domain.auth import authenticate_identity, authenticate_token
from slackline.domain.files import (
    FileMode,
    FileShare,
    FileState,
    FileType,
    SharePlace,
    StoredFile,
    file_object,
    is_public_share,
    snippet_fields,
    tombstone,
)
from slackline.domain.models import Conversation, Identity, Message
from slackline.domain.shapes import message_object
from slackline.errors import SlackError, SlackErrorCode, StorageError
from slackline.http.args import bearer_token, parse_content_type
from slackline.http.cookies import cookie_value
from slackline.http.multipart import multipart_files
from slackline.http.request import Request, Response
from slackline.http.response import plain_response
from slackline.services.deps import ServiceDeps
from slackline.services.identity import SESSION_COOKIE
from slackline.services.notices import event_ts

logger = logging.getLogger("slackline.files")

UPLOAD_PATH = "/upload/v1/"
# The subtype of a message that carries uploaded files, as Slack's message events have it.
FILE_SHARE_SUBTYPE = "file_share"
DOWNLOAD_PATH = "/files-pri/"
_TEXT = "text/plain; charset=utf-8"
# Types a browser may show in place; everything else is sent as an attachment, so a file
# never runs as a page of this server (and nothing is sniffed).
_INLINE_TYPES = frozenset(
    {"image/png", "image/jpeg", "image/gif", "image/webp", "image/bmp", "application/pdf"}
)


@dataclass(frozen=True, slots=True)
class NewFile:
    """A file as ``files.upload`` receives it: bytes and what to call them."""

    data: bytes | memoryview  # a view of the request body for a multipart upload
    name: str
    title: str
    type: FileType
    mode: FileMode = FileMode.HOSTED
    alt_txt: str = ""


@dataclass(frozen=True, slots=True)
class Sharing:
    """Where new files go: conversations (already checked for posting), a thread, a comment."""

    conversations: tuple[Conversation, ...] = ()
    thread_ts: str | None = None
    text: str = ""
    blocks: list[Any] | None = None


def upload_hash(upload_id: str) -> str:
    """What is stored of a one-time upload id."""
    return hashlib.sha256(upload_id.encode()).hexdigest()


def _text(status: int, text: str, request_id: str) -> Response:
    headers = [("x-slack-req-id", request_id)] if request_id else []
    return Response(status, text.encode(), headers, content_type=_TEXT)


def _disposition(kind: str, name: str) -> str:
    """``Content-Disposition`` with an ASCII fallback name and the exact one (RFC 6266)."""
    fallback = "".join(
        c if c.isascii() and c.isprintable() and c not in '"\\' else "_" for c in name
    )
    return f"{kind}; filename=\"{fallback}\"; filename*=UTF-8''{quote(name, safe='')}"


class FileService:
    """See the module docstring."""

    def __init__(self, deps: ServiceDeps) -> None:
        self._deps = deps
        self._store = deps.store
        self._broker = deps.broker
        self._clock = deps.clock
        self._ids = deps.ids
        self._access = deps.access
        self._conversations = deps.conversations
        self._blobs = deps.blobs.store
        self.max_file_bytes = deps.blobs.max_file_bytes

    # sizes and visibility

    def check_size(self, size: int) -> None:
        """``file_upload_size_restricted`` above ``--max-file-bytes``."""
        if size > self.max_file_bytes:
            raise SlackError(SlackErrorCode.FILE_UPLOAD_SIZE_RESTRICTED)

    async def visible_places(
        self,
        file: StoredFile,
        identity: Identity,
        shares: Sequence[FileShare],
        *,
        with_threads: bool = False,
    ) -> list[SharePlace]:
        """The shares of ``file`` whose conversation the caller may see."""
        places = []
        for share in shares:
            try:
                conversation, _ = await self._access.visible(
                    identity.team.id, identity.user.id, share.conversation_id
                )
            except SlackError:
                continue
            place = SharePlace(share, conversation)
            if with_threads:
                summary = await self._store.thread_summary(conversation.id, share.ts)
                place = SharePlace(
                    share,
                    conversation,
                    summary.reply_count,
                    tuple(summary.reply_users),
                    summary.latest_reply,
                )
            places.append(place)
        return places

    async def _is_public(self, shares: Sequence[FileShare]) -> bool:
        for share in shares:
            conversation = await self._conversations.conversation(share.conversation_id)
            if conversation is not None and is_public_share(conversation):
                return True
        return False

    async def readable(self, identity: Identity, file_id: str) -> StoredFile:
        """The file if the caller may see it: ``file_not_found`` when it does not exist for
        them, ``file_deleted`` when it did and was deleted."""
        file = await self._store.files.get_file(file_id) if file_id else None
        if file is None or file.team_id != identity.team.id:
            raise SlackError(SlackErrorCode.FILE_NOT_FOUND)
        if file.state not in (FileState.COMPLETE, FileState.DELETED):
            raise SlackError(SlackErrorCode.FILE_NOT_FOUND)
        if file.user_id != identity.user.id:
            shares = await self._store.files.list_shares(file.id)
            if not await self.visible_places(file, identity, shares):
                raise SlackError(SlackErrorCode.FILE_NOT_FOUND)
        if file.state is FileState.DELETED:
            raise SlackError(SlackErrorCode.FILE_DELETED)
        return file

    async def describe(
        self, file: StoredFile, identity: Identity, base_url: str, *, with_shares: bool = True
    ) -> dict[str, Any]:
        """The file object as the caller may see it (``shares`` only with ``with_shares``)."""
        shares = await self._store.files.list_shares(file.id)
        places = await self.visible_places(file, identity, shares, with_threads=with_shares)
        public = await self._is_public(shares)
        return file_object(file, base_url, is_public=public, places=places, with_shares=with_shares)

    # uploads

    async def upload(
        self, identity: Identity, new: NewFile, sharing: Sharing, base_url: str
    ) -> dict[str, Any]:
        """``files.upload``: store the bytes and the file, then share it; its object."""
        self.check_size(len(new.data))
        now = int(self._clock.now())
        extra: dict[str, Any] = {"alt_txt": new.alt_txt} if new.alt_txt else {}
        if new.mode is FileMode.SNIPPET:
            extra.update(snippet_fields(new.data))
        file = StoredFile(
            id=self._ids.object_id("F"),
            team_id=identity.team.id,
            user_id=identity.user.id,
            created=now,
            name=new.name,
            title=new.title,
            mimetype=new.type.mimetype,
            filetype=new.type.filetype,
            pretty_type=new.type.pretty_type,
            mode=new.mode,
            size=len(new.data),
            state=FileState.COMPLETE,
            extra=extra,
            updated=now,
        )
        await self._blobs.put(file.blob_key, new.data)
        await self._store.files.insert_file(file)
        await self._created([file])
        await self._share_everywhere(identity, [file], sharing, base_url)
        return await self.describe(file, identity, base_url)

    async def open_upload(
        self,
        identity: Identity,
        *,
        name: str,
        length: int,
        file_type: FileType,
        mode: FileMode,
        alt_txt: str,
        base_url: str,
    ) -> tuple[str, str]:
        """``files.getUploadURLExternal``: a pending file and its one-time upload URL."""
        self.check_size(length)
        upload_id = self._ids.ticket()
        now = int(self._clock.now())
        file = StoredFile(
            id=self._ids.object_id("F"),
            team_id=identity.team.id,
            user_id=identity.user.id,
            created=now,
            name=name,
            title=name,
            mimetype=file_type.mimetype,
            filetype=file_type.filetype,
            pretty_type=file_type.pretty_type,
            mode=mode,
            size=length,
            state=FileState.PENDING,
            extra={"alt_txt": alt_txt} if alt_txt else {},
            upload_hash=upload_hash(upload_id),
            updated=now,
        )
        await self._store.files.insert_file(file)
        return file.id, f"{base_url}{UPLOAD_PATH}{upload_id}"

    async def receive_upload(self, request: Request) -> Response:
        """A client's upload to a URL from ``files.getUploadURLExternal``."""
        rid = request.request_id
        upload_id = request.path.removeprefix(UPLOAD_PATH)
        if not request.path.startswith(UPLOAD_PATH) or not upload_id or "/" in upload_id:
            return _text(404, "Not Found", rid)
        if request.method != "POST":
            return _text(405, "Method Not Allowed", rid)
        if request.body_incomplete:
            return _text(400, "Incomplete body", rid)
        file = await self._store.files.find_upload(upload_hash(upload_id))
        if file is None or file.state is not FileState.PENDING:
            return _text(404, "Not Found", rid)
        try:
            data = _posted_bytes(request)
        except ValueError:
            return _text(400, "Invalid multipart body", rid)
        if len(data) > self.max_file_bytes:
            return _text(413, "File too large", rid)
        if not await self._store.files.begin_receiving(file.id):
            return _text(404, "Not Found", rid)
        try:
            await self._blobs.put(file.blob_key, data)
        except BaseException:
            await self._store.files.abort_receiving(file.id)
            raise
        extra = dict(file.extra)
        if file.mode is FileMode.SNIPPET:
            extra.update(snippet_fields(data))
        await self._store.files.finish_receiving(file.id, len(data), extra, int(self._clock.now()))
        return _text(200, f"OK - {len(data)}", rid)

    async def complete_uploads(
        self,
        identity: Identity,
        items: Sequence[tuple[str, str]],
        sharing: Sharing,
        base_url: str,
    ) -> list[dict[str, Any]]:
        """``files.completeUploadExternal``: the caller's uploaded files become complete (with
        their titles; empty keeps the file name) and are shared; their objects."""
        found: dict[str, tuple[StoredFile, str]] = {}
        for file_id, title in items:
            file = await self._store.files.get_file(file_id) if file_id else None
            if (
                file is None
                or file.team_id != identity.team.id
                or file.user_id != identity.user.id
                or file.state is not FileState.UPLOADED
            ):
                raise SlackError(SlackErrorCode.FILE_NOT_FOUND)
            found.setdefault(file.id, (file, title or file.title))
        now = int(self._clock.now())
        completed = []
        for file, title in found.values():
            if not await self._store.files.complete(file.id, identity.user.id, title, now):
                raise SlackError(SlackErrorCode.FILE_NOT_FOUND)
            completed.append(
                dataclasses.replace(file, title=title, state=FileState.COMPLETE, updated=now)
            )
        await self._created(completed)
        await self._share_everywhere(identity, completed, sharing, base_url)
        return [await self.describe(file, identity, base_url) for file in completed]

    async def _created(self, files: Sequence[StoredFile]) -> None:
        stamp = event_ts(self._clock)
        for file in files:
            payload = {
                "type": "file_created",
                "file_id": file.id,
                "file": {"id": file.id},
                "user_id": file.user_id,
                "event_ts": stamp,
            }
            await self._broker.publish(Event(file.team_id, payload, frozenset({file.user_id})))

    async def _share_everywhere(
        self, identity: Identity, files: Sequence[StoredFile], sharing: Sharing, base_url: str
    ) -> None:
        for conversation in sharing.conversations:
            await self._share(identity, files, conversation, sharing, base_url)

    async def _share(
        self,
        identity: Identity,
        files: Sequence[StoredFile],
        conversation: Conversation,
        sharing: Sharing,
        base_url: str,
    ) -> None:
        """One message carrying the files into a conversation, its shares, then the events."""
        public_share = is_public_share(conversation)
        was_public = {}
        for file in files:
            shares = await self._store.files.list_shares(file.id)
            was_public[file.id] = await self._is_public(shares)
        objects = [
            file_object(file, base_url, is_public=was_public[file.id] or public_share)
            for file in files
        ]
        extra: dict[str, Any] = {"files": objects, "upload": True, "display_as_bot": False}
        if sharing.blocks and not sharing.text:
            extra["blocks"] = sharing.blocks
        draft = Message(
            channel=conversation.id,
            ts="",
            team_id=identity.team.id,
            user=identity.user.id,
            text=sharing.text,
            bot_id=identity.user.bot_id if identity.token.is_bot else None,
            subtype=FILE_SHARE_SUBTYPE,
            thread_ts=sharing.thread_ts,
            extra=extra,
        )
        posted = await self._deps.messages.post_message(draft)
        ts = posted.message.ts
        await self._store.files.add_shares(
            [
                FileShare(file.id, conversation.id, ts, identity.user.id, sharing.thread_ts)
                for file in files
            ]
        )
        audience = None if public_share else await self._conversations.members(conversation.id)
        stamp = event_ts(self._clock)
        for file in files:
            reference = {"file_id": file.id, "user_id": identity.user.id, "file": {"id": file.id}}
            if public_share and not was_public[file.id]:
                payload = {"type": "file_public", **reference, "event_ts": stamp}
                await self._broker.publish(Event(file.team_id, payload))
            shared = {"type": "file_shared", "channel_id": conversation.id, **reference}
            await self._broker.publish(Event(file.team_id, {**shared, "event_ts": stamp}, audience))

    # deletion

    async def delete(self, identity: Identity, file_id: str) -> None:
        """``files.delete``: by the uploader, or an admin or owner with a user token."""
        file = await self.readable(identity, file_id)
        user = identity.user
        may = file.user_id == user.id or (
            (user.is_admin or user.is_owner) and not identity.token.is_bot
        )
        if not may:
            raise SlackError(SlackErrorCode.CANT_DELETE_FILE)
        shares = await self._store.files.list_shares(file.id)
        if not await self._store.files.mark_deleted(file.id, int(self._clock.now())):
            raise SlackError(SlackErrorCode.FILE_DELETED)
        try:
            await self._blobs.delete(file.blob_key)
        except StorageError as exc:  # the file is gone already; its bytes stay behind
            logger.warning("file %s deleted, but its bytes were not: %s", file.id, exc)
        audience = await self._audience(file, shares)
        for share in shares:
            await self._tombstone(file.id, share)
        payload = {"type": "file_deleted", "file_id": file.id, "event_ts": event_ts(self._clock)}
        await self._broker.publish(Event(file.team_id, payload, audience))

    async def _audience(
        self, file: StoredFile, shares: Sequence[FileShare]
    ) -> frozenset[str] | None:
        """Who could see the file: the team once it was in a public channel, else the
        uploader and the members of where it was shared."""
        users = {file.user_id}
        for share in shares:
            conversation = await self._conversations.conversation(share.conversation_id)
            if conversation is None:
                continue
            if not members_only(conversation):
                return None
            users |= await self._conversations.members(conversation.id)
        return frozenset(users)

    async def _tombstone(self, file_id: str, share: FileShare) -> None:
        """Show the file as deleted in the message that shared it, and tell the members."""
        previous = await self._store.get_message(share.conversation_id, share.ts)
        if previous is None:
            return
        carried = previous.extra.get("files")
        if not isinstance(carried, list):
            return
        files = [
            tombstone(file_id) if isinstance(f, dict) and f.get("id") == file_id else f
            for f in carried
        ]
        extra = {k: v for k, v in previous.extra.items() if k != "reactions"}
        updated = dataclasses.replace(previous, extra={**extra, "files": files})
        if not await self._store.update_message(updated):
            return
        stamp = event_ts(self._clock)
        payload = {
            "type": "message",
            "subtype": "message_changed",
            "hidden": True,
            "message": message_object(updated),
            "channel": updated.channel,
            "previous_message": message_object(previous),
            "ts": stamp,
            "event_ts": stamp,
        }
        members = await self._conversations.members(updated.channel)
        await self._broker.publish(Event(updated.team_id, payload, members))

    # downloads

    async def download(self, request: Request) -> Response:
        """``GET`` of a file's private URL (``url_private``): the bytes, to callers allowed.

        The token must come as ``Authorization: Bearer`` (as Slack requires): none, or one
        that does not authenticate, is 401; a file the caller may not see, or none, is 404.
        """
        rid = request.request_id
        if request.method != "GET":
            return plain_response(405, {"ok": False, "error": "method_not_allowed"}, rid)
        target = _download_target(request.path)
        if target is None:
            return plain_response(404, {"ok": False, "error": "file_not_found"}, rid)
        team_id, file_id, attachment = target
        identities = self._deps.identities
        token = bearer_token(request.header("authorization"))
        secret = cookie_value(request.header("cookie"), SESSION_COOKIE)
        if token is None and secret:
            # A web session's page shows images by URL: its cookie stands for its token.
            token = identities.client_token(secret)
        if token is None:
            return _unauthorized(SlackErrorCode.NOT_AUTHED, rid)
        if not identities.cookie_allows(token, request.header("cookie")):
            return _unauthorized(SlackErrorCode.INVALID_AUTH, rid)
        identity = await identities.resolve(token)
        now = self._clock.now()
        try:
            token_found = identity.token if identity else None
            authenticate_token(token_found, caller_ip=request.peer, now=now)
            assert identity is not None  # authenticate_token raised otherwise
            authenticate_identity(identity, now=now)
        except SlackError as error:
            return _unauthorized(error.code, rid)
        file = await self._store.files.get_file(file_id)
        missing = plain_response(404, {"ok": False, "error": "file_not_found"}, rid)
        if file is None or file.team_id != team_id or identity.team.id != team_id:
            return missing
        if file.state is not FileState.COMPLETE:
            return missing
        if file.user_id != identity.user.id:
            shares = await self._store.files.list_shares(file.id)
            if not await self.visible_places(file, identity, shares):
                return missing
        data = await self._blobs.get(file.blob_key)
        if data is None:
            return missing
        inline = not attachment and file.mimetype in _INLINE_TYPES
        headers = [
            ("x-slack-req-id", rid),
            ("content-disposition", _disposition("inline" if inline else "attachment", file.name)),
            ("cache-control", "private, max-age=3600"),
            ("x-content-type-options", "nosniff"),
            ("content-security-policy", "sandbox; default-src 'none'"),
        ]
        return Response(200, data, headers, content_type=file.mimetype)


def _unauthorized(code: SlackErrorCode, request_id: str) -> Response:
    response = plain_response(401, {"ok": False, "error": code.value}, request_id)
    response.headers.append(("www-authenticate", 'Bearer realm="slackline"'))
    return response


def _download_target(path: str) -> tuple[str, str, bool] | None:
    """``/files-pri/<team>-<file>/[download/]<name>``: the team, the file, whether a download."""
    if not path.startswith(DOWNLOAD_PATH):
        return None
    segments = path.removeprefix(DOWNLOAD_PATH).split("/")
    team_id, dash, file_id = segments[0].partition("-")
    if not dash or not team_id or not file_id:
        return None
    return team_id, file_id, len(segments) > 2 and segments[1] == "download"


def _posted_bytes(request: Request) -> bytes | memoryview:
    """The bytes of an upload: the first file part of a multipart body, else the body."""
    content_type = request.header("content-type")
    if content_type and parse_content_type(content_type).mime == "multipart/form-data":
        parts = multipart_files(request.body, content_type)
        if parts:
            return parts[0].data
        raise ValueError("a multipart upload without a file part")
    return request.body
