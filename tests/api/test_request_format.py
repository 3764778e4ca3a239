"""Request-format errors, warnings and token locations over real HTTP (decisions A.2-A.8)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from slackline.testing.server import ServerThread, exchange
from tests.helpers.http import HttpResult, http_request, start_server

JSON_UTF8 = "application/json; charset=utf-8"
FORM = "application/x-www-form-urlencoded"
BEARER = {"Authorization": "Bearer xoxb-1-classic"}


def post(
    server: ServerThread,
    body: bytes | str,
    content_type: str | None,
    *,
    path: str = "/api/rtm.connect",
    token: str | None = "xoxb-1-classic",
) -> HttpResult:
    """POST a raw body with the given Content-Type (None sends none)."""
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    if content_type is not None:
        headers["Content-Type"] = content_type
    return http_request(server.port, "POST", path, body, headers)


def assert_error(result: HttpResult, code: str) -> None:
    """A plain ok:false body with HTTP 200 and the JSON content type."""
    assert result.status == 200
    assert result.body == {"ok": False, "error": code}
    assert result.headers["content-type"] == JSON_UTF8
    assert result.headers["x-slack-req-id"]


def multipart(boundary: str, fields: dict[str, str]) -> bytes:
    """A multipart/form-data body with the given text fields."""
    parts = [
        f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'
        for name, value in fields.items()
    ]
    return ("".join(parts) + f"--{boundary}--\r\n").encode()


@pytest.fixture
def timeout_server(tmp_path: Path) -> Iterator[ServerThread]:
    """A private server whose body timeout is 0.3 s."""
    thread = start_server(tmp_path, body_timeout_secs=0.3)
    yield thread
    thread.stop()


@pytest.fixture
def no_query_tokens(tmp_path: Path) -> Iterator[ServerThread]:
    """A private server with query-string tokens configured off."""
    thread = start_server(tmp_path, query_tokens=False)
    yield thread
    thread.stop()


# Post types and charsets


def test_a_post_body_without_content_type_is_missing_post_type(server: ServerThread) -> None:
    assert_error(post(server, "a=1", None), "missing_post_type")


def test_an_xml_body_is_invalid_post_type(server: ServerThread) -> None:
    assert_error(post(server, "<a/>", "application/xml; charset=utf-8"), "invalid_post_type")


def test_an_unknown_charset_is_invalid_charset(server: ServerThread) -> None:
    assert_error(post(server, "{}", "application/json; charset=koi8-r"), "invalid_charset")


def test_an_empty_body_is_valid_with_any_content_type(server: ServerThread) -> None:
    assert post(server, b"", "image/png").body["ok"] is True


def test_an_empty_body_is_valid_whatever_charset_it_names(server: ServerThread) -> None:
    assert post(server, b"", f"{FORM}; charset=koi8-r").body["ok"] is True


def test_an_unknown_charset_on_a_form_is_invalid_charset_and_still_superfluous(
    server: ServerThread,
) -> None:
    result = post(server, "presence_sub=1", f"{FORM}; charset=koi8-r")
    assert result.body == {
        "ok": False,
        "error": "invalid_charset",
        "warning": "superfluous_charset",
        "response_metadata": {"warnings": ["superfluous_charset"]},
    }


def test_an_iso_8859_1_form_is_decoded_as_latin_1(server: ServerThread) -> None:
    result = post(server, b"presence_sub=1&note=caf\xe9", f"{FORM}; charset=iso-8859-1")
    assert result.body["ok"] is True


def test_text_plain_is_parsed_as_urlencoded(server: ServerThread) -> None:
    result = post(server, "batch_presence_aware=maybe", "text/plain; charset=utf-8")
    assert_error(result, "invalid_arguments")


# Broken bodies


def test_a_bad_percent_escape_is_invalid_form_data(server: ServerThread) -> None:
    assert_error(post(server, "presence_sub=%zz", FORM), "invalid_form_data")


def test_a_bad_percent_escape_in_the_query_is_invalid_form_data(server: ServerThread) -> None:
    result = http_request(server.port, "GET", "/api/rtm.connect?x=%G1", headers=BEARER)
    assert_error(result, "invalid_form_data")


def test_multipart_without_a_boundary_is_invalid_form_data(server: ServerThread) -> None:
    body = multipart("abc", {"presence_sub": "1"})
    assert_error(post(server, body, "multipart/form-data"), "invalid_form_data")


def test_multipart_with_the_wrong_boundary_is_invalid_form_data(server: ServerThread) -> None:
    body = multipart("abc", {"presence_sub": "1"})
    assert_error(post(server, body, "multipart/form-data; boundary=xyz"), "invalid_form_data")


def test_a_well_formed_multipart_body_is_accepted(server: ServerThread) -> None:
    body = multipart("abc", {"presence_sub": "1", "token": "xoxb-1-classic"})
    result = post(server, body, "multipart/form-data; boundary=abc", token=None)
    assert result.body["ok"] is True


def test_a_body_shorter_than_content_length_then_half_close_is_request_timeout(
    server: ServerThread,
) -> None:
    request = (
        b"POST /api/rtm.connect HTTP/1.1\r\nHost: 127.0.0.1\r\n"
        b"Authorization: Bearer xoxb-1-classic\r\n"
        b"Content-Type: application/x-www-form-urlencoded\r\nContent-Length: 100\r\n\r\n"
        b"presence_sub=1"
    )
    [response] = exchange(server.port, request, half_close=True)
    assert response.status == 200
    assert response.json() == {"ok": False, "error": "request_timeout"}
    assert response.headers["content-type"] == JSON_UTF8
    assert response.headers["connection"] == "close"


def test_a_body_that_stops_arriving_is_request_timeout_after_the_body_timeout(
    timeout_server: ServerThread,
) -> None:
    request = (
        b"POST /api/rtm.connect HTTP/1.1\r\nHost: 127.0.0.1\r\n"
        b"Content-Type: application/x-www-form-urlencoded\r\nContent-Length: 100\r\n\r\n"
        b"presence_sub=1"
    )
    [response] = exchange(timeout_server.port, request, timeout_secs=3.0)
    assert response.status == 200
    assert response.json() == {"ok": False, "error": "request_timeout"}


# Argument names and values


def test_an_argument_name_over_64_characters_is_invalid_arg_name(server: ServerThread) -> None:
    assert_error(post(server, f"{'a' * 65}=1", FORM), "invalid_arg_name")


def test_an_argument_name_of_64_characters_is_accepted(server: ServerThread) -> None:
    assert post(server, f"{'a' * 64}=1", FORM).body["ok"] is True


def test_an_argument_name_with_a_hyphen_is_invalid_arg_name(server: ServerThread) -> None:
    assert_error(post(server, "presence-sub=1", FORM), "invalid_arg_name")


def test_an_array_argument_is_invalid_array_arg(server: ServerThread) -> None:
    assert_error(post(server, "foo[]=1", FORM), "invalid_array_arg")


def test_an_indexed_array_argument_in_the_query_is_invalid_array_arg(
    server: ServerThread,
) -> None:
    result = http_request(server.port, "GET", "/api/rtm.connect?foo%5B7%5D=1", headers=BEARER)
    assert_error(result, "invalid_array_arg")


def test_a_boolean_that_is_neither_true_nor_false_is_invalid_arguments(
    server: ServerThread,
) -> None:
    assert_error(post(server, "batch_presence_aware=maybe", FORM), "invalid_arguments")


@pytest.mark.parametrize("value", ["1", "true", "TRUE", "0", "false", "False", ""])
def test_slack_booleans_are_accepted_in_any_case(server: ServerThread, value: str) -> None:
    assert post(server, f"batch_presence_aware={value}", FORM).body["ok"] is True


def test_unknown_arguments_are_ignored(server: ServerThread) -> None:
    assert post(server, "simple_latest=1&whatever=x", FORM).body["ok"] is True


# JSON bodies


def test_a_json_body_that_does_not_parse_is_invalid_json(server: ServerThread) -> None:
    result = post(server, "{not json", "application/json; charset=utf-8")
    assert_error(result, "invalid_json")


def test_a_json_array_body_is_json_not_object(server: ServerThread) -> None:
    result = post(server, "[1, 2]", "application/json; charset=utf-8")
    assert_error(result, "json_not_object")


def test_a_json_object_body_with_a_header_token_is_accepted(server: ServerThread) -> None:
    body = json.dumps({"batch_presence_aware": True})
    assert post(server, body, "application/json; charset=utf-8").body["ok"] is True


def test_a_token_inside_a_json_body_is_ignored(server: ServerThread) -> None:
    body = json.dumps({"token": "xoxb-1-classic"})
    result = post(server, body, "application/json; charset=utf-8", token=None)
    assert_error(result, "not_authed")


def test_a_query_token_is_ignored_with_a_json_body(server: ServerThread) -> None:
    result = post(
        server,
        "{}",
        "application/json; charset=utf-8",
        path="/api/rtm.connect?token=xoxb-1-classic",
        token=None,
    )
    assert_error(result, "not_authed")


def test_a_json_boolean_is_checked_like_a_form_one(server: ServerThread) -> None:
    body = json.dumps({"batch_presence_aware": "maybe"})
    assert_error(post(server, body, "application/json; charset=utf-8"), "invalid_arguments")


# Warnings


def test_json_without_a_charset_warns_missing_charset_on_success(server: ServerThread) -> None:
    result = post(server, "{}", "application/json")
    assert result.body["ok"] is True
    assert result.body["warning"] == "missing_charset"
    assert result.body["response_metadata"] == {"warnings": ["missing_charset"]}


def test_a_charset_on_a_form_warns_superfluous_charset_on_success(server: ServerThread) -> None:
    result = post(server, "presence_sub=1", f"{FORM}; charset=utf-8")
    assert result.body["ok"] is True
    assert result.body["warning"] == "superfluous_charset"
    assert result.body["response_metadata"] == {"warnings": ["superfluous_charset"]}


def test_missing_charset_rides_on_a_failure_too(server: ServerThread) -> None:
    result = post(server, "{}", "application/json", token="xoxb-3-revoked")
    assert result.status == 200
    assert result.body == {
        "ok": False,
        "error": "token_revoked",
        "warning": "missing_charset",
        "response_metadata": {"warnings": ["missing_charset"]},
    }


def test_superfluous_charset_rides_on_a_failure_too(server: ServerThread) -> None:
    result = post(server, "presence_sub=1", f"{FORM}; charset=utf-8", token=None)
    assert result.body == {
        "ok": False,
        "error": "not_authed",
        "warning": "superfluous_charset",
        "response_metadata": {"warnings": ["superfluous_charset"]},
    }


def test_text_plain_without_a_charset_warns_missing_charset(server: ServerThread) -> None:
    result = post(server, "presence_sub=1", "text/plain")
    assert result.body["ok"] is True
    assert result.body["warning"] == "missing_charset"


def test_a_form_without_a_charset_has_no_warning(server: ServerThread) -> None:
    result = post(server, "presence_sub=1", FORM)
    assert result.body["ok"] is True
    assert "warning" not in result.body
    assert "response_metadata" not in result.body


# Token location (decisions A.5)


def test_a_query_string_token_is_accepted(server: ServerThread) -> None:
    result = http_request(server.port, "GET", "/api/rtm.connect?token=xoxb-1-classic")
    assert result.body["ok"] is True


def test_a_form_token_is_accepted(server: ServerThread) -> None:
    result = post(server, "token=xoxp-1-client", FORM, token=None)
    assert result.body["self"]["id"] == "U0001"


def test_the_bearer_header_wins_over_a_form_token(server: ServerThread) -> None:
    result = post(server, "token=xoxp-1-client", FORM, token="xoxb-1-classic")
    assert result.body["self"]["id"] == "U0BOT"


def test_a_form_token_wins_over_a_query_token(server: ServerThread) -> None:
    result = post(
        server,
        "token=xoxp-1-client",
        FORM,
        path="/api/rtm.connect?token=xoxb-1-classic",
        token=None,
    )
    assert result.body["self"]["id"] == "U0001"


def test_the_bearer_header_wins_over_a_query_token(server: ServerThread) -> None:
    result = http_request(
        server.port,
        "GET",
        "/api/rtm.connect?token=xoxp-1-client",
        headers={"Authorization": "Bearer xoxb-1-classic"},
    )
    assert result.body["self"]["id"] == "U0BOT"


def test_a_losing_invalid_token_does_not_matter(server: ServerThread) -> None:
    result = post(server, "token=xoxb-bogus", FORM, token="xoxb-1-classic")
    assert result.body["ok"] is True


def test_query_tokens_configured_off_are_ignored(no_query_tokens: ServerThread) -> None:
    result = http_request(no_query_tokens.port, "GET", "/api/rtm.connect?token=xoxb-1-classic")
    assert_error(result, "not_authed")
