"""The Apps page (``/apps``): a workspace admin's view of its apps, docs/apps.md.

Server-rendered and working without JavaScript: the team's apps (id, kind, client id,
redirect URLs, scopes and an install link to this server's authorize page), the apps
installed in the team (installer, bot user, scopes, date), and forms, each posted with the
session's CSRF token, to create an app, rotate its client or signing secret and uninstall an
installation. A new app's secrets, and a rotated one, are shown on the page that answers the
form and never again (they are stored hashed or sealed). Only a signed-in admin or owner
may open it; anyone else gets a 403 page.
"""

from __future__ import annotations

import re
import time
from html import escape
from typing import TYPE_CHECKING
from urllib.parse import parse_qsl, quote

from slackline.domain.apps import AppKind, AppRecord, Installation
from slackline.services.apps import AppError, AppErrorCode, RegisteredApp
from slackline.web.oauth import (
    authorize_url,
    csrf_matches,
    forbidden_page,
    html_page,
    html_response,
    not_allowed,
    read_form,
    see_other,
    signin_redirect,
)
from slackline.web.signin import MAX_FORM_FIELDS, current_session

if TYPE_CHECKING:
    from slackline.app import App
    from slackline.domain.models import User
    from slackline.http.request import Request, Response
    from slackline.web import WebHandler
    from slackline.web.signin import WebSession

PAGE_PATH = "/apps"
SECRET_LABELS = {"client_secret": "Client secret", "signing_secret": "Signing secret"}
_APP_ID = re.compile(r"A[A-Z0-9]{1,30}\Z")


async def apps_page(app: App, request: Request) -> Response:
    """``GET /apps``: the page. ``POST /apps``: one of its forms (``action`` = ``create``,
    ``rotate`` or ``uninstall``), after the session's CSRF token is checked."""
    if request.method not in ("GET", "HEAD", "POST"):
        return not_allowed("GET, HEAD, POST")
    session = await current_session(app, request)
    if session is None:
        return signin_redirect(PAGE_PATH)
    if not session.is_admin:
        return forbidden_page("Only the workspace's admins and owners can manage its apps.")
    if request.method != "POST":
        query = dict(parse_qsl(request.query.decode("latin-1"), max_num_fields=MAX_FORM_FIELDS))
        uninstalled = query.get("uninstalled", "")
        notice = f"App {uninstalled} was uninstalled." if _APP_ID.match(uninstalled) else ""
        return await _page(app, session, notice=notice)
    form = read_form(request.body)
    if not csrf_matches(session, form.get("csrf", "")):
        return forbidden_page("This form has expired or did not come from Slackline.")
    action = form.get("action", "")
    try:
        if action == "create":
            return _created_page(await app.services.apps.register(session.team_id, _raw(form)))
        if action == "rotate":
            which = form.get("secret", "")
            app_id = (await _own_app(app, session, form.get("app_id", ""))).id
            return _rotated_page(app_id, which, await app.services.apps.rotate(app_id, which))
        if action == "uninstall":
            app_id = form.get("app_id", "")
            await app.services.apps.uninstall(app_id, session.team_id)
            return see_other(f"{PAGE_PATH}?uninstalled={quote(app_id)}")
    except AppError as error:
        # 200, as a form shown again: chromium logs any 4xx page as a console error.
        return await _page(app, session, error=error.detail, form=form)
    return await _page(app, session, error="Unknown action.")


def _raw(form: dict[str, str]) -> dict[str, object]:
    """A workspace file's ``apps`` entry from the create form."""
    raw: dict[str, object] = {
        "name": form.get("name", ""),
        "kind": form.get("kind", ""),
        "redirect_urls": [line.strip() for line in form.get("redirect_urls", "").splitlines()
                          if line.strip()],
        "scopes": form.get("scopes", ""),
    }  # fmt: skip
    if form.get("user_scopes", "").strip():
        raw["user_scopes"] = form["user_scopes"]
    if form.get("token_rotation"):
        raw["token_rotation"] = True
    return raw


async def _own_app(app: App, session: WebSession, app_id: str) -> AppRecord:
    """The app, when the session's team registered it (an AppError otherwise)."""
    record = await app.services.apps.get(app_id)
    if record.team_id != session.team_id:
        # As for an unknown id: an admin learns nothing of other teams' apps.
        raise AppError(AppErrorCode.APP_NOT_FOUND, f"no app {app_id}")
    return record


def _secret_list(pairs: list[tuple[str, str]]) -> str:
    rows = "\n".join(
        f'<dt>{escape(label)}</dt><dd><code class="secret">{escape(value)}</code></dd>'
        for label, value in pairs
    )
    return f'<dl class="secrets">\n{rows}\n</dl>'


def _once_page(title: str, intro: str, pairs: list[tuple[str, str]]) -> Response:
    body = f"""<main class="page narrow">
<h1>{escape(title)}</h1>
<p>{intro}</p>
<p class="warning" role="alert">Copy the secret now: Slackline keeps only a hash or a sealed
copy of it and will not show it again.</p>
{_secret_list(pairs)}
<p><a href="{PAGE_PATH}">Back to Apps</a></p>
</main>"""
    return html_response(200, html_page(title, body))


def _created_page(registered: RegisteredApp) -> Response:
    record = registered.app
    intro = (
        f"<strong>{escape(record.name)}</strong> (<code>{escape(record.id)}</code>, "
        f"{escape(record.kind.value)}) is registered."
    )
    pairs = [
        ("Client ID", record.client_id),
        ("Client secret", registered.client_secret),
        ("Signing secret", registered.signing_secret),
    ]
    return _once_page("App created", intro, pairs)


def _rotated_page(app_id: str, which: str, secret: str) -> Response:
    label = SECRET_LABELS[which]
    intro = f"The {escape(label.lower())} of <code>{escape(app_id)}</code> was replaced."
    return _once_page(f"New {label.lower()}", intro, [(f"New {label.lower()}", secret)])


def _csrf(session: WebSession) -> str:
    return f'<input type="hidden" name="csrf" value="{escape(session.csrf)}">'


def _codes(values: tuple[str, ...]) -> str:
    return ", ".join(f"<code>{escape(v)}</code>" for v in values) or "none"


def _app_card(record: AppRecord, session: WebSession) -> str:
    install = authorize_url(
        record.flow, record.client_id, ",".join(record.scopes), ",".join(record.user_scopes)
    )
    urls = "".join(f"<li><code>{escape(u)}</code></li>" for u in record.redirect_urls)
    rotate = "".join(
        f"""<form method="post" action="{PAGE_PATH}" class="inline">
{_csrf(session)}<input type="hidden" name="action" value="rotate">
<input type="hidden" name="app_id" value="{escape(record.id)}">
<input type="hidden" name="secret" value="{which}">
<button type="submit" class="secondary">Rotate {escape(label.lower())}</button>
</form>"""
        for which, label in SECRET_LABELS.items()
    )
    user_scopes = ""
    if record.kind is AppKind.GRANULAR:
        user_scopes = f"<dt>User scopes</dt><dd>{_codes(record.user_scopes)}</dd>"
        rotation = "on" if record.token_rotation else "off"
        user_scopes += f"<dt>Token rotation</dt><dd>{rotation}</dd>"
    return f"""<article class="app" data-app="{escape(record.id)}">
<h3>{escape(record.name)}</h3>
<dl>
<dt>App ID</dt><dd><code>{escape(record.id)}</code></dd>
<dt>Kind</dt><dd>{escape(record.kind.value)}</dd>
<dt>Client ID</dt><dd><code class="client-id">{escape(record.client_id)}</code></dd>
<dt>Redirect URLs</dt><dd><ul class="urls">{urls}</ul></dd>
<dt>Scopes</dt><dd>{_codes(record.scopes)}</dd>
{user_scopes}
</dl>
<p><a class="install" href="{escape(install)}">Install {escape(record.name)}</a></p>
<div class="actions">{rotate}</div>
</article>"""


def _when(stamp: int) -> str:
    return time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime(stamp))


async def _install_rows(app: App, session: WebSession, installs: list[Installation]) -> str:
    people: dict[str, User | None] = {}

    async def name_of(user_id: str) -> str:
        if not user_id:
            return "none"
        if user_id not in people:
            people[user_id] = await app.store.get_user(user_id)
        user = people[user_id]
        return f"@{user.name} ({user_id})" if user else user_id

    rows = []
    for install in installs:
        try:
            app_name = (await app.services.apps.get(install.app_id)).name
        except AppError:
            app_name = install.app_id
        scopes = _codes(install.scopes + install.user_scopes)
        rows.append(f"""<tr data-app="{escape(install.app_id)}">
<td>{escape(app_name)} <code>{escape(install.app_id)}</code></td>
<td>{escape(await name_of(install.installer))}</td>
<td>{escape(await name_of(install.bot_user_id))}</td>
<td>{scopes}</td>
<td>{escape(_when(install.updated or install.installed))}</td>
<td><form method="post" action="{PAGE_PATH}">
{_csrf(session)}<input type="hidden" name="action" value="uninstall">
<input type="hidden" name="app_id" value="{escape(install.app_id)}">
<button type="submit" class="danger">Uninstall {escape(app_name)}</button>
</form></td>
</tr>""")
    if not rows:
        return '<p class="empty">No app is installed in this workspace.</p>'
    head = (
        "<tr><th>App</th><th>Installed by</th><th>Bot user</th><th>Scopes</th>"
        "<th>Installed</th><th></th></tr>"
    )
    body = "".join(rows)
    return f'<table class="installs">\n<thead>{head}</thead>\n<tbody>{body}</tbody>\n</table>'


def _create_form(session: WebSession, form: dict[str, str]) -> str:
    def value(name: str) -> str:
        return escape(form.get(name, ""))

    granular = form.get("kind") == "granular"
    rotation = " checked" if form.get("token_rotation") else ""
    return f"""<form method="post" action="{PAGE_PATH}" class="create">
{_csrf(session)}<input type="hidden" name="action" value="create">
<label for="app-name">Name</label>
<input id="app-name" name="name" value="{value("name")}" required maxlength="35">
<label for="app-kind">Kind</label>
<select id="app-kind" name="kind">
<option value="classic"{"" if granular else " selected"}>classic (V1 OAuth, bot uses RTM)
</option>
<option value="granular"{" selected" if granular else ""}>granular (V2 OAuth)</option>
</select>
<label for="app-redirects">Redirect URLs (one a line)</label>
<textarea id="app-redirects" name="redirect_urls" rows="2"
 required>{value("redirect_urls")}</textarea>
<label for="app-scopes">Scopes (separated by commas or spaces)</label>
<input id="app-scopes" name="scopes" value="{value("scopes")}" placeholder="bot, channels:read">
<label for="app-user-scopes">User scopes (granular apps)</label>
<input id="app-user-scopes" name="user_scopes" value="{value("user_scopes")}">
<label class="check"><input type="checkbox" name="token_rotation" value="on"{rotation}>
Token rotation (granular apps)</label>
<button type="submit">Create app</button>
</form>"""


async def _page(
    app: App,
    session: WebSession,
    *,
    error: str = "",
    notice: str = "",
    form: dict[str, str] | None = None,
) -> Response:
    team = await app.store.get_team(session.team_id)
    team_name = team.name if team else session.team_id
    records = await app.services.apps.list_apps(session.team_id)
    installs = await app.store.apps.list_team_installations(session.team_id)
    cards = "\n".join(_app_card(r, session) for r in records)
    if cards:
        cards = f'<div class="cards">\n{cards}\n</div>'
    else:
        cards = '<p class="empty">This workspace has registered no app.</p>'
    alert = f'<p class="alert" role="alert">{escape(error)}</p>' if error else ""
    status = f'<p class="notice" role="status">{escape(notice)}</p>' if notice else ""
    body = f"""<header class="bar"><a href="/">&larr; Slackline</a>
<strong>{escape(team_name)}</strong></header>
<main class="page">
<h1>Apps</h1>
{alert}{status}
<section aria-labelledby="registered-heading">
<h2 id="registered-heading">Apps of this workspace</h2>
{cards}
</section>
<section aria-labelledby="installed-heading">
<h2 id="installed-heading">Installed apps</h2>
{await _install_rows(app, session, installs)}
</section>
<section aria-labelledby="create-heading">
<h2 id="create-heading">Create an app</h2>
{_create_form(session, form or {})}
</section>
</main>"""
    return html_response(200, html_page("Apps", body))


ROUTES: tuple[tuple[str, WebHandler], ...] = ((PAGE_PATH, apps_page),)
