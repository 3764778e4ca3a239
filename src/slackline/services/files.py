"""Files: uploads, their bytes in the blob store, sharing into conversations, downloads."""

from __future__ import annotations

from slackline.http.request import Request, Response
from slackline.http.response import plain_response
from slackline.services.deps import ServiceDeps


class FileService:
    """See the module docstring."""

    def __init__(self, deps: ServiceDeps) -> None:
        self._deps = deps

    async def download(self, request: Request) -> Response:
        """``GET`` of a file's private URL (``url_private``): the bytes, to callers allowed."""
        return plain_response(404, {"ok": False, "error": "file_not_found"}, request.request_id)

    async def receive_upload(self, request: Request) -> Response:
        """A client's upload to a URL from ``files.getUploadURLExternal``."""
        return plain_response(404, {"ok": False, "error": "not_found"}, request.request_id)
