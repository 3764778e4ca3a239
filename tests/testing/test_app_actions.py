"""The toolkit's app actions against the plugin's server: registering, approving as the
consent page does, installing through the real exchange, uninstalling."""

from __future__ import annotations

import pytest

from slackline.domain.apps import AuthorizeError
from slackline.services.apps import AppError, RegisteredApp
from slackline.testing.server import ServerThread
from slackline.testing.toolkit import Member, Slackline, SlacklineServer
from tests.helpers.http import api
from tests.helpers.rtm import open_socket, recv_until

CALLBACK = "http://127.0.0.1:9/oauth/callback"  # never opened: nothing follows the redirect


def classic_app(slackline: Slackline, team: str) -> RegisteredApp:
    """A classic app of the team with a bot that reads channels."""
    return slackline.register_app(
        team, name="Weather Bot", kind="classic", redirect_urls=[CALLBACK],
        scopes=["bot", "channels:read"],
    )  # fmt: skip


def granular_app(slackline: Slackline, team: str) -> RegisteredApp:
    """A granular app of the team with bot and user scopes."""
    return slackline.register_app(team, name="New Bot", kind="granular", redirect_urls=[CALLBACK],
                                  scopes=["chat:write"], user_scopes=["search:read"])  # fmt: skip


def alice(slackline: Slackline) -> Member:
    """Alice of a new team Acme."""
    return slackline.user(slackline.team("Acme"), "alice")


def thread(server: SlacklineServer) -> ServerThread:
    """The plugin server's thread, for the raw HTTP helpers."""
    return server.thread


def test_register_app_generates_credentials_shown_once(slackline: Slackline) -> None:
    team = slackline.team("Acme")
    registered = classic_app(slackline, team)
    assert registered.app.id.startswith("A")
    assert registered.app.client_id and registered.app.team_id == team
    assert len(registered.client_secret) == len(registered.signing_secret) == 32


def test_register_app_refuses_an_invalid_definition(slackline: Slackline) -> None:
    team = slackline.team("Acme")
    with pytest.raises(AppError) as refused:
        slackline.register_app(team, name="No Kind", redirect_urls=[CALLBACK], scopes=["bot"])
    assert refused.value.code == "invalid_app"


def test_approve_install_gives_a_code_the_exchange_accepts(
    slackline: Slackline, slackline_server: SlacklineServer
) -> None:
    member = alice(slackline)
    registered = classic_app(slackline, member.team_id)
    code = slackline.approve_install(member, registered.app.client_id, scope="bot", state="s")
    body = api(thread(slackline_server), "oauth.access", client_id=registered.app.client_id,
               client_secret=registered.client_secret, code=code).body  # fmt: skip
    assert (body["ok"], body["user_id"], body["team_id"]) == (True, member.id, member.team_id)


def test_approve_install_refuses_the_other_flow_as_the_page_does(slackline: Slackline) -> None:
    member = alice(slackline)
    registered = classic_app(slackline, member.team_id)
    with pytest.raises(AuthorizeError) as refused:
        slackline.approve_install(member, registered.app.client_id, scope="bot", v2=True)
    assert refused.value.code == "oauth_authorization_url_mismatch"


def test_install_app_classic_gives_a_bot_token_rtm_accepts(
    slackline: Slackline, slackline_server: SlacklineServer
) -> None:
    member = alice(slackline)
    body = slackline.install_app(member, classic_app(slackline, member.team_id))
    assert body["ok"] is True, body
    with open_socket(thread(slackline_server), body["bot"]["bot_access_token"]) as socket:
        socket.send('{"id": 1, "type": "ping"}')
        assert recv_until(socket, lambda f: f.get("reply_to") == 1)["type"] == "pong"


def test_install_app_granular_answers_the_v2_shape(slackline: Slackline) -> None:
    member = alice(slackline)
    registered = granular_app(slackline, member.team_id)
    body = slackline.install_app(member, registered)
    assert (body["ok"], body["token_type"], body["app_id"]) == (True, "bot", registered.app.id)
    assert body["authed_user"]["id"] == member.id
    assert body["authed_user"]["scope"] == "search:read"


def test_install_app_asks_for_only_the_scopes_given(slackline: Slackline) -> None:
    member = alice(slackline)
    body = slackline.install_app(member, classic_app(slackline, member.team_id), scope="bot")
    assert "channels:read" not in body["scope"].split(",")


def test_uninstall_app_revokes_the_install_tokens(
    slackline: Slackline, slackline_server: SlacklineServer
) -> None:
    member = alice(slackline)
    registered = classic_app(slackline, member.team_id)
    body = slackline.install_app(member, registered)
    assert slackline.uninstall_app(registered.app.id, member.team_id) == 2  # user and bot
    bot_token = body["bot"]["bot_access_token"]
    assert api(thread(slackline_server), "auth.test", bot_token).body["error"] == "token_revoked"


def test_uninstall_app_refuses_an_app_not_installed(slackline: Slackline) -> None:
    team = slackline.team("Acme")
    registered = classic_app(slackline, team)
    with pytest.raises(AppError) as refused:
        slackline.uninstall_app(registered.app.id, team)
    assert refused.value.code == "not_installed"
