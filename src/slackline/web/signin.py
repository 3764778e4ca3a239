"""Sign-in, sign-out and sessions: the form, the cookie and its client token.

``GET /signin`` is a plain HTML form (workspace, email or name, password) that works without
JavaScript; ``POST /signin`` opens a session (:mod:`slackline.services.web_sessions`) and
answers 303 with the ``d`` cookie; ``POST /signout`` ends it. The form's CSRF token is bound
to a random pre-session cookie, and a session's forms to its own cookie (an HMAC of each
under the installation secret), so a page on another site can neither sign a browser in
nor out. :func:`current_session` is how the client and the inspector know who is there.
"""

from __future__ import annotations

import hmac
import secrets
from dataclasses import dataclass
from html import escape
from typing import TYPE_CHECKING
from urllib.parse import parse_qsl

from slackline.domain.signin import SESSION_TTL_SECS, safe_redirect
from slackline.http.cookies import cookie_value, set_cookie
from slackline.http.request import Response
from slackline.services.identity import SESSION_COOKIE
from slackline.services.web_sessions import SignInRefusedError

if TYPE_CHECKING:
    from slackline.app import App
    from slackline.http.request import Request
    from slackline.web import WebHandler

SIGNIN_COOKIE = "slackline_signin"  # the pre-session cookie the sign-in form's CSRF token binds
SIGNIN_NONCE_BYTES = 16
MAX_FORM_FIELDS = 16

CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self' ws: wss:; object-src 'none'; base-uri 'none'; form-action 'self'; "
    "frame-ancestors 'none'"
)


@dataclass(frozen=True, slots=True)
class WebSession:
    """A signed-in browser: who, in which team, its ``xoxc-`` token and CSRF token."""

    user_id: str
    team_id: str
    token: str
    csrf: str
    is_admin: bool


async def current_session(app: App, request: Request) -> WebSession | None:
    """The live session the request's ``d`` cookie opens, or None (no cookie, an ended or
    expired session, a deactivated person, a closed team)."""
    secret = cookie_value(request.header("cookie"), SESSION_COOKIE)
    if not secret:
        return None
    live = await app.web_sessions.find(secret)
    if live is None:
        return None
    user = live.identity.user
    return WebSession(
        user_id=user.id,
        team_id=live.record.team_id,
        token=live.token,
        csrf=live.csrf,
        is_admin=user.is_admin or user.is_owner,
    )


def _headers(*extra: tuple[str, str]) -> list[tuple[str, str]]:
    return [
        ("content-security-policy", CONTENT_SECURITY_POLICY),
        ("x-content-type-options", "nosniff"),
        ("referrer-policy", "same-origin"),
        ("x-frame-options", "DENY"),
        ("cache-control", "no-store"),
        *extra,
    ]


def _form_csrf(app: App, nonce: str) -> str:
    return app.identities.derive("signin-csrf", nonce)


def signin_page(
    *, csrf: str, redirect: str = "/", message: str = "", team: str = "", login: str = ""
) -> str:
    """The sign-in form's HTML; ``message`` (plain text) is shown above it when set."""
    alert = f'<p class="alert" role="alert">{escape(message)}</p>' if message else ""
    return f"""<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Sign in · Slackline</title>
<link rel="icon" href="data:,">
<link rel="stylesheet" href="/static/signin.css">
</head>
<body>
<main class="signin">
<h1>Sign in to Slackline</h1>
{alert}
<form method="post" action="/signin">
<input type="hidden" name="csrf" value="{escape(csrf)}">
<input type="hidden" name="redirect" value="{escape(safe_redirect(redirect))}">
<label for="team">Workspace</label>
<input id="team" name="team" value="{escape(team)}" required autocomplete="organization"
 autocapitalize="none" spellcheck="false">
<label for="email">Email or user name</label>
<input id="email" name="email" value="{escape(login)}" required autocomplete="username"
 autocapitalize="none" spellcheck="false">
<label for="password">Password</label>
<input id="password" name="password" type="password" required
 autocomplete="current-password">
<button type="submit">Sign in</button>
</form>
</main>
</body>
</html>
"""


def _form(body: bytes) -> dict[str, str]:
    pairs = parse_qsl(
        body.decode("utf-8", errors="replace"),
        keep_blank_values=True,
        max_num_fields=MAX_FORM_FIELDS,
    )
    return dict(pairs)


def _html(status: int, text: str, *extra: tuple[str, str]) -> Response:
    return Response(status, text.encode(), _headers(*extra), "text/html; charset=utf-8")


def _redirect(location: str, *cookies: str) -> Response:
    extra = [("location", location), *(("set-cookie", c) for c in cookies)]
    return Response(303, b"", _headers(*extra), "text/plain; charset=utf-8")


def _not_allowed(allow: str) -> Response:
    return Response(405, b"method not allowed\n", _headers(("allow", allow)), "text/plain")


def _fresh_form(app: App, request: Request, status: int, **fields: str) -> Response:
    """The form with a new pre-session nonce (its cookie set alongside)."""
    nonce = secrets.token_urlsafe(SIGNIN_NONCE_BYTES)
    secure = request.scheme == "https"
    page = signin_page(csrf=_form_csrf(app, nonce), **fields)
    return _html(status, page, ("set-cookie", set_cookie(SIGNIN_COOKIE, nonce, secure=secure)))


async def signin(app: App, request: Request) -> Response:
    """``GET /signin``: the form. ``POST /signin``: check its CSRF token, then sign in."""
    if request.method in ("GET", "HEAD"):
        query = dict(parse_qsl(request.query.decode("latin-1"), max_num_fields=MAX_FORM_FIELDS))
        return _fresh_form(app, request, 200, redirect=query.get("redirect", "/"))
    if request.method != "POST":
        return _not_allowed("GET, HEAD, POST")
    form = _form(request.body)
    redirect = safe_redirect(form.get("redirect", "/"))
    team, login = form.get("team", ""), form.get("email", "")
    nonce = cookie_value(request.header("cookie"), SIGNIN_COOKIE) or ""
    given = form.get("csrf", "")
    if not nonce or not hmac.compare_digest(_form_csrf(app, nonce), given):
        message = "This form has expired. Please sign in again."
        return _fresh_form(app, request, 403, message=message, redirect=redirect)
    try:
        opened = await app.web_sessions.sign_in(team, login, form.get("password", ""), request.peer)
    except SignInRefusedError as refusal:
        fields = {"redirect": redirect, "team": team, "login": login}
        if refusal.retry_after_secs is not None:
            minutes = max(1, -(-refusal.retry_after_secs // 60))
            message = f"Too many failed sign-ins. Try again in {minutes} minute(s)."
            response = _fresh_form(app, request, 429, message=message, **fields)
            response.headers.append(("retry-after", str(refusal.retry_after_secs)))
            return response
        # 200, as a form shown again: chromium logs any 4xx page as a console error.
        return _fresh_form(app, request, 200, message=str(refusal), **fields)
    secure = request.scheme == "https"
    session = set_cookie(
        SESSION_COOKIE, opened.cookie_secret, secure=secure, max_age_secs=SESSION_TTL_SECS
    )
    spent = set_cookie(SIGNIN_COOKIE, "", secure=secure, max_age_secs=0)
    return _redirect(redirect, session, spent)


async def signout(app: App, request: Request) -> Response:
    """``POST /signout``: end the session (its token and its sockets) when the form carries
    the session's CSRF token; 403 when it does not."""
    if request.method != "POST":
        return _not_allowed("POST")
    secure = request.scheme == "https"
    cleared = set_cookie(SESSION_COOKIE, "", secure=secure, max_age_secs=0)
    secret = cookie_value(request.header("cookie"), SESSION_COOKIE)
    session = await current_session(app, request)
    if secret is None or session is None:
        return _redirect("/signin", cleared)
    if not hmac.compare_digest(session.csrf, _form(request.body).get("csrf", "")):
        return Response(403, b"missing or wrong csrf token\n", _headers(), "text/plain")
    await app.web_sessions.sign_out(secret)
    return _redirect("/signin", cleared)


ROUTES: tuple[tuple[str, WebHandler], ...] = (
    ("/signin", signin),
    ("/signout", signout),
)
