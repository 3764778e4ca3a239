"""Sign-in, sign-out and web sessions over plain HTTP (web/signin.py): the form and its CSRF
token, the ``d`` cookie's flags, the ``xoxc-`` token bound to it, wrong passwords and the
rate limit, and everything that ends a session (sign-out, deactivation, revocation)."""

from __future__ import annotations

import http.client
import json
import logging
import ssl
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import trustme
from websockets.sync.client import ClientConnection, connect

from slackline.testing.server import ServerThread
from tests.helpers.http import serving
from tests.helpers.rtm import recv_json, recv_until
from tests.helpers.signin import Browserless
from tests.web.conftest import ACCOUNTS, ADMIN_TOKEN, start_web_server


def admin(server: ServerThread, endpoint: str, **body: Any) -> dict[str, Any]:
    """Call the control API with the admin token."""
    connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=10)
    try:
        headers = {"Authorization": f"Bearer {ADMIN_TOKEN}", "Content-Type": "application/json"}
        connection.request("POST", f"/_slackline/admin/{endpoint}", json.dumps(body), headers)
        document = json.loads(connection.getresponse().read())
    finally:
        connection.close()
    assert isinstance(document, dict)
    return document


def signed_in(server: ServerThread, name: str = "alice") -> tuple[Browserless, str]:
    """A client signed in as ``name``, and its session's xoxc- token."""
    client = Browserless(server.port)
    assert client.sign_in(ACCOUNTS[name]).status == 303
    return client, client.boot()["token"]


def open_client_socket(client: Browserless, token: str) -> ClientConnection:
    """rtm.connect with the session's token and cookie, then the socket and its hello."""
    connected = client.api("rtm.connect", token)
    assert connected["ok"], connected
    socket = connect(connected["url"], open_timeout=5, legacy=True)
    assert recv_json(socket) == {"type": "hello"}
    return socket


@pytest.fixture
def server(tmp_path: Path) -> Iterator[ServerThread]:
    """A web server of its own (sessions end in these tests), rate limits off."""
    yield from serving(start_web_server(tmp_path))


def test_the_form_asks_for_workspace_email_and_password_without_scripts(
    server: ServerThread,
) -> None:
    page = Browserless(server.port).request("GET", "/signin")
    assert page.status == 200
    assert page.headers["content-type"].startswith("text/html")
    for name in ("team", "email", "password", "csrf"):
        assert f'name="{name}"' in page.text
    assert "<script" not in page.text
    assert "default-src 'self'" in page.headers["content-security-policy"]


def test_signing_in_sets_an_httponly_lax_cookie_and_sends_the_browser_home(
    server: ServerThread,
) -> None:
    answer = Browserless(server.port).sign_in(ACCOUNTS["alice"])
    assert answer.status == 303
    assert answer.headers["location"] == "/"
    session = next(c for c in answer.cookies if c.startswith("d="))
    flags = session.split("; ")[1:]
    assert {"HttpOnly", "SameSite=Lax", "Path=/"} <= set(flags)
    assert "Secure" not in flags


def test_the_user_name_signs_in_as_well_as_the_email(server: ServerThread) -> None:
    client = Browserless(server.port)
    form = {"team": "T0001", "email": "BOB", "password": "bob-password-2"}
    answer = client.request("POST", "/signin", {**form, "csrf": client.form_csrf()})
    assert answer.status == 303
    assert client.boot()["user_id"] == "U0002"


def test_a_safe_redirect_is_followed_and_another_origin_is_not(server: ServerThread) -> None:
    client = Browserless(server.port)
    assert client.sign_in(ACCOUNTS["alice"], redirect="/inspector").headers["location"] == (
        "/inspector"
    )
    other = Browserless(server.port)
    assert other.sign_in(ACCOUNTS["alice"], redirect="//evil.test/").headers["location"] == "/"


def test_the_session_token_works_with_its_cookie(server: ServerThread) -> None:
    client, token = signed_in(server)
    assert token.startswith("xoxc-")
    tested = client.api("auth.test", token)
    assert tested["ok"] and tested["user_id"] == "U0001"


def test_an_xoxc_token_without_its_cookie_is_invalid_auth(server: ServerThread) -> None:
    client, token = signed_in(server)
    assert client.api("auth.test", token, cookie=False) == {"ok": False, "error": "invalid_auth"}


def test_an_xoxc_token_with_another_sessions_cookie_is_invalid_auth(server: ServerThread) -> None:
    _, token = signed_in(server, "alice")
    other, _ = signed_in(server, "bob")
    assert other.api("auth.test", token) == {"ok": False, "error": "invalid_auth"}


def test_a_wrong_password_is_refused_on_the_form(server: ServerThread) -> None:
    client = Browserless(server.port)
    answer = client.sign_in(ACCOUNTS["alice"], password="not-her-password")
    assert answer.status == 200
    assert "Wrong workspace, email or password." in answer.text
    assert "d" not in client.jar


def test_an_unknown_person_gets_the_same_answer_as_a_wrong_password(server: ServerThread) -> None:
    client = Browserless(server.port)
    form = {"team": "acme", "email": "nobody@acme.test", "password": "whatever-1"}
    answer = client.request("POST", "/signin", {**form, "csrf": client.form_csrf()})
    assert answer.status == 200
    assert "Wrong workspace, email or password." in answer.text


def test_a_person_of_another_team_cannot_sign_in_to_this_one(server: ServerThread) -> None:
    gina = ACCOUNTS["gina"]
    client = Browserless(server.port)
    form = {"team": "acme", "email": gina.email, "password": gina.password}
    answer = client.request("POST", "/signin", {**form, "csrf": client.form_csrf()})
    assert "Wrong workspace, email or password." in answer.text
    assert "d" not in client.jar


def test_another_teams_conversation_is_not_found(server: ServerThread) -> None:
    client, token = signed_in(server, "gina")
    history = client.api("conversations.history", token, channel="C0001")
    assert history == {"ok": False, "error": "channel_not_found"}


def test_signing_in_without_the_forms_csrf_token_is_forbidden(server: ServerThread) -> None:
    client = Browserless(server.port)
    client.form_csrf()  # the pre-session cookie, but not the token
    alice = ACCOUNTS["alice"]
    form = {"team": alice.team, "email": alice.email, "password": alice.password}
    answer = client.request("POST", "/signin", form)
    assert answer.status == 403
    assert "d" not in client.jar


def test_a_forms_csrf_token_without_its_cookie_is_forbidden(server: ServerThread) -> None:
    token = Browserless(server.port).form_csrf()
    alice = ACCOUNTS["alice"]
    form = {"team": alice.team, "email": alice.email, "password": alice.password, "csrf": token}
    assert Browserless(server.port).request("POST", "/signin", form).status == 403


def test_signing_out_without_the_sessions_csrf_token_is_forbidden(server: ServerThread) -> None:
    client, token = signed_in(server)
    assert client.request("POST", "/signout", {"csrf": "guessed"}).status == 403
    assert client.api("auth.test", token)["ok"] is True


def test_signing_out_ends_the_token_and_says_goodbye_to_the_sockets(
    server: ServerThread,
) -> None:
    client, token = signed_in(server)
    socket = open_client_socket(client, token)
    kept = dict(client.jar)
    answer = client.request("POST", "/signout", {"csrf": client.boot()["csrf"]})
    assert answer.status == 303 and answer.headers["location"] == "/signin"
    assert "d" not in client.jar
    assert recv_until(socket, lambda f: f.get("type") == "goodbye")
    socket.close()
    client.jar = kept  # the old cookie, replayed
    assert client.api("auth.test", token)["ok"] is False
    assert client.request("GET", "/").status == 303


def test_deactivation_ends_the_session_and_its_sockets(server: ServerThread) -> None:
    client, token = signed_in(server, "carol")
    socket = open_client_socket(client, token)
    assert admin(server, "users.deactivate", user="U0003")["ok"]
    assert recv_until(socket, lambda f: f.get("type") == "goodbye")
    socket.close()
    assert client.request("GET", "/").headers["location"] == "/signin"
    assert client.api("auth.test", token)["ok"] is False


def test_revoking_a_persons_sessions_ends_every_one_and_their_sockets(
    server: ServerThread,
) -> None:
    first, first_token = signed_in(server, "bob")
    second, second_token = signed_in(server, "bob")
    socket = open_client_socket(first, first_token)
    assert admin(server, "users.revokeSessions", user="U0002") == {
        "ok": True, "user": "U0002", "revoked": 2,
    }  # fmt: skip
    assert recv_until(socket, lambda f: f.get("type") == "goodbye")
    socket.close()
    assert first.api("auth.test", first_token)["ok"] is False
    assert second.api("auth.test", second_token)["ok"] is False


def test_a_password_set_by_the_admin_api_signs_in_and_a_cleared_one_does_not(
    server: ServerThread,
) -> None:
    carol = ACCOUNTS["carol"]
    assert admin(server, "users.setPassword", user="U0003", password="a-new-password")["ok"]
    client = Browserless(server.port)
    assert client.sign_in(carol).status == 200
    assert client.sign_in(carol, password="a-new-password").status == 303
    assert admin(server, "users.clearPassword", user="U0003")["cleared"] is True
    assert Browserless(server.port).sign_in(carol, password="a-new-password").status == 200


def test_the_admin_api_refuses_a_short_password_without_repeating_it(
    server: ServerThread,
) -> None:
    answer = admin(server, "users.setPassword", user="U0003", password="short")
    assert answer["error"] == "invalid_arguments"
    assert "short" not in answer["detail"].replace("at least", "")


def test_passwords_never_reach_the_log(
    server: ServerThread, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    admin(server, "users.setPassword", user="U0003", password="logged-never-1")
    Browserless(server.port).sign_in(ACCOUNTS["carol"], password="logged-never-1")
    Browserless(server.port).sign_in(ACCOUNTS["carol"], password="logged-never-2")
    assert "logged-never" not in caplog.text
    assert "signed in U0003" in caplog.text  # the log was captured


def test_failed_sign_ins_are_limited_per_address_with_a_clear_message(tmp_path: Path) -> None:
    server = start_web_server(tmp_path, rate_limits=True)
    try:
        client = Browserless(server.port)
        for attempt in range(5):
            assert client.sign_in(ACCOUNTS["bob"], password=f"wrong-{attempt}").status == 200
        refused = client.sign_in(ACCOUNTS["alice"])
        assert refused.status == 429
        assert "Too many failed sign-ins" in refused.text
        assert int(refused.headers["retry-after"]) > 0
    finally:
        server.stop()


def test_failed_sign_ins_are_limited_per_account_from_any_address(tmp_path: Path) -> None:
    server = start_web_server(tmp_path, rate_limits=True, trusted_proxies=("127.0.0.1/32",))
    try:
        for attempt in range(5):
            client = Browserless(server.port)
            forwarded = {"X_Forwarded_For": f"198.51.100.{attempt}"}
            form = {"team": "acme", "email": "bob@acme.test", "password": "wrong-password"}
            answer = client.request("POST", "/signin", {**form, "csrf": client.form_csrf()},
                                    **forwarded)  # fmt: skip
            assert answer.status == 200
        client = Browserless(server.port)
        refused = client.request(
            "POST", "/signin",
            {"team": "acme", "email": "bob@acme.test", "password": "bob-password-2",
             "csrf": client.form_csrf()},
            X_Forwarded_For="203.0.113.9",
        )  # fmt: skip
        assert refused.status == 429
    finally:
        server.stop()


def test_the_cookie_is_secure_on_the_tls_listener(tmp_path: Path) -> None:
    ca = trustme.CA()
    cert = ca.issue_cert("127.0.0.1")
    cert_file, key_file = tmp_path / "cert.pem", tmp_path / "key.pem"
    cert.cert_chain_pems[0].write_to_path(str(cert_file))
    cert.private_key_pem.write_to_path(str(key_file))
    server = start_web_server(tmp_path, tls_port=0, tls_cert=str(cert_file), tls_key=str(key_file))
    try:
        context = ssl.create_default_context()
        ca.configure_trust(context)
        answer = Browserless(server.tls_port, context).sign_in(ACCOUNTS["alice"])
        assert answer.status == 303
        session = next(c for c in answer.cookies if c.startswith("d="))
        assert "Secure" in session.split("; ")
    finally:
        server.stop()


def _uploaded_path(client: Browserless, token: str) -> str:
    uploaded = client.api(
        "files.upload", token, content="hello file", filename="a.txt", channels="C0001"
    )
    assert uploaded["ok"], uploaded
    url = uploaded["file"]["url_private"]
    assert isinstance(url, str)
    return "/" + url.split("/", 3)[3]


def test_the_session_cookie_alone_downloads_a_file_the_person_may_see(
    server: ServerThread,
) -> None:
    client, token = signed_in(server)
    path = _uploaded_path(client, token)
    download = client.request("GET", path)
    assert download.status == 200 and download.text == "hello file"


def test_a_download_with_an_xoxc_token_but_not_its_cookie_is_refused(
    server: ServerThread,
) -> None:
    client, token = signed_in(server)
    path = _uploaded_path(client, token)
    bare = Browserless(server.port)
    assert bare.request("GET", path, Authorization=f"Bearer {token}").status == 401
