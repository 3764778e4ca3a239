"""Passwords and web sessions (services/web_sessions.py), in-process on a manual clock: what
is stored is only hashes, a session is found by its cookie until it expires or ends, and a
deactivated person cannot sign in."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path

import pytest

from slackline.app import App, Components, create_app
from slackline.clock import ManualClock
from slackline.config import Settings
from slackline.domain.signin import SESSION_TTL_SECS
from slackline.services.web_sessions import SignInRefusedError
from tests.helpers.http import TEST_SECRET, WORKSPACE_FILE

PASSWORD = "dave-password"


@pytest.fixture
def app(tmp_path: Path) -> Iterator[tuple[asyncio.Runner, App, ManualClock]]:
    """An application on a manual clock where dave (U0004 of T0001) has a password."""
    settings = Settings(
        database=f"sqlite:///{tmp_path / 'db'}",
        workspaces=(WORKSPACE_FILE,),
        secret_file=str(tmp_path / "secret"),
    )
    clock = ManualClock()
    with asyncio.Runner() as runner:
        started = create_app(settings, Components(secret=TEST_SECRET, clock=clock))
        runner.run(started.start())
        assert runner.run(started.web_sessions.set_password("U0004", PASSWORD))
        yield runner, started, clock
        runner.run(started.close())


def test_only_hashes_of_the_session_and_its_token_are_stored(
    app: tuple[asyncio.Runner, App, ManualClock],
) -> None:
    runner, server, _ = app
    opened = runner.run(server.web_sessions.sign_in("T0001", "dave", PASSWORD, "192.0.2.1"))
    token = server.web_sessions.client_token(opened.cookie_secret)
    assert opened.record.cookie_hash != opened.cookie_secret
    stored = runner.run(server.store.get_token(opened.record.token_hash))
    assert stored is not None and stored.hash == server.identities.hash(token)
    assert token not in {t.hash for t in runner.run(server.store.list_tokens("T0001"))}
    password = runner.run(server.store.web_sessions.get_password("U0004"))
    assert password is not None and PASSWORD not in password


def test_a_session_is_found_until_it_expires(app: tuple[asyncio.Runner, App, ManualClock]) -> None:
    runner, server, clock = app
    opened = runner.run(server.web_sessions.sign_in("T0001", "dave", PASSWORD, "192.0.2.1"))
    live = runner.run(server.web_sessions.find(opened.cookie_secret))
    assert live is not None and live.identity.user.id == "U0004"
    clock.advance(SESSION_TTL_SECS + 1)
    assert runner.run(server.web_sessions.find(opened.cookie_secret)) is None


def test_an_ended_session_is_not_found(app: tuple[asyncio.Runner, App, ManualClock]) -> None:
    runner, server, _ = app
    opened = runner.run(server.web_sessions.sign_in("T0001", "dave", PASSWORD, "192.0.2.1"))
    assert runner.run(server.web_sessions.sign_out(opened.cookie_secret)) is True
    assert runner.run(server.web_sessions.find(opened.cookie_secret)) is None
    assert runner.run(server.web_sessions.sign_out(opened.cookie_secret)) is False


def test_a_deactivated_person_cannot_sign_in(app: tuple[asyncio.Runner, App, ManualClock]) -> None:
    runner, server, _ = app
    assert runner.run(server.workspaces.deactivate_user("U0004"))
    with pytest.raises(SignInRefusedError):
        runner.run(server.web_sessions.sign_in("T0001", "dave", PASSWORD, "192.0.2.1"))


def test_the_sixth_attempt_in_a_row_is_limited_even_with_the_right_password(
    app: tuple[asyncio.Runner, App, ManualClock],
) -> None:
    runner, server, _ = app
    for _ in range(5):
        with pytest.raises(SignInRefusedError):
            runner.run(server.web_sessions.sign_in("T0001", "dave", "wrong-one", "192.0.2.1"))
    with pytest.raises(SignInRefusedError) as limited:
        runner.run(server.web_sessions.sign_in("T0001", "dave", PASSWORD, "192.0.2.2"))
    assert limited.value.retry_after_secs is not None
