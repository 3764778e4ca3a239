"""The OAuth consent pages over plain HTTP (web/oauth.py): ``/oauth/authorize`` and
``/oauth/v2/authorize`` send a signed-out browser to sign in and back, show a signed-in
person which app asks for what, refuse a bad request with its error page (never a
redirect), and on a post carrying the session's CSRF token send the browser to the app's
registered URL with a code and the state, or with ``error=access_denied``."""

from __future__ import annotations

from collections.abc import Iterator
from urllib.parse import parse_qs, urlencode, urlsplit

import pytest
from slack_sdk import WebClient

from slackline.services.apps import RegisteredApp
from slackline.testing.server import ServerThread
from tests.helpers.http import serving
from tests.helpers.signin import Browserless, hidden_fields
from tests.web.conftest import ACCOUNTS, register_app, start_web_server

CALLBACK = "http://127.0.0.1:9/oauth/callback"  # never opened: the tests read the Location
V1, V2 = "/oauth/authorize", "/oauth/v2/authorize"


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerThread]:
    """One server for the module: every test registers the apps it needs."""
    yield from serving(start_web_server(tmp_path_factory.mktemp("oauth-pages")))


@pytest.fixture(scope="module")
def classic(server: ServerThread) -> RegisteredApp:
    """A classic app of Acme that asks for a bot and to read channels."""
    return register_app(server, "Weather Bot", "classic", [CALLBACK], ["bot", "channels:read"])


@pytest.fixture(scope="module")
def granular(server: ServerThread) -> RegisteredApp:
    """A granular app of Acme with bot and user scopes."""
    return register_app(
        server, "New Bot", "granular", [CALLBACK], ["chat:write"], user_scopes=["search:read"]
    )


def signed_in(server: ServerThread, name: str = "alice") -> Browserless:
    """A browser without JavaScript, signed in as ``name``."""
    client = Browserless(server.port)
    assert client.sign_in(ACCOUNTS[name]).status == 303
    return client


def authorize_path(path: str, **query: str) -> str:
    """An authorize URL's path and query."""
    return f"{path}?{urlencode(query)}"


def classic_query(app: RegisteredApp, **extra: str) -> dict[str, str]:
    """The authorize query of the classic app, for its bot, with a state."""
    return {"client_id": app.app.client_id, "scope": "bot,channels:read", "state": "s-1", **extra}


def test_a_signed_out_browser_is_sent_to_sign_in_with_the_request_kept(
    server: ServerThread, classic: RegisteredApp
) -> None:
    path = authorize_path(V1, **classic_query(classic))
    answer = Browserless(server.port).request("GET", path)
    assert answer.status == 303
    location = urlsplit(answer.headers["location"])
    assert location.path == "/signin"
    assert parse_qs(location.query)["redirect"] == [path]


def test_signing_in_sends_the_browser_back_to_the_consent_page(
    server: ServerThread, classic: RegisteredApp
) -> None:
    client = Browserless(server.port)
    path = authorize_path(V1, **classic_query(classic))
    redirect = parse_qs(urlsplit(client.request("GET", path).headers["location"]).query)
    answer = client.sign_in(ACCOUNTS["alice"], redirect=redirect["redirect"][0])
    assert answer.headers["location"] == path
    assert client.request("GET", path).status == 200


def test_the_consent_form_names_the_app_its_scopes_the_team_and_the_person(
    server: ServerThread, classic: RegisteredApp
) -> None:
    page = signed_in(server).request("GET", authorize_path(V1, **classic_query(classic)))
    assert page.status == 200
    for text in ("Weather Bot", "classic app", "Acme (acme)", "Alice Example", "@alice"):
        assert text in page.text
    # A classic scope with its description, a granular-style name shown as it is.
    assert "<code>bot</code> <span" in page.text
    assert "<li><code>channels:read</code></li>" in page.text


def test_the_v2_consent_form_lists_bot_and_user_scopes(
    server: ServerThread, granular: RegisteredApp
) -> None:
    query = {
        "client_id": granular.app.client_id,
        "scope": "chat:write",
        "user_scope": "search:read",
    }
    page = signed_in(server).request("GET", authorize_path(V2, **query))
    assert page.status == 200
    assert 'aria-label="Scopes">\n<li><code>chat:write</code>' in page.text
    assert 'aria-label="User scopes">\n<li><code>search:read</code>' in page.text


def test_the_consent_form_works_without_scripts_and_carries_the_request(
    server: ServerThread, classic: RegisteredApp
) -> None:
    client = signed_in(server)
    page = client.request("GET", authorize_path(V1, **classic_query(classic)))
    assert "<script" not in page.text
    assert 'name="decision" value="allow"' in page.text
    assert 'name="decision" value="deny"' in page.text
    fields = hidden_fields(page)
    assert fields["client_id"] == classic.app.client_id
    assert fields["scope"] == "bot,channels:read"
    assert fields["state"] == "s-1"
    assert fields["csrf"] == client.boot()["csrf"]


def test_the_consent_page_has_the_sign_in_pages_headers_and_lets_the_form_reach_the_app(
    server: ServerThread, classic: RegisteredApp
) -> None:
    page = signed_in(server).request("GET", authorize_path(V1, **classic_query(classic)))
    policy = page.headers["content-security-policy"]
    assert "default-src 'self'" in policy and "frame-ancestors 'none'" in policy
    # chromium applies form-action to the redirect that answers the form, too.
    assert "form-action 'self' http://127.0.0.1:9;" in policy
    assert page.headers["x-frame-options"] == "DENY"
    assert page.headers["cache-control"] == "no-store"


@pytest.mark.parametrize(
    ("path", "app", "query", "code"),
    [
        (V1, "classic", {"client_id": "0.0", "scope": "bot"}, "invalid_client_id"),
        (V2, "classic", {"scope": "bot"}, "oauth_authorization_url_mismatch"),
        (V1, "granular", {"scope": "chat:write"}, "oauth_authorization_url_mismatch"),
        (
            V1,
            "classic",
            {"scope": "bot", "redirect_uri": "http://evil.test/cb"},
            "bad_redirect_uri",
        ),
        (V1, "classic", {"scope": "bot", "state": "s" * 4097}, "invalid_state"),
        (V1, "classic", {"scope": "bot,admin"}, "invalid_scope"),
        (V1, "classic", {"scope": ""}, "no_scopes"),
    ],
)
def test_each_refused_request_gets_its_error_page_and_no_redirect(
    request: pytest.FixtureRequest, server: ServerThread, path: str, app: str,
    query: dict[str, str], code: str,
) -> None:  # fmt: skip
    registered: RegisteredApp = request.getfixturevalue(app)
    page = signed_in(server).request(
        "GET", authorize_path(path, **{"client_id": registered.app.client_id, **query})
    )
    assert page.status == 400
    assert f'<code class="error-code">{code}</code>' in page.text
    assert "location" not in page.headers


def test_another_teams_person_gets_invalid_team(
    server: ServerThread, classic: RegisteredApp
) -> None:
    page = signed_in(server, "gina").request("GET", authorize_path(V1, **classic_query(classic)))
    assert page.status == 400
    assert '<code class="error-code">invalid_team</code>' in page.text


def test_a_post_without_the_sessions_csrf_token_is_403(
    server: ServerThread, classic: RegisteredApp
) -> None:
    client = signed_in(server)
    form = {**classic_query(classic), "decision": "allow", "csrf": "forged"}
    answer = client.request("POST", V1, form)
    assert answer.status == 403
    assert "location" not in answer.headers


def test_allowing_sends_the_browser_to_the_registered_url_with_a_code_and_the_state(
    server: ServerThread, classic: RegisteredApp
) -> None:
    client = signed_in(server)
    page = client.request("GET", authorize_path(V1, **classic_query(classic)))
    answer = client.request("POST", V1, {**hidden_fields(page), "decision": "allow"})
    assert answer.status == 303
    location = urlsplit(answer.headers["location"])
    assert f"{location.scheme}://{location.netloc}{location.path}" == CALLBACK
    query = parse_qs(location.query)
    assert query["state"] == ["s-1"]
    assert len(query["code"]) == 1


def test_the_code_an_approval_issues_exchanges_for_the_installers_tokens(
    server: ServerThread, classic: RegisteredApp
) -> None:
    client = signed_in(server, "bob")
    page = client.request("GET", authorize_path(V1, **classic_query(classic)))
    answer = client.request("POST", V1, {**hidden_fields(page), "decision": "allow"})
    code = parse_qs(urlsplit(answer.headers["location"]).query)["code"][0]
    exchanged = WebClient(base_url=f"{server.base_url}/api/").oauth_access(
        client_id=classic.app.client_id, client_secret=classic.client_secret, code=code
    )
    assert exchanged["user_id"] == "U0002"
    assert exchanged["bot"]["bot_access_token"].startswith("xoxb-")


def test_denying_sends_error_access_denied_and_the_state(
    server: ServerThread, granular: RegisteredApp
) -> None:
    client = signed_in(server)
    query = {"client_id": granular.app.client_id, "scope": "chat:write", "state": "s-2"}
    page = client.request("GET", authorize_path(V2, **query))
    answer = client.request("POST", V2, {**hidden_fields(page), "decision": "deny"})
    assert answer.status == 303
    location = urlsplit(answer.headers["location"])
    assert location.path == "/oauth/callback"
    assert parse_qs(location.query) == {"error": ["access_denied"], "state": ["s-2"]}


def test_a_posted_foreign_redirect_uri_gets_the_error_page_and_no_redirect(
    server: ServerThread, classic: RegisteredApp
) -> None:
    client = signed_in(server)
    page = client.request("GET", authorize_path(V1, **classic_query(classic)))
    form = {**hidden_fields(page), "redirect_uri": "http://evil.test/cb", "decision": "allow"}
    answer = client.request("POST", V1, form)
    assert answer.status == 400
    assert '<code class="error-code">bad_redirect_uri</code>' in answer.text
    assert "location" not in answer.headers


def test_a_post_after_the_session_ended_goes_to_sign_in_and_back_to_the_form(
    server: ServerThread, classic: RegisteredApp
) -> None:
    form = {**classic_query(classic), "decision": "allow", "csrf": "from-an-old-page"}
    answer = Browserless(server.port).request("POST", V1, form)
    assert answer.status == 303
    redirect = parse_qs(urlsplit(answer.headers["location"]).query)["redirect"][0]
    assert redirect == authorize_path(V1, **classic_query(classic))


def test_other_methods_are_405(server: ServerThread) -> None:
    answer = signed_in(server).request("PUT", V1)
    assert answer.status == 405
    assert answer.headers["allow"] == "GET, HEAD, POST"
