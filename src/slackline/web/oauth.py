"""The OAuth consent pages: ``/oauth/authorize`` (V1, classic apps) and
``/oauth/v2/authorize`` (V2, granular apps), docs/apps.md.

``GET`` checks the authorize URL (:meth:`~slackline.services.apps.AppService.check_authorize`)
for the signed-in person (a signed-out browser goes to ``/signin`` and comes back) and shows
a plain HTML form that works without JavaScript: which app asks for which scopes in which
workspace, as whom, with Allow and Deny. ``POST`` checks the session's CSRF token, checks the
request again from the posted fields and sends the browser to the app's registered redirect
URL with a single-use ``code`` and the ``state`` (allow) or ``error=access_denied`` (deny). A
request that fails its check gets an error page naming Slack's error code, and never a
redirect: the redirect URL may be what is wrong.
"""

from __future__ import annotations

import hmac
from html import escape
from typing import TYPE_CHECKING
from urllib.parse import parse_qsl, quote, urlencode, urlsplit

from slackline.domain.apps import AUTHORIZE_PATHS, AuthorizeError, AuthorizeRequest, OAuthFlow
from slackline.http.request import Response
from slackline.web.signin import MAX_FORM_FIELDS, WebSession, current_session

if TYPE_CHECKING:
    from slackline.app import App
    from slackline.http.request import Request
    from slackline.web import WebHandler

_QUERY_SAFE = "!$&'()*+,-./:;=?@_~%"
# What an authorize URL carries, and so what the consent form posts back.
REQUEST_FIELDS = ("client_id", "scope", "user_scope", "redirect_uri", "state")

# The policy of these pages: signin.py's, but for ``form-action``, which chromium applies to
# the redirect that answers a form too; the consent form's lists the app's redirect origin.
_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; object-src 'none'; base-uri 'none'; form-action {form_action}; "
    "frame-ancestors 'none'"
)

# What the common classic scopes let an app do, in the words of a consent page; any other
# scope (``channels:read`` and the like) is shown by its name alone.
SCOPE_DESCRIPTIONS = {
    "bot": "Add a bot user that can join conversations and connect to the real-time API",
    "client": "Act as you in the workspace, with the access your own client has",
    "read": "Read your messages, conversations and files",
    "post": "Post messages as you",
    "identify": "Confirm your identity",
}


def page_headers(*extra: tuple[str, str], redirect_origin: str = "") -> list[tuple[str, str]]:
    """The headers of every page here (signin.py's); ``redirect_origin``, when set, is the
    one other origin a form on the page may end up at."""
    form_action = "'self'" + (f" {redirect_origin}" if redirect_origin else "")
    return [
        ("content-security-policy", _POLICY.format(form_action=form_action)),
        ("x-content-type-options", "nosniff"),
        ("referrer-policy", "same-origin"),
        ("x-frame-options", "DENY"),
        ("cache-control", "no-store"),
        *extra,
    ]


def html_page(title: str, body: str, *, stylesheet: str = "/static/apps.css") -> str:
    """A whole page: ``body`` is HTML already escaped by the caller."""
    return f"""<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{escape(title)} · Slackline</title>
<link rel="icon" href="data:,">
<link rel="stylesheet" href="{escape(stylesheet)}">
</head>
<body>
{body}
</body>
</html>
"""


def html_response(status: int, text: str, *extra: tuple[str, str], origin: str = "") -> Response:
    """An HTML answer with :func:`page_headers`."""
    headers = page_headers(*extra, redirect_origin=origin)
    return Response(status, text.encode(), headers, "text/html; charset=utf-8")


def see_other(location: str) -> Response:
    """303 to ``location``."""
    return Response(303, b"", page_headers(("location", location)), "text/plain; charset=utf-8")


def not_allowed(allow: str) -> Response:
    """405 for a method the page does not take."""
    return Response(405, b"method not allowed\n", page_headers(("allow", allow)), "text/plain")


def read_form(body: bytes) -> dict[str, str]:
    """A posted form's fields (the first :data:`MAX_FORM_FIELDS`; a repeated name keeps
    its last value)."""
    try:
        pairs = parse_qsl(
            body.decode("utf-8", errors="replace"),
            keep_blank_values=True,
            max_num_fields=MAX_FORM_FIELDS,
        )
    except ValueError:
        return {}
    return dict(pairs)


def csrf_matches(session: WebSession, given: str) -> bool:
    """Whether a form carried the session's CSRF token (constant time)."""
    return hmac.compare_digest(session.csrf.encode(), given.encode())


def signin_redirect(path_and_query: str) -> Response:
    """303 to the sign-in form, which sends the browser back to ``path_and_query``."""
    return see_other("/signin?" + urlencode({"redirect": path_and_query}))


def forbidden_page(message: str) -> Response:
    """403 with a page saying why (a form without the session's CSRF token, a non-admin)."""
    body = f'<main class="page narrow"><h1>Not allowed</h1><p role="alert">{escape(message)}</p>'
    body += '<p><a href="/">Back to Slackline</a></p></main>'
    return html_response(403, html_page("Not allowed", body))


def _origin(url: str) -> str:
    """The ``scheme://host[:port]`` of a redirect URL, fit for a CSP source ("" if not)."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        return ""
    netloc = parts.netloc.rpartition("@")[2]
    # A source expression holds no space, comma or semicolon; a registered URL never does.
    if any(c in netloc for c in " ,;'\"") or not netloc.isprintable():
        return ""
    return f"{parts.scheme}://{netloc}"


def _error_page(error: AuthorizeError) -> Response:
    body = f"""<main class="page narrow">
<h1>This app cannot be installed</h1>
<p class="alert" role="alert"><code class="error-code">{escape(error.code)}</code>
{escape(str(error))}</p>
<p>Tell the app's developer what this page says. You were not sent back to the app.</p>
<p><a href="/">Back to Slackline</a></p>
</main>"""
    return html_response(400, html_page("Installation failed", body))


def _scope_items(scopes: tuple[str, ...]) -> str:
    items = []
    for scope in scopes:
        description = SCOPE_DESCRIPTIONS.get(scope)
        text = f"<code>{escape(scope)}</code>"
        if description:
            text += f' <span class="scope-text">{escape(description)}</span>'
        items.append(f"<li>{text}</li>")
    return "\n".join(items)


async def _consent_page(
    app: App, session: WebSession, request: AuthorizeRequest, args: dict[str, str]
) -> Response:
    team = await app.store.get_team(request.team_id)
    person = await app.store.get_user(session.user_id)
    team_text = f"{team.name} ({team.domain})" if team else request.team_id
    who = (person.real_name or person.name) if person else session.user_id
    handle = f" (@{person.name})" if person else ""
    sections = []
    if request.scopes:
        heading = "It asks to" if request.app.flow is OAuthFlow.V1 else "Its bot asks to"
        sections.append(
            f'<h2>{heading}</h2>\n<ul class="scopes" aria-label="Scopes">\n'
            f"{_scope_items(request.scopes)}\n</ul>"
        )
    if request.user_scopes:
        sections.append(
            '<h2>On your behalf, it asks to</h2>\n<ul class="scopes" aria-label="User scopes">\n'
            f"{_scope_items(request.user_scopes)}\n</ul>"
        )
    hidden = "\n".join(
        f'<input type="hidden" name="{name}" value="{escape(args.get(name, ""))}">'
        for name in REQUEST_FIELDS
    )
    path = AUTHORIZE_PATHS[request.app.flow]
    body = f"""<main class="page narrow consent">
<h1><span class="app-name">{escape(request.app.name)}</span> wants to be installed</h1>
<p class="meta">A {escape(request.app.kind.value)} app · in the workspace
<strong class="team">{escape(team_text)}</strong></p>
<p class="meta">You are signed in as
<strong class="person">{escape(who)}{escape(handle)}</strong>.</p>
{"".join(sections)}
<p class="meta">Afterwards you go back to <code class="target">{escape(request.target)}</code>.</p>
<form method="post" action="{path}" class="decision">
<input type="hidden" name="csrf" value="{escape(session.csrf)}">
{hidden}
<button type="submit" name="decision" value="deny" class="secondary">Deny</button>
<button type="submit" name="decision" value="allow">Allow</button>
</form>
</main>"""
    title = f"Install {request.app.name}"
    return html_response(200, html_page(title, body), origin=_origin(request.target))


def _path_and_query(request: Request) -> str:
    # Quoted, so that a raw byte a client sent cannot reach a Location header unescaped.
    query = quote(request.query.decode("latin-1"), safe=_QUERY_SAFE)
    return request.path + (f"?{query}" if query else "")


async def _authorize(app: App, request: Request, flow: OAuthFlow) -> Response:
    if request.method in ("GET", "HEAD"):
        session = await current_session(app, request)
        if session is None:
            return signin_redirect(_path_and_query(request))
        query = request.query.decode("latin-1")
        args = dict(parse_qsl(query, keep_blank_values=True, max_num_fields=MAX_FORM_FIELDS))
        try:
            checked = await app.services.apps.check_authorize(flow, session.team_id, args)
        except AuthorizeError as error:
            return _error_page(error)
        except ValueError:  # more fields than a form may have
            return _error_page(AuthorizeError("invalid_request", "Too many query fields."))
        return await _consent_page(app, session, checked, args)
    if request.method != "POST":
        return not_allowed("GET, HEAD, POST")
    form = read_form(request.body)
    args = {name: form.get(name, "") for name in REQUEST_FIELDS}
    session = await current_session(app, request)
    if session is None:
        # The session ended while the form was open: sign in again, then see it again.
        given = urlencode({k: v for k, v in args.items() if v})
        return signin_redirect(AUTHORIZE_PATHS[flow] + (f"?{given}" if given else ""))
    if not csrf_matches(session, form.get("csrf", "")):
        return forbidden_page("This form has expired or did not come from Slackline.")
    try:
        checked = await app.services.apps.check_authorize(flow, session.team_id, args)
    except AuthorizeError as error:
        return _error_page(error)
    decision = form.get("decision", "")
    if decision == "allow":
        return see_other(await app.services.apps.approve(checked, session.user_id))
    if decision == "deny":
        return see_other(app.services.apps.deny(checked))
    return _error_page(AuthorizeError("invalid_request", "Choose Allow or Deny."))


async def authorize_v1(app: App, request: Request) -> Response:
    """``/oauth/authorize``: the consent page of classic apps (V1)."""
    return await _authorize(app, request, OAuthFlow.V1)


async def authorize_v2(app: App, request: Request) -> Response:
    """``/oauth/v2/authorize``: the consent page of granular apps (V2)."""
    return await _authorize(app, request, OAuthFlow.V2)


def authorize_url(flow: OAuthFlow, client_id: str, scopes: str, user_scopes: str = "") -> str:
    """A path on this server that starts an install (what an "Add to Slack" link opens)."""
    params = {"client_id": client_id, "scope": scopes}
    if user_scopes:
        params["user_scope"] = user_scopes
    return AUTHORIZE_PATHS[flow] + "?" + urlencode(params, quote_via=quote, safe=",:")


ROUTES: tuple[tuple[str, WebHandler], ...] = (
    (AUTHORIZE_PATHS[OAuthFlow.V1], authorize_v1),
    (AUTHORIZE_PATHS[OAuthFlow.V2], authorize_v2),
)
