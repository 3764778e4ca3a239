"""The toolkit's actions for files (uploads, info, listing, deletion, downloads).

Text is uploaded as ``files.upload`` with ``content`` (a snippet), bytes as ``files_upload_v2``
does it: ``files.getUploadURLExternal``, a POST of the bytes to the upload URL over real HTTP,
``files.completeUploadExternal``. Downloads GET ``url_private`` with the member's token, as a
client does, so the server's access rule is what a test sees.
"""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from slackline.testing.actions import ActingBase

if TYPE_CHECKING:
    from slackline.testing.toolkit import Member

HTTP_TIMEOUT_SECS = 30.0


def _joined(channels: str | Sequence[str]) -> str:
    return channels if isinstance(channels, str) else ",".join(channels)


class FileActions(ActingBase):
    """Named calls for files, mixed into :class:`slackline.testing.toolkit.Slackline`."""

    @property
    def base_url(self) -> str:
        """The server's HTTP base (provided by :class:`~slackline.testing.toolkit.Slackline`)."""
        raise NotImplementedError

    def _local(self, url: str) -> str:
        """A URL the server handed out, aimed at this server's own listener (the public URL
        may name a host the test cannot reach)."""
        parts = urlsplit(url)
        return self.base_url + parts.path + (f"?{parts.query}" if parts.query else "")

    def upload(
        self,
        member: Member | str,
        content: str | bytes,
        *,
        channels: str | Sequence[str] = (),
        filename: str = "",
        title: str = "",
        initial_comment: str = "",
        thread_ts: str = "",
    ) -> dict[str, Any]:
        """Upload text (a snippet, ``files.upload``) or bytes (``files_upload_v2``'s two
        steps), shared into ``channels``; the file object."""
        shared: dict[str, str] = {"channels": _joined(channels)}
        for key, value in (
            ("title", title),
            ("initial_comment", initial_comment),
            ("thread_ts", thread_ts),
        ):
            if value:
                shared[key] = value
        if isinstance(content, str):
            named = {"filename": filename} if filename else {}
            body = self._ok(member, "files.upload", content=content, **named, **shared)
            return dict(body["file"])
        opened = self._ok(
            member,
            "files.getUploadURLExternal",
            filename=filename or "file",
            length=str(len(content)),
        )
        self._post_bytes(str(opened["upload_url"]), content)
        item = {"id": opened["file_id"], **({"title": title} if title else {})}
        shared.pop("title", None)
        done = self._ok(member, "files.completeUploadExternal", files=json.dumps([item]), **shared)
        return dict(done["files"][0])

    def _post_bytes(self, url: str, data: bytes) -> None:
        request = urllib.request.Request(self._local(url), data=data, method="POST")  # noqa: S310 - our own server
        with urllib.request.urlopen(request, timeout=HTTP_TIMEOUT_SECS) as response:  # noqa: S310
            if response.status != 200:
                raise AssertionError(f"upload URL answered {response.status}")

    def file_info(self, member: Member | str, file_id: str) -> dict[str, Any]:
        """``files.info``: the file object as the member sees it."""
        return dict(self._ok(member, "files.info", file=file_id)["file"])

    def files(self, member: Member | str, **filters: Any) -> list[dict[str, Any]]:
        """``files.list`` (``user``, ``channel``, ``types``, ``ts_from``, ``ts_to``, ``count``,
        ``page``): the file objects of that page."""
        return list(self._ok(member, "files.list", **filters)["files"])

    def delete_file(self, member: Member | str, file_id: str) -> None:
        """``files.delete`` as the member."""
        self._ok(member, "files.delete", file=file_id)

    def download(self, member: Member, file: dict[str, Any] | str) -> bytes | None:
        """GET a file's ``url_private`` (a file object or the URL) with the member's token:
        the bytes, or None when the server refuses (401 or 404)."""
        url = file if isinstance(file, str) else str(file["url_private"])
        request = urllib.request.Request(  # noqa: S310 - our own server
            self._local(url), headers={"Authorization": f"Bearer {member.token}"}
        )
        try:
            with urllib.request.urlopen(request, timeout=HTTP_TIMEOUT_SECS) as response:  # noqa: S310
                return bytes(response.read())
        except urllib.error.HTTPError as error:
            if error.code in (401, 404):
                return None
            raise
