"""The ``slackline`` command: serve flags and their variables, offline commands, ``admin``."""

from __future__ import annotations

import io
import socket
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

from slackline.cli import build_parser, main, settings_from_args
from slackline.config import Settings
from slackline.testing.server import ServerThread
from tests.helpers.http import TEST_SECRET, WORKSPACE_FILE, api, start_server
from tests.helpers.signin import Browserless

ADMIN_TOKEN = "cli-admin-token"
CONSOLE_SCRIPT = Path(sys.executable).with_name("slackline")


@pytest.fixture
def server(tmp_path: Path) -> Iterator[ServerThread]:
    """A fresh server with the admin API on."""
    thread = start_server(tmp_path, admin_token=ADMIN_TOKEN)
    yield thread
    thread.stop()


@pytest.fixture
def database(tmp_path: Path) -> tuple[str, str]:
    """An offline database URL and a secret file holding the test servers' secret."""
    secret = tmp_path / "offline" / "secret"
    secret.parent.mkdir()
    secret.write_text(TEST_SECRET.hex())
    return f"sqlite:///{tmp_path / 'offline' / 'slackline.db'}", str(secret)


@contextmanager
def serving(tmp_path: Path, database: str) -> Iterator[ServerThread]:
    """A server on an existing database, loading no workspace file."""
    thread = start_server(tmp_path, database=database, workspaces=())
    try:
        yield thread
    finally:
        thread.stop()


def serve_settings(*argv: str) -> Settings:
    """The settings ``slackline serve ARGV`` would run with."""
    return settings_from_args(build_parser().parse_args(["serve", *argv]))


def admin(server: ServerThread, *argv: str) -> int:
    """Run ``slackline admin ARGV`` in-process against the server."""
    return main(["admin", *argv, "--url", server.base_url, "--admin-token", ADMIN_TOKEN])


def rtm_error(server: ServerThread, token: str) -> str | None:
    """None when rtm.connect accepts the token, else its error."""
    body = api(server, "rtm.connect", token).body
    return None if body["ok"] else str(body["error"])


# serve flags


@pytest.mark.parametrize(
    ("variable", "value", "field", "expected"),
    [
        ("HOST", "0.0.0.0", "host", "0.0.0.0"),
        ("PORT", "9000", "port", 9000),
        ("DATABASE", "sqlite:///x.db", "database", "sqlite:///x.db"),
        ("BROKER", "memory://", "broker", "memory://"),
        ("WORKSPACE", "a.yaml", "workspaces", ("a.yaml",)),
        ("PUBLIC_URL", "https://chat.example", "public_url", "https://chat.example"),
        ("TLS_PORT", "8443", "tls_port", 8443),
        ("TLS_CERT", "cert.pem", "tls_cert", "cert.pem"),
        ("TLS_KEY", "key.pem", "tls_key", "key.pem"),
        ("TLS_PUBLIC_URL", "wss://chat.example", "tls_public_url", "wss://chat.example"),
        ("DEMO", "on", "demo", True),
        ("RATE_LIMITS", "off", "rate_limits", False),
        ("LEGACY_METHODS", "off", "legacy_methods", False),
        ("QUERY_TOKENS", "off", "query_tokens", False),
        ("DRAIN_SECS", "2.5", "drain_secs", 2.5),
        ("BODY_TIMEOUT_SECS", "3", "body_timeout_secs", 3.0),
        ("PRESENCE_GRACE_SECS", "0.5", "presence_grace_secs", 0.5),
        ("MAX_SESSION_AGE_SECS", "60", "max_session_age_secs", 60.0),
        ("MAX_OUTBOUND_BYTES", "4096", "max_outbound_bytes", 4096),
        ("TRUSTED_PROXY", "10.0.0.0/8,192.168.0.0/16", "trusted_proxies", (
            "10.0.0.0/8", "192.168.0.0/16",
        )),
        ("ADMIN_TOKEN", "s3cret", "admin_token", "s3cret"),
        ("SECRET_FILE", "/tmp/secret", "secret_file", "/tmp/secret"),
        ("BLOBS", "file:///var/lib/blobs", "blobs", "file:///var/lib/blobs"),
        ("MAX_FILE_BYTES", "1024", "max_file_bytes", 1024),
    ],
)  # fmt: skip
def test_every_serve_flag_reads_its_slackline_variable(
    monkeypatch: pytest.MonkeyPatch, variable: str, value: str, field: str, expected: Any
) -> None:
    monkeypatch.setenv(f"SLACKLINE_{variable}", value)
    assert getattr(serve_settings(), field) == expected


def test_the_log_level_flag_reads_its_slackline_variable(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("SLACKLINE_LOG_LEVEL", "DEBUG")
    assert build_parser().parse_args(["serve"]).log_level == "DEBUG"


def test_a_flag_wins_over_its_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SLACKLINE_BODY_TIMEOUT_SECS", "3")
    assert serve_settings("--body-timeout-secs", "7.5").body_timeout_secs == 7.5


def test_the_body_timeout_defaults_to_ten_seconds() -> None:
    assert serve_settings().body_timeout_secs == 10.0


# offline commands


def test_a_demo_server_makes_up_an_admin_token_for_the_inspectors_journal(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("SLACKLINE_ADMIN_TOKEN", raising=False)
    first, second = serve_settings("--demo").admin_token, serve_settings("--demo").admin_token
    assert first and second and first != second and len(first) >= 32
    assert serve_settings().admin_token is None
    assert serve_settings("--demo", "--admin-token", "given").admin_token == "given"


def test_workspace_load_fills_the_database(
    database: tuple[str, str], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    url, secret = database
    code = main(["workspace", "load", WORKSPACE_FILE, "--database", url, "--secret-file", secret])
    assert code == 0
    assert capsys.readouterr().out.startswith("loaded teams: T0001, T0002")
    with serving(tmp_path, url) as served:
        assert rtm_error(served, "xoxb-1-classic") is None


def test_workspace_load_names_the_file_and_place_of_an_error(
    database: tuple[str, str], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("teams: [{id: T1, state: frozen}]")
    url, secret = database
    assert main(["workspace", "load", str(bad), "--database", url, "--secret-file", secret]) == 2
    assert f"{bad}: teams[0].state: unknown state 'frozen'" in capsys.readouterr().err


def test_token_create_prints_a_token_the_server_accepts(
    database: tuple[str, str], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    url, secret = database
    options = ["--database", url, "--secret-file", secret]
    main(["workspace", "load", WORKSPACE_FILE, *options])
    capsys.readouterr()
    assert main(["token", "create", "--team", "T0001", "--user", "U0BOT", *options]) == 0
    token = capsys.readouterr().out.strip()
    assert token.startswith("xoxb-")
    with serving(tmp_path, url) as served:
        assert rtm_error(served, token) is None


def test_token_create_for_an_unknown_user_fails_clearly(
    database: tuple[str, str], capsys: pytest.CaptureFixture[str]
) -> None:
    url, secret = database
    options = ["--database", url, "--secret-file", secret]
    main(["workspace", "load", WORKSPACE_FILE, *options])
    assert main(["token", "create", "--team", "T0001", "--user", "U404", *options]) == 1
    assert "user_not_found: no user U404 in team T0001" in capsys.readouterr().err


def _signs_in(server: ServerThread, user: str, password: str) -> bool:
    client = Browserless(server.port)
    form = {"team": "T0001", "email": user, "password": password, "csrf": client.form_csrf()}
    return client.request("POST", "/signin", form).status == 303


def test_user_password_sets_a_password_read_from_stdin(
    database: tuple[str, str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    url, secret = database
    options = ["--database", url, "--secret-file", secret]
    main(["workspace", "load", WORKSPACE_FILE, *options])
    monkeypatch.setattr("sys.stdin", io.StringIO("dave-secret-1\n"))
    assert main(["user", "password", "U0004", *options]) == 0
    with serving(tmp_path, url) as served:
        assert _signs_in(served, "dave", "dave-secret-1")


def test_user_password_for_an_unknown_user_fails(
    database: tuple[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    url, secret = database
    monkeypatch.setattr("sys.stdin", io.StringIO("dave-secret-1\n"))
    assert main(["user", "password", "U404", "--database", url, "--secret-file", secret]) == 1


# slackline admin


def test_admin_apply_loads_a_file_into_the_running_server(
    server: ServerThread, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    extra = tmp_path / "extra.yaml"
    extra.write_text("teams: [{id: T0001, tokens: [{token: xoxb-extra, user: U0BOT}]}]")
    assert admin(server, "apply", str(extra)) == 0
    assert capsys.readouterr().out == f"applied {extra}: teams T0001\n"
    assert rtm_error(server, "xoxb-extra") is None


def test_admin_token_create_prints_only_the_new_token(
    server: ServerThread, capsys: pytest.CaptureFixture[str]
) -> None:
    argv = ["token", "create", "--team", "T0001", "--user", "U0002", "--type", "user"]
    assert admin(server, *argv, "--scopes", "rtm:stream,chat:write") == 0
    token = capsys.readouterr().out.strip()
    assert token.startswith("xoxp-") and rtm_error(server, token) is None


def test_admin_token_revoke_revokes_at_once(server: ServerThread) -> None:
    assert rtm_error(server, "xoxb-1-classic") is None
    assert admin(server, "token", "revoke", "xoxb-1-classic") == 0
    assert rtm_error(server, "xoxb-1-classic") == "token_revoked"


def test_admin_user_deactivate_deactivates_at_once(server: ServerThread) -> None:
    assert admin(server, "user", "deactivate", "U0001") == 0
    assert rtm_error(server, "xoxp-1-client") == "token_revoked"


def test_admin_user_password_sets_and_clears_a_password(
    server: ServerThread, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("sys.stdin", io.StringIO("dave-secret-2\n"))
    assert admin(server, "user", "password", "U0004") == 0
    assert _signs_in(server, "dave", "dave-secret-2")
    assert admin(server, "user", "password", "U0004", "--clear") == 0
    assert not _signs_in(server, "dave", "dave-secret-2")


def test_admin_user_signout_ends_the_web_sessions(
    server: ServerThread, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr("sys.stdin", io.StringIO("dave-secret-3\n"))
    admin(server, "user", "password", "U0004")
    assert _signs_in(server, "dave", "dave-secret-3")
    capsys.readouterr()
    assert admin(server, "user", "signout", "U0004") == 0
    assert capsys.readouterr().out == "ended 1 web sessions of U0004\n"


def test_admin_team_set_changes_the_state_at_once(server: ServerThread) -> None:
    assert admin(server, "team", "set", "T0001", "--state", "migrating") == 0
    assert rtm_error(server, "xoxb-1-classic") == "migration_in_progress"


def test_admin_team_set_changes_policies(server: ServerThread) -> None:
    assert admin(server, "team", "set", "T0001", "--require-2fa", "on") == 0
    assert rtm_error(server, "xoxp-2-stream") == "two_factor_setup_required"


def test_admin_reads_the_url_and_token_from_the_environment(
    server: ServerThread, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SLACKLINE_URL", server.base_url)
    monkeypatch.setenv("SLACKLINE_ADMIN_TOKEN", ADMIN_TOKEN)
    assert main(["admin", "token", "revoke", "xoxb-1-classic"]) == 0
    assert rtm_error(server, "xoxb-1-classic") == "token_revoked"


def test_admin_with_a_wrong_token_fails_with_the_servers_error(
    server: ServerThread, capsys: pytest.CaptureFixture[str]
) -> None:
    argv = ["admin", "token", "revoke", "xoxb-1-classic", "--url", server.base_url]
    assert main([*argv, "--admin-token", "wrong"]) == 1
    assert "invalid_auth" in capsys.readouterr().err
    assert rtm_error(server, "xoxb-1-classic") is None


def test_admin_reports_a_server_error_detail(
    server: ServerThread, capsys: pytest.CaptureFixture[str]
) -> None:
    assert admin(server, "token", "revoke", "xoxb-never-issued") == 1
    assert "slackline: error: token_not_found: no such token" in capsys.readouterr().err


def test_admin_reports_an_unreachable_server(capsys: pytest.CaptureFixture[str]) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    argv = ["admin", "user", "deactivate", "U1", "--admin-token", "x"]
    assert main([*argv, "--url", f"http://127.0.0.1:{port}"]) == 1
    assert f"unreachable: cannot reach http://127.0.0.1:{port}" in capsys.readouterr().err


def test_the_console_script_creates_a_token_through_the_admin_api(server: ServerThread) -> None:
    completed = subprocess.run(
        [str(CONSOLE_SCRIPT), "admin", "token", "create", "--team", "T0001", "--user", "U0BOT"],
        env={"SLACKLINE_URL": server.base_url, "SLACKLINE_ADMIN_TOKEN": ADMIN_TOKEN},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert completed.returncode == 0, completed.stderr
    assert rtm_error(server, completed.stdout.strip()) is None
