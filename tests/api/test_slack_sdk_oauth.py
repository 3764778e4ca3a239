"""The OAuth install as unmodified slack_sdk 3.48 performs it against Slackline: its
``AuthorizeUrlGenerator`` pointed at ``/oauth/authorize`` and ``/oauth/v2/authorize``, its
file state and installation stores, ``oauth_access`` and ``oauth_v2_access`` (HTTP Basic, as
slack_sdk sends them, or form fields), every error Slack documents for the exchange as a
``SlackApiError``, and ``TokenRotator`` refreshing a rotating bot token. A signed-in person
approves on the consent page over plain HTTP (no browser: the page needs no script)."""

from __future__ import annotations

from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.oauth import AuthorizeUrlGenerator
from slack_sdk.oauth.installation_store import FileInstallationStore, Installation
from slack_sdk.oauth.state_store import FileOAuthStateStore
from slack_sdk.oauth.token_rotation import TokenRotator

from slackline.services.apps import RegisteredApp
from slackline.testing.server import ServerThread
from slackline.testing.toolkit import Slackline
from tests.helpers.signin import Browserless
from tests.web.conftest import register_app

CALLBACK = "http://127.0.0.1:9/slack/oauth_redirect"  # never opened: the tests read Location
V1, V2 = "/oauth/authorize", "/oauth/v2/authorize"


@pytest.fixture()
def client(people_server: ServerThread) -> WebClient:
    """An unmodified ``WebClient`` whose only change is its base URL."""
    return WebClient(base_url=f"http://127.0.0.1:{people_server.port}/api/")


def classic_app(server: ServerThread) -> RegisteredApp:
    """A classic app asking for a bot (RTM-capable) and to read channels."""
    return register_app(server, "Weather Bot", "classic", [CALLBACK], ["bot", "channels:read"])


def granular_app(server: ServerThread, **extra: Any) -> RegisteredApp:
    """A granular app with a bot scope and a user scope."""
    return register_app(
        server, "New Bot", "granular", [CALLBACK], ["chat:write"], user_scopes=["search:read"],
        **extra,
    )  # fmt: skip


def generator(server: ServerThread, app: RegisteredApp, path: str) -> AuthorizeUrlGenerator:
    """slack_sdk's URL generator for the app, pointed at Slackline's authorize page."""
    return AuthorizeUrlGenerator(
        client_id=app.app.client_id,
        redirect_uri=CALLBACK,
        scopes=list(app.app.scopes),
        user_scopes=list(app.app.user_scopes),
        authorization_url=f"http://127.0.0.1:{server.port}{path}",
    )


def approve(person: Browserless, url: str) -> dict[str, str]:
    """Allow on the consent page; the query the browser brings back to the app."""
    answer = person.decide(url, "allow")
    assert answer.status == 303, answer.text[:500]
    location = urlsplit(answer.headers["location"])
    assert f"{location.scheme}://{location.netloc}{location.path}" == CALLBACK
    return {key: values[0] for key, values in parse_qs(location.query).items()}


def code_of(server: ServerThread, person: Browserless, app: RegisteredApp, path: str) -> str:
    """A fresh code for the app, approved by the person on ``path``'s consent page."""
    return approve(person, generator(server, app, path).generate(state="s"))["code"]


def credentials(app: RegisteredApp) -> dict[str, str]:
    """The app's client id and secret, as the exchange's arguments."""
    return {"client_id": app.app.client_id, "client_secret": app.client_secret}


def exchange_args(
    server: ServerThread, person: Browserless, app: RegisteredApp, path: str, **extra: str
) -> dict[str, str]:
    """The exchange's arguments: the app's credentials and a fresh code from ``path``."""
    return {**credentials(app), "code": code_of(server, person, app, path), **extra}


def error_of(call: Any, **args: Any) -> str:
    """The Slack error a slack_sdk call raises."""
    with pytest.raises(SlackApiError) as raised:
        call(**args)
    assert raised.value.response.status_code == 200
    error: str = raised.value.response["error"]
    return error


# --- the V1 flow a classic (RTM) app ships with -------------------------------------------------


def test_the_v1_install_with_slack_sdks_stores_gives_an_rtm_capable_bot_token(
    people_server: ServerThread, alice: Browserless, client: WebClient, tmp_path: Path
) -> None:
    app = classic_app(people_server)
    states = FileOAuthStateStore(expiration_seconds=600, base_dir=str(tmp_path / "states"))
    state = states.issue()
    query = approve(alice, generator(people_server, app, V1).generate(state=state))
    assert states.consume(query["state"]) is True
    answer = client.oauth_access(
        **credentials(app), code=query["code"], redirect_uri=CALLBACK
    )  # fmt: skip
    assert answer["team_id"] == "T0001" and answer["user_id"] == "U0001"
    bot_token = answer["bot"]["bot_access_token"]
    store = FileInstallationStore(base_dir=str(tmp_path / "installations"))
    store.save(
        Installation(
            app_id=app.app.id, team_id=answer["team_id"], team_name=answer["team_name"],
            user_id=answer["user_id"], user_token=answer["access_token"],
            bot_token=bot_token, bot_user_id=answer["bot"]["bot_user_id"],
        )
    )  # fmt: skip
    found = store.find_bot(enterprise_id=None, team_id="T0001")
    assert found is not None and found.bot_token == bot_token
    assert client.rtm_connect(token=found.bot_token)["url"].startswith("ws://127.0.0.1")


def test_the_v1_answer_has_slacks_fields(
    people_server: ServerThread, alice: Browserless, client: WebClient
) -> None:
    app = classic_app(people_server)
    code = code_of(people_server, alice, app, V1)
    answer = client.oauth_access(**credentials(app), code=code, redirect_uri=CALLBACK)
    assert answer["access_token"].startswith("xoxp-")
    assert answer["scope"] == "identify,bot,channels:read"
    assert answer["team_name"] == "Acme"
    assert answer["bot"]["bot_user_id"].startswith("U")
    assert client.auth_test(token=answer["access_token"])["user_id"] == "U0001"


def test_form_field_credentials_work_as_basic_does(
    people_server: ServerThread, alice: Browserless, client: WebClient
) -> None:
    app = classic_app(people_server)
    code = code_of(people_server, alice, app, V1)
    # slack_sdk sends Basic when given client_id and client_secret; as a form body, fields.
    form = {**credentials(app), "code": code, "redirect_uri": CALLBACK}  # fmt: skip
    answer = client.api_call("oauth.access", data=form)
    assert answer["ok"] is True and answer["bot"]["bot_access_token"].startswith("xoxb-")


# --- the V2 flow --------------------------------------------------------------------------------


def test_the_v2_install_gives_a_bot_token_rtm_refuses(
    people_server: ServerThread, alice: Browserless, client: WebClient
) -> None:
    app = granular_app(people_server)
    code = code_of(people_server, alice, app, V2)
    answer = client.oauth_v2_access(
        **credentials(app), code=code, redirect_uri=CALLBACK
    )  # fmt: skip
    assert answer["token_type"] == "bot" and answer["app_id"] == app.app.id
    assert answer["team"] == {"id": "T0001", "name": "Acme"}
    assert answer["authed_user"]["id"] == "U0001"
    assert answer["authed_user"]["scope"] == "search:read"
    assert client.auth_test(token=answer["access_token"])["user_id"] == answer["bot_user_id"]
    assert error_of(client.rtm_connect, token=answer["access_token"]) == "not_allowed_token_type"


def test_token_rotator_refreshes_a_rotating_bot_token(
    people_server: ServerThread, alice: Browserless, client: WebClient
) -> None:
    app = granular_app(people_server, token_rotation=True)
    code = code_of(people_server, alice, app, V2)
    answer = client.oauth_v2_access(**credentials(app), code=code, redirect_uri=CALLBACK)
    assert answer["access_token"].startswith("xoxe.xoxb-") and answer["expires_in"] == 43_200
    installation = Installation(
        app_id=app.app.id, team_id="T0001", user_id="U0001",
        bot_token=answer["access_token"], bot_user_id=answer["bot_user_id"],
        bot_refresh_token=answer["refresh_token"], bot_token_expires_in=answer["expires_in"],
    )  # fmt: skip
    rotator = TokenRotator(**credentials(app), client=client)
    # Twelve hours is inside 721 minutes: the rotator refreshes now.
    rotated = rotator.perform_token_rotation(
        installation=installation, minutes_before_expiration=721
    )
    assert rotated is not None and rotated.bot_token != answer["access_token"]
    assert rotated.bot_refresh_token and rotated.bot_refresh_token != answer["refresh_token"]
    assert client.auth_test(token=rotated.bot_token)["user_id"] == answer["bot_user_id"]


# --- every error of the exchange, as slack_sdk raises it -----------------------------------------


def test_an_unknown_client_id_is_invalid_client_id(
    people_server: ServerThread, alice: Browserless, client: WebClient
) -> None:
    app = classic_app(people_server)
    code = code_of(people_server, alice, app, V1)
    args = {"client_id": "0000.0000", "client_secret": app.client_secret, "code": code}
    assert error_of(client.oauth_access, **args) == "invalid_client_id"


def test_a_wrong_secret_is_bad_client_secret(
    people_server: ServerThread, alice: Browserless, client: WebClient
) -> None:
    app = granular_app(people_server)
    code = code_of(people_server, alice, app, V2)
    args = {"client_id": app.app.client_id, "client_secret": "wrong", "code": code}
    assert error_of(client.oauth_v2_access, **args) == "bad_client_secret"


def test_an_unknown_code_is_invalid_code(people_server: ServerThread, client: WebClient) -> None:
    app = classic_app(people_server)
    args = {**credentials(app), "code": "nope"}
    assert error_of(client.oauth_access, **args) == "invalid_code"


def test_a_spent_code_is_code_already_used(
    people_server: ServerThread, alice: Browserless, client: WebClient
) -> None:
    app = classic_app(people_server)
    args = exchange_args(people_server, alice, app, V1, redirect_uri=CALLBACK)
    assert client.oauth_access(**args)["ok"] is True
    assert error_of(client.oauth_access, **args) == "code_already_used"


@pytest.mark.parametrize(
    ("kind", "extra", "error"),
    [
        ("classic", {"redirect_uri": "http://127.0.0.1:9/elsewhere"}, "bad_redirect_uri"),
        ("granular", {"grant_type": "password"}, "invalid_grant_type"),
    ],
)
def test_a_bad_exchange_argument_gets_its_error(
    people_server: ServerThread,
    alice: Browserless,
    client: WebClient,
    kind: str,
    extra: dict[str, str],
    error: str,
) -> None:
    classic = kind == "classic"
    app = (classic_app if classic else granular_app)(people_server)
    args = exchange_args(people_server, alice, app, V1 if classic else V2, **extra)
    call = client.oauth_access if classic else client.oauth_v2_access
    assert error_of(call, **args) == error


def test_an_unknown_refresh_token_is_invalid_refresh_token(
    people_server: ServerThread, client: WebClient
) -> None:
    app = granular_app(people_server, token_rotation=True)
    args = {**credentials(app), "grant_type": "refresh_token", "refresh_token": "xoxe-1-nope"}
    assert error_of(client.oauth_v2_access, **args) == "invalid_refresh_token"


def test_a_v1_code_at_oauth_v2_access_is_oauth_authorization_url_mismatch(
    people_server: ServerThread, alice: Browserless, client: WebClient
) -> None:
    app = classic_app(people_server)
    args = {**credentials(app), "code": code_of(people_server, alice, app, V1)}
    assert error_of(client.oauth_v2_access, **args) == "oauth_authorization_url_mismatch"


def test_denying_brings_access_denied_and_the_state_back(
    people_server: ServerThread, alice: Browserless
) -> None:
    app = classic_app(people_server)
    answer = alice.decide(generator(people_server, app, V1).generate(state="s-9"), "deny")
    query = parse_qs(urlsplit(answer.headers["location"]).query)
    assert (answer.status, query) == (303, {"error": ["access_denied"], "state": ["s-9"]})


def test_a_code_expires_after_ten_minutes(slackline_deterministic: Slackline) -> None:
    team = slackline_deterministic.team("Acme")
    member = slackline_deterministic.user(team, "alice")
    app = slackline_deterministic.register_app(
        team, name="Clock Bot", kind="classic", redirect_urls=[CALLBACK], scopes=["bot"]
    )
    code = slackline_deterministic.approve_install(member, app.app.client_id, scope="bot")
    slackline_deterministic.advance(601)  # ten minutes and a second
    client = WebClient(base_url=slackline_deterministic.api_url)
    args = {**credentials(app), "code": code}
    assert error_of(client.oauth_access, **args) == "invalid_code"
