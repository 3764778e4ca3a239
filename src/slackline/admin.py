"""The admin API's historic entry points, kept for their callers: the control API
(:mod:`slackline.control`) serves ``/_slackline/admin/`` and ``slackline admin ...`` uses
:class:`AdminClient`. See docs/admin.md."""

from __future__ import annotations

from typing import TYPE_CHECKING

from slackline.control import ENDPOINTS, handle_control
from slackline.control.client import AdminClient, AdminClientError
from slackline.control.router import ADMIN_PREFIX
from slackline.control.workspace_endpoints import team_object

if TYPE_CHECKING:
    from slackline.app import App
    from slackline.http.request import Request, Response

__all__ = ["ADMIN_PREFIX", "ENDPOINTS", "AdminClient", "AdminClientError", "team_object"]


async def handle_admin(app: App, request: Request) -> Response:
    """Answer an admin request (the control API's router)."""
    return await handle_control(app, request)
