"""The web client at `/` and its static assets under `/static/`.

`GET /` answers a signed-in person the client page, whose only inline content is the JSON
boot block (token, team, user, CSRF token, API base) the page's modules read; a signed-out
browser is sent to `/signin`. Everything else the client does goes through the public Web
API and one RTM socket, like any other client. The assets are files shipped inside the
package (`web/static/`), served with their content type, an ETag and `no-cache` (their
names carry no content hash, so a browser must revalidate to see an upgrade), and a strict
Content-Security-Policy on every answer.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from slackline.http.request import Response
from slackline.web import signin

if TYPE_CHECKING:
    from slackline.app import App
    from slackline.http.request import Request
    from slackline.web import WebHandler

STATIC_DIR = Path(__file__).resolve().parent / "static"
STATIC_PREFIX = "/static/"

# The page may load only what this server serves; the boot block is JSON, which CSP does
# not treat as script, so no inline script and no `unsafe-inline` is needed.
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; "
    "connect-src 'self' ws: wss:; font-src 'self'; object-src 'none'; base-uri 'none'; "
    "form-action 'self'; frame-ancestors 'none'"
)

CONTENT_TYPES = {
    ".css": "text/css; charset=utf-8",
    ".js": "text/javascript; charset=utf-8",
    ".svg": "image/svg+xml",
    ".png": "image/png",
    ".ico": "image/x-icon",
    ".json": "application/json; charset=utf-8",
}

# One flat folder of plainly named files: a name with a slash, a dot-dot, a percent escape
# or a backslash never matches, so no request can leave the folder.
ASSET_NAME = re.compile(r"[A-Za-z0-9_-]+(\.[A-Za-z0-9_-]+)*\.[a-z]+")


@dataclass(frozen=True, slots=True)
class Asset:
    """One static file as served: its bytes, content type and ETag."""

    body: bytes
    content_type: str
    etag: str


def security_headers() -> list[tuple[str, str]]:
    """The headers every page and asset of the web client carries."""
    return [
        ("content-security-policy", CONTENT_SECURITY_POLICY),
        ("x-content-type-options", "nosniff"),
        ("referrer-policy", "same-origin"),
        ("x-frame-options", "DENY"),
    ]


def load_asset(name: str) -> Asset | None:
    """The static file called ``name``, or ``None`` for a name that is not one we ship."""
    if not ASSET_NAME.fullmatch(name):
        return None
    content_type = CONTENT_TYPES.get(Path(name).suffix)
    path = STATIC_DIR / name
    if content_type is None or not path.is_file():
        return None
    body = path.read_bytes()
    etag = '"' + hashlib.sha256(body).hexdigest()[:32] + '"'
    return Asset(body, content_type, etag)


def boot_json(document: dict[str, Any]) -> str:
    """The boot document as JSON safe inside a `<script>` element.

    Escaping `<`, `>` and `&` keeps a value such as `</script>` from closing the element.
    """
    text = json.dumps(document, separators=(",", ":"))
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


# Admins and owners see a link to the Apps page (web/apps_page.py) in the top bar.
APPS_LINK = '<a id="apps-link" class="link-button" href="/apps">Apps</a>'


def client_page(boot: dict[str, Any], *, admin: bool = False) -> str:
    """The client's HTML: the shell the modules fill, and the boot block; ``admin`` adds
    the link to the Apps page."""
    page = PAGE_TEMPLATE.replace("{apps_link}", APPS_LINK if admin else "")
    return page.replace("{boot}", boot_json(boot))


async def client_root(app: App, request: Request) -> Response | None:
    """`GET /`: the client for a signed-in person, else a redirect to `/signin`.

    The router treats a route ending in `/` as a prefix, so this one sees every path no
    earlier route took: any path but `/` itself is not ours (``None``: the app's 404 and
    permalinks answer it).
    """
    if request.path != "/":
        return None
    if request.method not in ("GET", "HEAD"):
        return _not_allowed()
    session = await signin.current_session(app, request)
    if session is None:
        headers = [("location", "/signin"), ("cache-control", "no-store"), *security_headers()]
        return Response(303, b"", headers, content_type="text/plain; charset=utf-8")
    boot = {
        "token": session.token,
        "team_id": session.team_id,
        "user_id": session.user_id,
        "csrf": session.csrf,
        "api": "/api/",
    }
    body = b"" if request.method == "HEAD" else client_page(boot, admin=session.is_admin).encode()
    # The page holds a token: never stored by a cache.
    headers = [("cache-control", "no-store"), *security_headers()]
    return Response(200, body, headers, content_type="text/html; charset=utf-8")


async def static_asset(app: App, request: Request) -> Response:
    """`GET /static/<name>`: a shipped asset, 304 when the browser's copy is current."""
    if request.method not in ("GET", "HEAD"):
        return _not_allowed()
    asset = load_asset(request.path[len(STATIC_PREFIX) :])
    if asset is None:
        body = b'{"ok":false,"error":"not_found"}'
        return Response(404, body, security_headers())
    headers = [("cache-control", "no-cache"), ("etag", asset.etag), *security_headers()]
    if request.header("if-none-match") == asset.etag:
        return Response(304, b"", headers, content_type=asset.content_type)
    body = b"" if request.method == "HEAD" else asset.body
    return Response(200, body, headers, content_type=asset.content_type)


async def favicon(app: App, request: Request) -> Response:
    """`GET /favicon.ico`: the logo, so a browser's own request for it never fails (pages
    without an icon link, such as a JSON answer, make browsers ask for this path)."""
    if request.method not in ("GET", "HEAD"):
        return _not_allowed()
    asset = load_asset("logo.svg")
    assert asset is not None  # shipped with the package
    headers = [("cache-control", "max-age=86400"), ("etag", asset.etag), *security_headers()]
    body = b"" if request.method == "HEAD" else asset.body
    return Response(200, body, headers, content_type=asset.content_type)


def _not_allowed() -> Response:
    """405 for a method the page or asset does not take."""
    headers = [("allow", "GET, HEAD"), *security_headers()]
    return Response(405, b'{"ok":false,"error":"method_not_allowed"}', headers)


PAGE_TEMPLATE = """<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Slackline</title>
<link rel="icon" href="/static/logo.svg" type="image/svg+xml">
<link rel="stylesheet" href="/static/client.css">
<script id="boot" type="application/json">{boot}</script>
<script type="module" src="/static/app.js"></script>
</head>
<body>
<div id="app" class="app">
  <header class="topbar">
    <button id="menu-toggle" class="icon-button" type="button" aria-label="Show conversations"
      aria-controls="sidebar" aria-expanded="false">&#9776;</button>
    <img src="/static/logo.svg" alt="" class="logo" width="24" height="24">
    <strong id="team-name" class="team-name">Slackline</strong>
    <form id="search-form" class="search" role="search">
      <label for="search-input" class="visually-hidden">Search messages</label>
      <input id="search-input" type="search" placeholder="Search messages" autocomplete="off">
    </form>
    <span id="connection" class="connection" role="status" aria-live="polite">Connecting…</span>
    {apps_link}
    <button id="me-button" class="me-button" type="button" aria-label="Your profile"></button>
    <form id="signout-form" method="post" action="/signout">
      <input type="hidden" name="csrf" id="signout-csrf">
      <button type="submit" class="link-button">Sign out</button>
    </form>
  </header>
  <nav id="sidebar" class="sidebar" aria-label="Conversations">
    <section aria-labelledby="channels-heading">
      <h2 id="channels-heading">Channels
        <button id="new-channel" class="icon-button small" type="button"
          aria-label="Create a channel">+</button>
        <button id="browse-channels" class="icon-button small" type="button"
          aria-label="Browse channels">&#8981;</button>
      </h2>
      <ul id="channel-list" class="conversation-list"></ul>
    </section>
    <section aria-labelledby="dms-heading">
      <h2 id="dms-heading">Direct messages
        <button id="new-dm" class="icon-button small" type="button"
          aria-label="Open a direct message">+</button>
      </h2>
      <ul id="dm-list" class="conversation-list"></ul>
    </section>
  </nav>
  <main id="main" class="main" aria-label="Conversation">
    <header class="channel-header">
      <h1 id="channel-title">&nbsp;</h1>
      <span id="channel-topic" class="topic"></span>
      <div class="channel-actions">
        <button id="invite-button" type="button" class="small-button">Invite</button>
        <button id="leave-button" type="button" class="small-button">Leave</button>
        <button id="archive-button" type="button" class="small-button">Archive</button>
      </div>
    </header>
    <div id="messages" class="messages" role="log" aria-label="Messages" tabindex="0"></div>
    <div id="typing" class="typing" aria-live="polite"></div>
    <form id="composer" class="composer">
      <label for="composer-input" class="visually-hidden">Message</label>
      <textarea id="composer-input" rows="1" placeholder="Message"></textarea>
      <label class="icon-button" for="file-input" title="Upload a file"><img
        src="/static/attach.svg" alt="" width="20" height="20"><span
        class="visually-hidden">Upload a file</span></label>
      <input id="file-input" type="file" class="visually-hidden" multiple>
      <button type="submit" class="send-button">Send</button>
    </form>
  </main>
  <aside id="side-panel" class="side-panel" hidden aria-labelledby="side-title">
    <header class="panel-header">
      <h2 id="side-title">Thread</h2>
      <button id="side-close" class="icon-button" type="button"
        aria-label="Close panel">&times;</button>
    </header>
    <div id="side-body" class="side-body"></div>
    <form id="thread-composer" class="composer thread-composer" hidden>
      <label for="thread-input" class="visually-hidden">Reply</label>
      <textarea id="thread-input" rows="1" placeholder="Reply"></textarea>
      <label class="broadcast"><input id="thread-broadcast" type="checkbox">
        Also send to channel</label>
      <button type="submit" class="send-button">Reply</button>
    </form>
  </aside>
</div>
<div id="emoji-picker" class="emoji-picker" role="dialog" aria-label="Pick an emoji" hidden>
  <label for="emoji-filter" class="visually-hidden">Filter emoji</label>
  <input id="emoji-filter" type="search" placeholder="Find an emoji" autocomplete="off">
  <div id="emoji-grid" class="emoji-grid" role="listbox" aria-label="Emoji"></div>
</div>
<div id="drop-zone" class="drop-zone" hidden>Drop files to upload</div>
</body>
</html>
"""

# `/` last: as a route ending in `/` it would take `/static/` too.
ROUTES: tuple[tuple[str, WebHandler], ...] = (
    (STATIC_PREFIX, static_asset),
    ("/favicon.ico", favicon),
    ("/", client_root),
)
