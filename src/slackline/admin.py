"""The admin HTTP API under ``/_slackline/admin/`` (filled in by the admin work)."""

from __future__ import annotations

from slackline.app import App
from slackline.http.request import Request, Response
from slackline.http.response import plain_response


async def handle_admin(app: App, request: Request) -> Response:
    """Answer an admin request."""
    return plain_response(404, {"ok": False, "error": "not_found"}, request.request_id)
