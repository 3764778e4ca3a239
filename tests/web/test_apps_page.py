"""The admin Apps page over plain HTTP (web/apps_page.py): who may open it, what it lists
(the team's apps with their install links, the apps installed in the team) and its forms:
create an app (its secrets shown once), rotate a secret, uninstall an installation."""

from __future__ import annotations

import re
from collections.abc import Iterator
from html import unescape
from urllib.parse import parse_qs, urlsplit

import pytest
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from slackline.services.apps import RegisteredApp
from slackline.testing.server import ServerThread
from tests.helpers.http import api, serving
from tests.helpers.signin import Answer, Browserless
from tests.web.conftest import ACCOUNTS, app_service, register_app, start_web_server

CALLBACK = "http://127.0.0.1:9/oauth/callback"  # never opened: the tests read the Location
SECRET = re.compile(r'<dt>([^<]+)</dt><dd><code class="secret">([^<]+)</code></dd>')
HIDDEN = re.compile(r'<input type="hidden" name="([a-z_]+)" value="([^"]*)">')
INSTALL_LINK = re.compile(r'<a class="install" href="([^"]+)">')


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerThread]:
    """One server for the module: every test registers the apps it needs."""
    yield from serving(start_web_server(tmp_path_factory.mktemp("apps-page")))


def signed_in(server: ServerThread, name: str = "alice") -> Browserless:
    """A browser without JavaScript, signed in as ``name`` (alice is Acme's admin)."""
    client = Browserless(server.port)
    assert client.sign_in(ACCOUNTS[name]).status == 303
    return client


def post(client: Browserless, **form: str) -> Answer:
    """Post one of the page's forms with the session's CSRF token."""
    return client.request("POST", "/apps", {"csrf": client.boot()["csrf"], **form})


def secrets_shown(page: Answer) -> dict[str, str]:
    """The secrets a page shows, by their label."""
    return dict(SECRET.findall(page.text))


def exchange_error(server: ServerThread, app: RegisteredApp, secret: str) -> str:
    """The error ``oauth.access`` answers for a made-up code with this client secret:
    ``bad_client_secret`` for a wrong secret, ``invalid_code`` for the right one (the secret
    is checked first)."""
    client = WebClient(base_url=f"{server.base_url}/api/")
    with pytest.raises(SlackApiError) as refused:
        client.oauth_access(client_id=app.app.client_id, client_secret=secret, code="1.2.3")
    error: str = refused.value.response["error"]
    return error


def install(server: ServerThread, app: RegisteredApp, name: str = "alice") -> dict[str, str]:
    """Install a classic app with its bot through the consent form: the exchanged tokens."""
    client = signed_in(server, name)
    page = client.request(
        "GET", f"/oauth/authorize?client_id={app.app.client_id}&scope=bot&state=s"
    )
    form = {name: unescape(value) for name, value in HIDDEN.findall(page.text)}
    answer = client.request("POST", "/oauth/authorize", {**form, "decision": "allow"})
    code = parse_qs(urlsplit(answer.headers["location"]).query)["code"][0]
    exchanged = WebClient(base_url=f"{server.base_url}/api/").oauth_access(
        client_id=app.app.client_id, client_secret=app.client_secret, code=code
    )
    return {"user": exchanged["access_token"], "bot": exchanged["bot"]["bot_access_token"]}


def test_a_signed_out_browser_is_sent_to_sign_in_and_back(server: ServerThread) -> None:
    answer = Browserless(server.port).request("GET", "/apps")
    assert answer.status == 303
    assert answer.headers["location"] == "/signin?redirect=%2Fapps"


def test_a_person_who_is_not_an_admin_gets_403(server: ServerThread) -> None:
    page = signed_in(server, "bob").request("GET", "/apps")
    assert page.status == 403
    assert "admins and owners" in page.text


def test_a_non_admins_post_is_403_too(server: ServerThread) -> None:
    bob = signed_in(server, "bob")
    answer = post(bob, action="create", name="Sneaky", kind="classic",
                  redirect_urls=CALLBACK, scopes="bot")  # fmt: skip
    assert answer.status == 403
    assert all(a.name != "Sneaky" for a in server.run(app_service(server).list_apps("T0001")))


def test_the_page_lists_the_teams_apps_with_their_client_ids_urls_and_scopes(
    server: ServerThread,
) -> None:
    app = register_app(server, "Lister", "classic", [CALLBACK], ["bot", "channels:read"])
    page = signed_in(server).request("GET", "/apps")
    assert page.status == 200
    card = page.text.split(f'data-app="{app.app.id}"', 1)[1].split("</article>", 1)[0]
    assert "Lister" in card and "classic" in card
    assert app.app.client_id in card
    assert f"<code>{CALLBACK}</code>" in card
    assert "<code>bot</code>, <code>channels:read</code>" in card


def test_the_page_shows_no_other_teams_app(server: ServerThread) -> None:
    other = register_app(server, "Globex Tool", "classic", [CALLBACK], ["bot"], team_id="T0002")
    assert other.app.id not in signed_in(server).request("GET", "/apps").text


def test_an_apps_install_link_opens_its_consent_page(server: ServerThread) -> None:
    app = register_app(server, "Linked", "granular", [CALLBACK], ["chat:write"],
                       user_scopes=["search:read"])  # fmt: skip
    client = signed_in(server)
    page = client.request("GET", "/apps").text
    card = page.split(f'data-app="{app.app.id}"', 1)[1]
    link = unescape(INSTALL_LINK.search(card).group(1))  # type: ignore[union-attr]
    assert link.startswith("/oauth/v2/authorize?")
    consent = client.request("GET", link)
    assert consent.status == 200
    assert "Linked" in consent.text and "search:read" in consent.text


def test_creating_an_app_shows_its_client_id_and_secrets_once(server: ServerThread) -> None:
    client = signed_in(server)
    urls = f"{CALLBACK}\nhttp://127.0.0.1:9/other"
    created = post(client, action="create", name="Fresh Bot", kind="classic",
                   redirect_urls=urls, scopes="bot, read")  # fmt: skip
    assert created.status == 200
    assert "will not show it again" in created.text
    shown = secrets_shown(created)
    assert set(shown) == {"Client ID", "Client secret", "Signing secret"}
    again = client.request("GET", "/apps")
    assert shown["Client ID"] in again.text
    assert shown["Client secret"] not in again.text
    assert shown["Signing secret"] not in again.text


def test_a_created_apps_shown_secrets_are_its_own(server: ServerThread) -> None:
    client = signed_in(server)
    created = post(client, action="create", name="Checked Bot", kind="classic",
                   redirect_urls=CALLBACK, scopes="bot")  # fmt: skip
    shown = secrets_shown(created)
    record = next(
        a for a in server.run(app_service(server).list_apps("T0001"))
        if a.client_id == shown["Client ID"]
    )  # fmt: skip
    assert record.redirect_urls == (CALLBACK,)
    assert server.run(app_service(server).signing_secret(record.id)) == (shown["Signing secret"])
    registered = RegisteredApp(record, shown["Client secret"], shown["Signing secret"])
    assert exchange_error(server, registered, shown["Client secret"]) == "invalid_code"


def test_creating_a_granular_app_keeps_its_user_scopes_and_token_rotation(
    server: ServerThread,
) -> None:
    client = signed_in(server)
    created = post(client, action="create", name="Rotor", kind="granular", redirect_urls=CALLBACK,
                   scopes="chat:write", user_scopes="search:read", token_rotation="on")  # fmt: skip
    client_id = secrets_shown(created)["Client ID"]
    record = next(
        a for a in server.run(app_service(server).list_apps("T0001"))
        if a.client_id == client_id
    )  # fmt: skip
    assert record.user_scopes == ("search:read",)
    assert record.token_rotation


def test_an_invalid_app_shows_the_form_again_with_the_reason(server: ServerThread) -> None:
    client = signed_in(server)
    answer = post(client, action="create", name="Broken", kind="classic",
                  redirect_urls="not a url", scopes="bot")  # fmt: skip
    # 200, as the sign-in form does: chromium logs a 4xx page as a console error.
    assert answer.status == 200
    assert '<p class="alert" role="alert">redirect_urls:' in answer.text
    assert 'name="name" value="Broken"' in answer.text
    assert "Client secret</dt>" not in answer.text


def test_rotating_the_client_secret_shows_the_new_one_and_the_old_one_stops_working(
    server: ServerThread,
) -> None:
    app = register_app(server, "Rotated", "classic", [CALLBACK], ["bot"])
    answer = post(signed_in(server), action="rotate", app_id=app.app.id, secret="client_secret")
    new = secrets_shown(answer)["New client secret"]
    assert exchange_error(server, app, app.client_secret) == "bad_client_secret"
    assert exchange_error(server, app, new) == "invalid_code"


def test_rotating_the_signing_secret_shows_the_new_one(server: ServerThread) -> None:
    app = register_app(server, "Signed", "classic", [CALLBACK], ["bot"])
    answer = post(signed_in(server), action="rotate", app_id=app.app.id, secret="signing_secret")
    new = secrets_shown(answer)["New signing secret"]
    assert new != app.signing_secret
    assert server.run(app_service(server).signing_secret(app.app.id)) == new


def test_another_teams_app_cannot_be_rotated(server: ServerThread) -> None:
    other = register_app(server, "Globex Rot", "classic", [CALLBACK], ["bot"], team_id="T0002")
    answer = post(signed_in(server), action="rotate", app_id=other.app.id, secret="client_secret")
    assert f"no app {other.app.id}" in answer.text
    assert exchange_error(server, other, other.client_secret) == "invalid_code"


def test_an_installed_app_is_listed_with_its_installer_and_bot_user(server: ServerThread) -> None:
    app = register_app(server, "Shown Install", "classic", [CALLBACK], ["bot"])
    install(server, app, "bob")
    page = signed_in(server).request("GET", "/apps").text
    row = page.split(f'<tr data-app="{app.app.id}">', 1)[1].split("</tr>", 1)[0]
    assert "Shown Install" in row
    assert "@bob (U0002)" in row
    assert "@shown_install" in row
    assert "<td><code>bot</code></td>" in row


def test_uninstalling_revokes_the_apps_bot_token(server: ServerThread) -> None:
    app = register_app(server, "Removed", "classic", [CALLBACK], ["bot"])
    tokens = install(server, app)
    assert api(server, "auth.test", tokens["bot"]).body["ok"]
    answer = post(signed_in(server), action="uninstall", app_id=app.app.id)
    assert answer.status == 303
    assert answer.headers["location"] == f"/apps?uninstalled={app.app.id}"
    assert api(server, "auth.test", tokens["bot"]).body == {"ok": False, "error": "token_revoked"}


def test_an_uninstalled_app_leaves_the_installed_list(server: ServerThread) -> None:
    app = register_app(server, "Gone", "classic", [CALLBACK], ["bot"])
    install(server, app)
    client = signed_in(server)
    post(client, action="uninstall", app_id=app.app.id)
    page = client.request("GET", f"/apps?uninstalled={app.app.id}").text
    assert f"App {app.app.id} was uninstalled." in page
    assert f'<tr data-app="{app.app.id}">' not in page


def test_uninstalling_an_app_that_is_not_installed_says_so(server: ServerThread) -> None:
    app = register_app(server, "Never Installed", "classic", [CALLBACK], ["bot"])
    answer = post(signed_in(server), action="uninstall", app_id=app.app.id)
    assert answer.status == 200
    assert f"app {app.app.id} is not installed in T0001" in answer.text


def test_a_form_without_the_sessions_csrf_token_is_403(server: ServerThread) -> None:
    app = register_app(server, "Guarded", "classic", [CALLBACK], ["bot"])
    form = {"csrf": "forged", "action": "rotate", "app_id": app.app.id, "secret": "client_secret"}
    answer = signed_in(server).request("POST", "/apps", form)
    assert answer.status == 403
    assert exchange_error(server, app, app.client_secret) == "invalid_code"


def test_the_client_links_the_apps_page_for_admins(server: ServerThread) -> None:
    page = signed_in(server).request("GET", "/")
    assert '<a id="apps-link" class="link-button" href="/apps">Apps</a>' in page.text


def test_the_client_shows_no_apps_link_to_others(server: ServerThread) -> None:
    assert 'id="apps-link"' not in signed_in(server, "bob").request("GET", "/").text


def test_a_fresh_server_lists_no_apps(tmp_path_factory: pytest.TempPathFactory) -> None:
    thread = start_web_server(tmp_path_factory.mktemp("apps-empty"))
    try:
        page = signed_in(thread).request("GET", "/apps").text
    finally:
        thread.stop()
    assert "This workspace has registered no app." in page
    assert "No app is installed in this workspace." in page
