"""``slackline admin app ...`` against a real server: create, list, rotate, installations,
uninstall; secrets printed once, to stdout only."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest

from slackline.app import App
from slackline.cli import main
from slackline.domain.apps import OAuthFlow
from slackline.testing.server import ServerThread
from tests.helpers.cluster import free_port
from tests.helpers.http import api, start_server

ADMIN_TOKEN = "cli-app-admin-token"
CALLBACK = "http://127.0.0.1:8000/oauth/callback"


def running_app(server: ServerThread) -> App:
    """The server's application (started, so never None)."""
    assert server.app is not None
    return server.app


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerThread]:
    """One server with the admin API on; every test registers apps of its own."""
    thread = start_server(tmp_path_factory.mktemp("cli-apps"), admin_token=ADMIN_TOKEN)
    yield thread
    thread.stop()


def admin(server: ServerThread, *argv: str) -> int:
    """Run ``slackline admin ARGV`` in-process against the server."""
    return main(["admin", *argv, "--url", server.base_url, "--admin-token", ADMIN_TOKEN])


def create(server: ServerThread, capsys: pytest.CaptureFixture[str], *extra: str) -> dict[str, str]:
    """``admin app create`` of a classic app; the printed ``key: value`` lines (and ``app``)."""
    argv = ["app", "create", "--team", "T0001", "--name", "Cli Bot", "--redirect-url", CALLBACK]
    capsys.readouterr()
    assert admin(server, *argv, "--scopes", "bot,channels:read", *extra) == 0
    first, *rest = capsys.readouterr().out.splitlines()
    printed = dict(line.split(": ", 1) for line in rest)
    printed["app"] = first.split()[1]
    return printed


def exchange_error(server: ServerThread, client_id: str, secret: str) -> str:
    """oauth.access with these credentials and a code nobody issued: ``invalid_code`` once
    the client is authenticated, else the authentication's error."""
    args = {"client_id": client_id, "client_secret": secret, "code": "no-such-code"}
    return str(api(server, "oauth.access", **args).body["error"])


def install(server: ServerThread, printed: dict[str, str]) -> dict[str, Any]:
    """Install the app in T0001 as U0001 (approve, then oauth.access over HTTP)."""
    apps = running_app(server).services.apps
    args = {"client_id": printed["client_id"], "scope": "bot"}
    request = server.run(apps.check_authorize(OAuthFlow.V1, "T0001", args))
    code = parse_qs(urlsplit(server.run(apps.approve(request, "U0001"))).query)["code"][0]
    body = api(
        server, "oauth.access", client_id=printed["client_id"],
        client_secret=printed["client_secret"], code=code,
    ).body  # fmt: skip
    assert body["ok"] is True, body
    return body


def test_create_prints_the_app_and_its_secrets(
    server: ServerThread, capsys: pytest.CaptureFixture[str]
) -> None:
    printed = create(server, capsys)
    assert re.fullmatch(r"A[0-9A-Z]+", printed["app"])
    assert re.fullmatch(r"\d{12}\.\d{12}", printed["client_id"])
    assert re.fullmatch(r"[0-9a-f]{32}", printed["client_secret"])
    assert re.fullmatch(r"[0-9a-f]{32}", printed["signing_secret"])


def test_create_prints_the_secrets_to_stdout_only(
    server: ServerThread, capsys: pytest.CaptureFixture[str]
) -> None:
    argv = ["app", "create", "--team", "T0001", "--name", "Quiet", "--redirect-url", CALLBACK]
    assert admin(server, *argv, "--scopes", "bot") == 0
    out, err = capsys.readouterr()
    secret = re.search(r"client_secret: (\S+)", out)
    assert secret is not None and secret.group(1) not in err


def test_the_printed_client_secret_authenticates_the_app(
    server: ServerThread, capsys: pytest.CaptureFixture[str]
) -> None:
    printed = create(server, capsys)
    assert exchange_error(server, printed["client_id"], printed["client_secret"]) == (
        "invalid_code"
    )


def test_create_takes_the_granular_options(
    server: ServerThread, capsys: pytest.CaptureFixture[str]
) -> None:
    argv = ["app", "create", "--team", "T0001", "--name", "Gran", "--kind", "granular"]
    capsys.readouterr()
    assert admin(
        server, *argv, "--redirect-url", CALLBACK, "--scopes", "chat:write",
        "--user-scopes", "search:read", "--token-rotation", "--id", "A0CLIGRAN",
    ) == 0  # fmt: skip
    app = server.run(running_app(server).services.apps.get("A0CLIGRAN"))
    assert (app.kind.value, app.scopes, app.user_scopes, app.token_rotation) == (
        "granular", ("chat:write",), ("search:read",), True,
    )  # fmt: skip


def test_list_prints_the_teams_apps_without_secrets(
    server: ServerThread, capsys: pytest.CaptureFixture[str]
) -> None:
    printed = create(server, capsys)
    assert admin(server, "app", "list", "T0001") == 0
    out = capsys.readouterr().out
    assert printed["app"] in {app["id"] for app in json.loads(out)}
    assert printed["client_secret"] not in out and printed["signing_secret"] not in out


def test_rotate_prints_only_the_new_secret(
    server: ServerThread, capsys: pytest.CaptureFixture[str]
) -> None:
    printed = create(server, capsys)
    assert admin(server, "app", "rotate", printed["app"], "client_secret") == 0
    new = capsys.readouterr().out.strip()
    assert re.fullmatch(r"[0-9a-f]{32}", new) and new != printed["client_secret"]
    assert exchange_error(server, printed["client_id"], new) == "invalid_code"


def test_after_rotate_the_old_secret_fails(
    server: ServerThread, capsys: pytest.CaptureFixture[str]
) -> None:
    printed = create(server, capsys)
    assert admin(server, "app", "rotate", printed["app"], "client_secret") == 0
    old = printed["client_secret"]
    assert exchange_error(server, printed["client_id"], old) == "bad_client_secret"


def test_installations_prints_the_installs(
    server: ServerThread, capsys: pytest.CaptureFixture[str]
) -> None:
    printed = create(server, capsys)
    body = install(server, printed)
    assert admin(server, "app", "installations", printed["app"]) == 0
    found = json.loads(capsys.readouterr().out)
    assert [(i["team"], i["installer"], i["bot_user_id"]) for i in found] == [
        ("T0001", "U0001", body["bot"]["bot_user_id"])
    ]


def test_uninstall_revokes_the_apps_tokens(
    server: ServerThread, capsys: pytest.CaptureFixture[str]
) -> None:
    printed = create(server, capsys)
    bot_token = install(server, printed)["bot"]["bot_access_token"]
    assert admin(server, "app", "uninstall", printed["app"], "--team", "T0001") == 0
    out = capsys.readouterr().out
    assert out == f"uninstalled {printed['app']} from T0001: 2 tokens revoked\n"
    assert api(server, "auth.test", bot_token).body["ok"] is False


def test_an_unknown_app_is_an_error_on_stderr(
    server: ServerThread, capsys: pytest.CaptureFixture[str]
) -> None:
    assert admin(server, "app", "installations", "A404") == 1
    assert "slackline: error: app_not_found: no app A404" in capsys.readouterr().err


def test_an_invalid_app_is_an_error_naming_the_field(
    server: ServerThread, capsys: pytest.CaptureFixture[str]
) -> None:
    argv = ["app", "create", "--team", "T0001", "--name", "Bad", "--redirect-url", "ftp://x/cb"]
    assert admin(server, *argv, "--scopes", "bot") == 1
    assert "slackline: error: invalid_app: redirect_urls: " in capsys.readouterr().err


def test_without_the_admin_token_nothing_is_called(
    server: ServerThread, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("SLACKLINE_ADMIN_TOKEN", raising=False)
    assert main(["admin", "app", "list", "T0001", "--url", server.base_url]) == 1
    assert "not_authed" in capsys.readouterr().err


def test_the_app_commands_need_a_running_server(capsys: pytest.CaptureFixture[str]) -> None:
    unreachable = f"http://127.0.0.1:{free_port()}"  # a port just freed: nothing listens
    argv = ["admin", "app", "list", "T0001", "--url", unreachable, "--admin-token", "x"]
    assert main(argv) == 1
    assert "unreachable" in capsys.readouterr().err


def test_token_prints_an_app_level_token_for_a_socket_mode_app(
    server: ServerThread, capsys: pytest.CaptureFixture[str]
) -> None:
    argv = ["app", "create", "--team", "T0001", "--name", "Sock", "--kind", "granular"]
    assert admin(
        server, *argv, "--redirect-url", CALLBACK, "--scopes", "channels:history",
        "--socket-mode", "--events", "message.channels", "--bot-user", "U0BOT",
        "--id", "A0CLISOCK",
    ) == 0  # fmt: skip
    app = server.run(running_app(server).services.apps.get("A0CLISOCK"))
    assert (app.socket_mode, app.event_subscriptions) == (True, ("message.channels",))
    capsys.readouterr()
    assert admin(server, "app", "token", "A0CLISOCK", "--team", "T0001") == 0
    assert capsys.readouterr().out.strip().startswith("xapp-")


def test_verify_exits_1_when_the_request_url_does_not_answer_the_challenge(
    server: ServerThread, capsys: pytest.CaptureFixture[str]
) -> None:
    nowhere = f"http://127.0.0.1:{free_port()}/slack/events"  # nothing listens there
    argv = ["app", "create", "--team", "T0001", "--name", "Hook", "--kind", "granular"]
    assert admin(
        server, *argv, "--redirect-url", CALLBACK, "--scopes", "channels:history",
        "--events", "message.channels", "--bot-user", "U0BOT", "--request-url", nowhere,
        "--id", "A0CLIHOOK",
    ) == 0  # fmt: skip
    capsys.readouterr()
    assert admin(server, "app", "verify", "A0CLIHOOK") == 1
    assert capsys.readouterr().out.strip() == f"{nowhere}: did not answer the challenge"
