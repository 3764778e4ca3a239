"""Reading ``Cookie`` and writing ``Set-Cookie`` (http/cookies.py)."""

from __future__ import annotations

from slackline.http.cookies import cookie_value, set_cookie


def test_a_cookie_is_read_by_name_among_others() -> None:
    assert cookie_value("a=1; d=secret-value; b=2", "d") == "secret-value"


def test_a_missing_cookie_or_header_is_none() -> None:
    assert cookie_value("a=1", "d") is None
    assert cookie_value(None, "d") is None


def test_the_first_of_two_cookies_of_one_name_wins() -> None:
    assert cookie_value("d=first; d=second", "d") == "first"


def test_a_quoted_value_is_unquoted() -> None:
    assert cookie_value('d="abc"', "d") == "abc"


def test_a_value_with_characters_rfc_6265_forbids_is_absent() -> None:
    assert cookie_value("d=a b\\c", "d") is None


def test_a_cookie_is_set_httponly_lax_on_every_path() -> None:
    assert set_cookie("d", "v", secure=False) == "d=v; HttpOnly; SameSite=Lax; Path=/"


def test_a_secure_cookie_with_an_age_says_so() -> None:
    assert set_cookie("d", "", secure=True, max_age_secs=0) == (
        "d=; HttpOnly; SameSite=Lax; Path=/; Max-Age=0; Secure"
    )
