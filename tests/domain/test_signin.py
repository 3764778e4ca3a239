"""The pure rules of signing in (domain/signin.py): passwords that may be set, whom a login
names, safe redirects and the rate-limit buckets of an attempt."""

from __future__ import annotations

import pytest

from slackline.domain.models import Team, User
from slackline.domain.signin import (
    MAX_PASSWORD_CHARS,
    SIGNIN_RATE,
    PasswordError,
    attempt_keys,
    check_password,
    find_person,
    find_team,
    safe_redirect,
)

TEAMS = [Team("T1", "Acme", "acme"), Team("T2", "Globex", "globex")]
ALICE = User("U1", "T1", "alice", profile={"email": "Alice@Acme.test"})
BOT = User("UB", "T1", "pongbot", is_bot=True, bot_id="B1")


def test_a_password_of_eight_characters_may_be_set() -> None:
    assert check_password("12345678") == "12345678"


@pytest.mark.parametrize(
    "password", ["1234567", "x" * (MAX_PASSWORD_CHARS + 1), "with\0nul-char", 12345678]
)
def test_a_password_too_short_too_long_or_not_text_is_refused(password: object) -> None:
    with pytest.raises(PasswordError):
        check_password(password)


def test_a_team_is_named_by_its_id_or_its_domain_in_any_case() -> None:
    assert find_team(TEAMS, "T2") == TEAMS[1]
    assert find_team(TEAMS, " ACME ") == TEAMS[0]
    assert find_team(TEAMS, "t2") is None


def test_a_person_is_named_by_email_or_user_name_in_any_case() -> None:
    assert find_person([ALICE], "alice@acme.TEST") == ALICE
    assert find_person([ALICE], "Alice") == ALICE
    assert find_person([ALICE], "") is None


def test_a_bot_never_signs_in() -> None:
    assert find_person([BOT], "pongbot") is None


@pytest.mark.parametrize("target", ["/", "/inspector", "/?c=C1#end"])
def test_a_path_on_this_server_is_a_safe_redirect(target: str) -> None:
    assert safe_redirect(target) == target


@pytest.mark.parametrize(
    "target", ["https://evil.test/", "//evil.test/", "/\\evil.test", "/a\r\nx: y", "", "x"]
)
def test_anything_else_redirects_home(target: str) -> None:
    assert safe_redirect(target) == "/"


def test_an_attempt_counts_against_its_account_as_typed_and_its_address() -> None:
    assert attempt_keys(" Acme", "Bob@x ", "192.0.2.1") == (
        ("signin-account", "acme", "bob@x"),
        ("signin-address", "192.0.2.1"),
    )


def test_five_attempts_are_allowed_per_fifteen_minutes() -> None:
    assert SIGNIN_RATE.burst == 5
    assert SIGNIN_RATE.per_minute * 15 == pytest.approx(5)
