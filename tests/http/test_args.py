"""Pure request-format parsing (http/args.py, decisions A.2-A.8)."""

from __future__ import annotations

import pytest

from slackline.errors import SlackError, SlackErrorCode, SlackWarningCode
from slackline.http.args import (
    bearer_token,
    charset_warnings,
    check_arg_name,
    json_args_text,
    parse_arguments,
    parse_bool,
    parse_content_type,
    parse_urlencoded,
)
from slackline.http.multipart import parse_multipart

FORM = "application/x-www-form-urlencoded"


def error_of(call: object, *args: object, **kwargs: object) -> SlackErrorCode:
    """The Slack error code a call raises."""
    assert callable(call)
    with pytest.raises(SlackError) as raised:
        call(*args, **kwargs)
    return raised.value.code


def test_content_type_is_split_into_a_lower_case_type_and_parameters() -> None:
    ctype = parse_content_type('Multipart/Form-Data; Boundary="abc"; charset=UTF-8')
    assert ctype.mime == "multipart/form-data"
    assert ctype.params == {"boundary": "abc", "charset": "UTF-8"}
    assert ctype.charset == "utf-8"


@pytest.mark.parametrize("value", ["1", "true", "TRUE", " True "])
def test_truthy_booleans(value: str) -> None:
    assert parse_bool(value) is True


@pytest.mark.parametrize("value", ["0", "false", "FALSE", ""])
def test_falsy_booleans(value: str) -> None:
    assert parse_bool(value) is False


@pytest.mark.parametrize("value", ["yes", "2", "maybe"])
def test_other_booleans_are_invalid_arguments(value: str) -> None:
    assert error_of(parse_bool, value) is SlackErrorCode.INVALID_ARGUMENTS


def test_a_name_with_a_bracket_is_an_array_arg() -> None:
    assert error_of(check_arg_name, "a[b") is SlackErrorCode.INVALID_ARRAY_ARG


def test_a_65_character_name_is_invalid() -> None:
    assert error_of(check_arg_name, "x" * 65) is SlackErrorCode.INVALID_ARG_NAME


def test_an_empty_name_is_invalid() -> None:
    assert error_of(check_arg_name, "") is SlackErrorCode.INVALID_ARG_NAME


def test_a_64_character_name_with_digits_and_underscores_is_fine() -> None:
    check_arg_name("a_1" * 21 + "z")


def test_urlencoded_decodes_plus_and_percent_escapes() -> None:
    assert parse_urlencoded(b"a=x+y%21&b=&c") == [("a", "x y!"), ("b", ""), ("c", "")]


def test_urlencoded_rejects_a_truncated_escape() -> None:
    with pytest.raises(ValueError, match="percent"):
        parse_urlencoded(b"a=%4")


def test_urlencoded_rejects_bytes_that_are_not_utf_8() -> None:
    with pytest.raises(UnicodeDecodeError):
        parse_urlencoded(b"a=%ff")


def test_multipart_yields_its_text_fields() -> None:
    body = b'--b\r\nContent-Disposition: form-data; name="a"\r\n\r\n1\r\n--b--\r\n'
    assert parse_multipart(body, "multipart/form-data; boundary=b") == [("a", "1")]


def test_multipart_without_a_boundary_parameter_is_broken() -> None:
    with pytest.raises(ValueError, match="boundary"):
        parse_multipart(b"--b\r\n\r\n--b--\r\n", "multipart/form-data")


def test_charset_on_a_form_is_superfluous() -> None:
    assert charset_warnings(f"{FORM}; charset=utf-8") == [SlackWarningCode.SUPERFLUOUS_CHARSET]


def test_json_without_charset_is_missing_one() -> None:
    assert charset_warnings("application/json") == [SlackWarningCode.MISSING_CHARSET]


def test_no_content_type_has_no_warnings() -> None:
    assert charset_warnings(None) == []


def test_body_fields_win_over_query_fields() -> None:
    parsed = parse_arguments("POST", b"a=query&b=2", b"a=body", FORM)
    assert parsed.args == {"a": "body", "b": "2"}


def test_tokens_are_kept_apart_from_arguments() -> None:
    parsed = parse_arguments("POST", b"token=q", b"token=f", FORM)
    assert (parsed.query_token, parsed.body_token, parsed.args) == ("q", "f", {})


def test_query_tokens_can_be_switched_off() -> None:
    parsed = parse_arguments("GET", b"token=q", b"", None, query_tokens=False)
    assert parsed.query_token is None


def test_json_bodies_yield_no_tokens() -> None:
    parsed = parse_arguments("POST", b"token=q", b'{"token": "j", "n": 3}', "application/json")
    assert (parsed.query_token, parsed.body_token, parsed.args) == (None, None, {"n": "3"})


def test_json_null_means_absent_and_booleans_become_words() -> None:
    parsed = parse_arguments("POST", b"", b'{"a": null, "b": true}', "application/json")
    assert parsed.args == {"b": "true"}


def test_a_post_body_without_type_is_missing_post_type() -> None:
    code = error_of(parse_arguments, "POST", b"", b"a=1", None)
    assert code is SlackErrorCode.MISSING_POST_TYPE


def test_a_get_body_without_type_is_ignored() -> None:
    assert parse_arguments("GET", b"", b"a=1", None).args == {}


def test_an_unknown_type_is_invalid_post_type() -> None:
    code = error_of(parse_arguments, "POST", b"", b"<a/>", "application/xml")
    assert code is SlackErrorCode.INVALID_POST_TYPE


def test_an_unknown_charset_is_invalid_charset() -> None:
    code = error_of(parse_arguments, "POST", b"", b"a=1", f"{FORM}; charset=koi8-r")
    assert code is SlackErrorCode.INVALID_CHARSET


def test_an_empty_body_ignores_the_content_type() -> None:
    assert parse_arguments("POST", b"a=1", b"", "image/png; charset=x").args == {"a": "1"}


def test_a_broken_form_is_invalid_form_data() -> None:
    assert error_of(parse_arguments, "POST", b"", b"a=%", FORM) is SlackErrorCode.INVALID_FORM_DATA


def test_a_broken_query_is_invalid_form_data() -> None:
    assert error_of(parse_arguments, "GET", b"a=%z1", b"", None) is SlackErrorCode.INVALID_FORM_DATA


def test_broken_json_is_invalid_json() -> None:
    code = error_of(parse_arguments, "POST", b"", b"{", "application/json")
    assert code is SlackErrorCode.INVALID_JSON


def test_a_json_string_is_json_not_object() -> None:
    code = error_of(parse_arguments, "POST", b"", b'"x"', "application/json")
    assert code is SlackErrorCode.JSON_NOT_OBJECT


def test_a_bad_name_in_a_json_body_is_invalid_arg_name() -> None:
    code = error_of(parse_arguments, "POST", b"", b'{"a b": 1}', "application/json")
    assert code is SlackErrorCode.INVALID_ARG_NAME


def test_bearer_token_reads_the_credentials() -> None:
    assert bearer_token("Bearer  xoxb-1 ") == "xoxb-1"


def test_bearer_scheme_is_case_insensitive() -> None:
    assert bearer_token("bearer xoxb-1") == "xoxb-1"


@pytest.mark.parametrize("header", [None, "Basic abc", "Bearer", "Bearer   "])
def test_other_authorization_headers_carry_no_token(header: str | None) -> None:
    assert bearer_token(header) is None


def test_json_arguments_become_the_strings_a_form_body_would_carry() -> None:
    given = {"flag": True, "n": 3, "blocks": [{"type": "x"}], "none": None, "text": "hi"}
    assert json_args_text(given) == {
        "flag": "true",
        "n": "3",
        "blocks": '[{"type":"x"}]',
        "text": "hi",
    }
