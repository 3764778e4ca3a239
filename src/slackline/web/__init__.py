"""What a person's browser opens: sign-in and sessions, the web client and the inspector.

:func:`handle_web` answers the paths of :data:`ROUTES` and returns ``None`` for any other,
so the application's router falls through to its 404. The web client itself uses only the
public Web API and the RTM socket, like any other client.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING

from slackline.web import apps_page, client, inspector, oauth, signin

if TYPE_CHECKING:
    from slackline.app import App
    from slackline.http.request import Request, Response

WebHandler = Callable[["App", "Request"], Awaitable["Response | None"]]

# Exact paths first, then prefixes; each module owns its paths.
ROUTES: tuple[tuple[str, WebHandler], ...] = (
    *signin.ROUTES,
    *inspector.ROUTES,
    *oauth.ROUTES,
    *apps_page.ROUTES,
    *client.ROUTES,
)


async def handle_web(app: App, request: Request) -> Response | None:
    """The web page or asset for the request's path, or ``None`` when it names none."""
    for path, handler in ROUTES:
        if request.path == path or (path.endswith("/") and request.path.startswith(path)):
            return await handler(app, request)
    return None
