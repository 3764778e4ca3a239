"""The inspector: sessions, frames, calls and faults, live, for admins.

``/inspector`` is a static page (``web/static/inspector/``) that reads and drives the control
API through ``POST /inspector/api/<endpoint>``: the same endpoints as
``/_slackline/admin/<endpoint>`` (a chosen few, :data:`INSPECTOR_ENDPOINTS`), authorised not
by the admin token in a header, which a page's script would have to hold, but by an
``HttpOnly`` cookie plus a CSRF token the page sends in ``X-Slackline-CSRF``. Two ways in:

- the admin token, entered once into ``/inspector/signin``, opens an inspector session
  (kept in this process's memory, ended by ``/inspector/signout`` or a restart);
- a person marked admin, signed in to the web client (``signin.current_session``).

Without an admin token the control API, its journal and so the inspector are off (404).
See docs/web-client.md, "The inspector".
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import secrets
import time
import weakref
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from slackline.domain.signin import SIGNIN_RATE
from slackline.http.args import parse_urlencoded
from slackline.http.cookies import cookie_value
from slackline.http.request import Response
from slackline.http.response import encode_json, plain_response
from slackline.web.signin import current_session

if TYPE_CHECKING:
    from slackline.app import App
    from slackline.http.request import Request
    from slackline.web import WebHandler

logger = logging.getLogger("slackline.web")

PAGE_PATH = "/inspector"
SIGNIN_PATH = "/inspector/signin"
SIGNOUT_PATH = "/inspector/signout"
API_PREFIX = "/inspector/api/"
ASSET_PREFIX = "/inspector/"
SESSION_COOKIE = "slackline_inspector"
# The sign-in form's own CSRF token travels in this cookie and in a hidden field (a
# double submit), so another site cannot sign a browser in with its own admin token.
FORM_COOKIE = "slackline_inspector_form"
CSRF_HEADER = "x-slackline-csrf"
SESSION_SECS = 12 * 3600.0
MAX_SESSIONS = 100
STATIC_DIR = Path(__file__).resolve().parent / "static" / "inspector"
ASSET_TYPES = {
    "inspector.js": "text/javascript; charset=utf-8",
    "inspector.css": "text/css; charset=utf-8",
}
PAGE_HEADERS = [
    ("content-security-policy",
     "default-src 'self'; connect-src 'self' ws: wss:; img-src 'self' data:; "
     "base-uri 'none'; form-action 'self'; frame-ancestors 'none'"),
    ("x-content-type-options", "nosniff"),
    # Not no-referrer: with it, Chromium sends "Origin: null" on form posts.
    ("referrer-policy", "same-origin"),
    ("x-frame-options", "DENY"),
    ("cache-control", "no-store"),
]  # fmt: skip
# What the page may call: reading the journals and sessions, the faults of today, acting as
# a person. Not reset, seed, workspace.apply, tokens.* or the clock: those stay behind the
# admin token itself.
INSPECTOR_ENDPOINTS = frozenset({
    "sessions.list", "journal.calls", "journal.frames", "journal.events", "journal.deliveries",
    "wait",
    "faults.list", "faults.goodbye", "faults.end_sessions", "faults.fail_next",
    "faults.migrate_team", "faults.silence_pings", "faults.answer_pings", "faults.clear",
    "act",
})  # fmt: skip


@dataclass(frozen=True, slots=True)
class InspectorAccess:
    """Who may use the inspector on this request, and the CSRF token their page must send."""

    csrf: str
    via: str  # "admin_token" or the signed-in admin person's user id


@dataclass(frozen=True, slots=True)
class _Opened:
    csrf: str
    expires: float


# Inspector sessions of each running app, by the SHA-256 of their cookie: the cookie itself
# is never kept, so a memory dump does not hand out sessions.
_SESSIONS: weakref.WeakKeyDictionary[App, dict[bytes, _Opened]] = weakref.WeakKeyDictionary()


def _sessions(app: App) -> dict[bytes, _Opened]:
    return _SESSIONS.setdefault(app, {})


def _digest(secret: str) -> bytes:
    return hashlib.sha256(secret.encode()).digest()


def _cookie_of(request: Request, name: str) -> str:
    return cookie_value(request.header("cookie"), name) or ""


def _same(given: str, expected: str) -> bool:
    return hmac.compare_digest(_digest(given), _digest(expected))


async def inspector_access(app: App, request: Request) -> InspectorAccess | None:
    """The request's access to the inspector: an open inspector session's cookie, or a
    signed-in person marked admin; None for anyone else (and whenever the control API is
    off)."""
    if not app.settings.admin_token:
        return None
    secret = _cookie_of(request, SESSION_COOKIE)
    if secret:
        opened = _sessions(app).get(_digest(secret))
        if opened is not None and opened.expires > time.monotonic():
            return InspectorAccess(opened.csrf, "admin_token")
    person = await current_session(app, request)
    if person is not None and person.is_admin:
        return InspectorAccess(person.csrf, person.user_id)
    return None


def _open_session(app: App) -> tuple[str, str]:
    sessions = _sessions(app)
    now = time.monotonic()
    for key in [k for k, v in sessions.items() if v.expires <= now]:
        del sessions[key]
    while len(sessions) >= MAX_SESSIONS:
        del sessions[next(iter(sessions))]
    secret, csrf = secrets.token_urlsafe(32), secrets.token_urlsafe(24)
    sessions[_digest(secret)] = _Opened(csrf, now + SESSION_SECS)
    return secret, csrf


def _cookie(request: Request, name: str, value: str, path: str, max_age: int) -> str:
    secure = "; Secure" if request.scheme == "https" else ""
    return f"{name}={value}; HttpOnly; SameSite=Strict; Path={path}; Max-Age={max_age}{secure}"


def _html(status: int, body: str, request: Request, headers: list[tuple[str, str]]) -> Response:
    all_headers = [*PAGE_HEADERS, *headers]
    if request.request_id:
        all_headers.append(("x-slack-req-id", request.request_id))
    return Response(status, body.encode(), all_headers, content_type="text/html; charset=utf-8")


def _redirect(location: str, request: Request, headers: list[tuple[str, str]]) -> Response:
    return Response(303, b"", [("location", location), ("cache-control", "no-store"), *headers],
                    content_type="text/plain; charset=utf-8")  # fmt: skip


def _escape(text: str) -> str:
    return (text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
            .replace('"', "&quot;").replace("'", "&#x27;"))  # fmt: skip


def _boot(document: dict[str, Any]) -> str:
    # JSON in a <script type="application/json"> block: "<" escaped, so no text ends it.
    return encode_json(document).decode().replace("<", "\\u003c")


def _signin_form(request: Request, message: str = "", status: int = 200) -> Response:
    csrf = secrets.token_urlsafe(24)
    note = f'<p class="error" role="alert">{_escape(message)}</p>' if message else ""
    page = (STATIC_DIR / "signin.html").read_text(encoding="utf-8")
    page = page.replace("{{csrf}}", csrf).replace("{{message}}", note)
    cookie = _cookie(request, FORM_COOKIE, csrf, SIGNIN_PATH, 3600)
    return _html(status, page, request, [("set-cookie", cookie)])


def _form(request: Request) -> dict[str, str]:
    return dict(parse_urlencoded(request.body))


def _same_origin(request: Request) -> bool:
    # A browser names the page a state change comes from; another site's is refused even
    # before its CSRF token is looked at (requests without the header are not browsers').
    origin = request.header("origin")
    if origin is None or origin == "null":
        return origin is None
    host = request.header("host") or ""
    return origin.partition("://")[2] == host


async def _page(app: App, request: Request) -> Response | None:
    if not app.settings.admin_token:
        return None
    if request.method not in ("GET", "HEAD"):
        return plain_response(405, {"ok": False, "error": "method_not_allowed"})
    access = await inspector_access(app, request)
    if access is None:
        return _redirect(SIGNIN_PATH, request, [])
    page = (STATIC_DIR / "index.html").read_text(encoding="utf-8")
    by_token = access.via == "admin_token"
    person = None if by_token else await app.store.get_user(access.via)
    boot = {"csrf": access.csrf, "api": API_PREFIX, "via": access.via,
            "who": person.name if person is not None else None,
            "signout": SIGNOUT_PATH if by_token else None}  # fmt: skip
    return _html(200, page.replace("{{boot}}", _boot(boot)), request, [])


async def _signin(app: App, request: Request) -> Response | None:
    admin_token = app.settings.admin_token
    if not admin_token:
        return None
    if request.method in ("GET", "HEAD"):
        return _signin_form(request)
    if request.method != "POST":
        return plain_response(405, {"ok": False, "error": "method_not_allowed"})
    form = _form(request)
    expected = _cookie_of(request, FORM_COOKIE)
    if not expected or not _same_origin(request) or not _same(form.get("csrf", ""), expected):
        return _signin_form(request, "The form expired: please try again.", 403)
    if app.settings.rate_limits:
        # Every attempt counts, per address, as people's sign-ins do: an admin token may be
        # a word someone chose.
        key = ("inspector-signin", request.peer)
        retry = await app.shared.rate_limits.acquire(key, SIGNIN_RATE)
        if retry is not None:
            minutes = max(1, -(-retry // 60))
            message = f"Too many attempts. Try again in {minutes} minute(s)."
            refused = _signin_form(request, message, 429)
            refused.headers.append(("retry-after", str(retry)))
            return refused
    if not _same(form.get("admin_token", ""), admin_token):
        logger.warning("inspector sign-in refused: wrong admin token (from %s)", request.peer)
        return _signin_form(request, "That is not this server's admin token.", 403)
    secret, _ = _open_session(app)
    cookie = _cookie(request, SESSION_COOKIE, secret, PAGE_PATH, int(SESSION_SECS))
    spent = _cookie(request, FORM_COOKIE, "", SIGNIN_PATH, 0)
    return _redirect(PAGE_PATH, request, [("set-cookie", cookie), ("set-cookie", spent)])


async def _signout(app: App, request: Request) -> Response | None:
    if not app.settings.admin_token:
        return None
    if request.method != "POST":
        return plain_response(405, {"ok": False, "error": "method_not_allowed"})
    access = await inspector_access(app, request)
    given = _form(request).get("csrf", "")
    if access is None or not _same_origin(request) or not _same(given, access.csrf):
        return plain_response(403, {"ok": False, "error": "invalid_csrf"})
    secret = _cookie_of(request, SESSION_COOKIE)
    _sessions(app).pop(_digest(secret), None)
    cleared = _cookie(request, SESSION_COOKIE, "", PAGE_PATH, 0)
    return _redirect(SIGNIN_PATH, request, [("set-cookie", cleared)])


async def _api(app: App, request: Request) -> Response | None:
    if not app.settings.admin_token:
        return None
    from slackline.control import ENDPOINTS  # noqa: PLC0415
    from slackline.control.router import run_endpoint  # noqa: PLC0415

    name = request.path[len(API_PREFIX) :]
    endpoint = ENDPOINTS.get(name) if name in INSPECTOR_ENDPOINTS else None
    if endpoint is None:
        return plain_response(404, {"ok": False, "error": "unknown_endpoint"})
    if request.method != "POST":
        return plain_response(405, {"ok": False, "error": "method_not_allowed"})
    access = await inspector_access(app, request)
    if access is None:
        return plain_response(403, {"ok": False, "error": "not_authed"})
    if not _same_origin(request) or not _same(request.header(CSRF_HEADER) or "", access.csrf):
        return plain_response(403, {"ok": False, "error": "invalid_csrf"})
    response = await run_endpoint(app, request, endpoint)
    response.headers.append(("cache-control", "no-store"))
    return response


async def _asset(app: App, request: Request) -> Response | None:
    name = request.path[len(ASSET_PREFIX) :]
    content_type = ASSET_TYPES.get(name)
    if content_type is None or not app.settings.admin_token:
        return None
    body = (STATIC_DIR / name).read_bytes()
    headers = [("x-content-type-options", "nosniff"), ("cache-control", "no-cache")]
    return Response(200, body, headers, content_type=content_type)


ROUTES: tuple[tuple[str, WebHandler], ...] = (
    (PAGE_PATH, _page),
    (SIGNIN_PATH, _signin),
    (SIGNOUT_PATH, _signout),
    (API_PREFIX, _api),
    (ASSET_PREFIX, _asset),
)
