"""The pure rules of apps and their OAuth installs (domain/apps.py): app definitions, which
redirect URLs match a registered one, the checks of an authorize request and their order,
where the browser is sent, HTTP Basic client credentials and what an approval grants."""

from __future__ import annotations

import base64
import dataclasses
from urllib.parse import parse_qsl, urlsplit

import pytest
from hypothesis import given
from hypothesis import strategies as st

from slackline.domain.apps import (
    MAX_SCOPES,
    MAX_STATE_CHARS,
    AppKind,
    AppRecord,
    AppSpecError,
    AppTokenKind,
    AuthorizeError,
    AuthorizeRequest,
    OAuthFlow,
    approved_location,
    basic_credentials,
    bot_name_for,
    check_app_name,
    check_authorize,
    check_redirect_url,
    check_redirect_urls,
    check_scope_set,
    denied_location,
    granted_scope_text,
    parse_scopes,
    plan_grant,
    redirect_allowed,
    with_query,
)
from slackline.domain.models import DEFAULT_SCOPES, TokenType

REGISTERED = ("https://bot.example:8443/oauth/cb",)
CLASSIC = AppRecord(
    id="A1",
    team_id="T1",
    name="Weather Bot",
    kind=AppKind.CLASSIC,
    client_id="111.222",
    client_secret_hash="h",
    signing_secret_box="b",
    redirect_urls=REGISTERED,
    scopes=("bot", "client", "channels:read"),
)
GRANULAR = dataclasses.replace(
    CLASSIC, kind=AppKind.GRANULAR, scopes=("chat:write",), user_scopes=("search:read",)
)
_SCOPE_TEXT = st.from_regex(r"[a-z][a-z0-9_]{0,8}(:[a-z]{1,6})?", fullmatch=True)


def _authorize(
    app: AppRecord | None = CLASSIC, flow: OAuthFlow = OAuthFlow.V1, **args: str
) -> AuthorizeRequest:
    fields = {"team_id": "T1", "scope": "bot", "user_scope": "", "redirect_uri": "", "state": ""}
    fields |= args
    return check_authorize(app, flow, **fields)


def _error_of(app: AppRecord | None = CLASSIC, flow: OAuthFlow = OAuthFlow.V1, **args: str) -> str:
    with pytest.raises(AuthorizeError) as refused:
        _authorize(app, flow, **args)
    return refused.value.code


# --- app definitions -------------------------------------------------------------------------


def test_scopes_are_read_from_text_split_by_commas_or_spaces() -> None:
    assert parse_scopes("bot, client  channels:read", "scope") == ("bot", "client", "channels:read")


def test_scopes_keep_their_order_and_appear_once() -> None:
    assert parse_scopes(["chat:write", "bot", "chat:write"], "scopes") == ("chat:write", "bot")


def test_no_scope_text_is_no_scopes() -> None:
    assert parse_scopes(" , ", "scope") == ()


@pytest.mark.parametrize("value", ["Bot", "chat:", "a b:c:", 7, ["ok", 3], {"bot": 1}, "é"])
def test_what_is_not_a_scope_name_is_refused(value: object) -> None:
    with pytest.raises(AppSpecError, match="scope"):
        parse_scopes(value, "scope")


def test_more_than_the_maximum_of_scopes_is_refused() -> None:
    with pytest.raises(AppSpecError, match="at most"):
        parse_scopes([f"s{n}" for n in range(MAX_SCOPES + 1)], "scopes")


@given(st.lists(_SCOPE_TEXT, max_size=12))
def test_scopes_written_as_text_read_back_as_the_list(scopes: list[str]) -> None:
    assert parse_scopes(",".join(scopes), "scope") == tuple(dict.fromkeys(scopes))


def test_an_app_name_is_trimmed() -> None:
    assert check_app_name("  Weather Bot ") == "Weather Bot"


@pytest.mark.parametrize("value", ["", "   ", "x" * 36, "tab\tbot", None, 5])
def test_an_empty_long_control_or_non_text_name_is_refused(value: object) -> None:
    with pytest.raises(AppSpecError, match="name"):
        check_app_name(value)


@pytest.mark.parametrize("url", ["http://127.0.0.1:9999/cb", "https://bot.example/a/b?x=1"])
def test_an_absolute_http_url_may_be_a_redirect_url(url: str) -> None:
    assert check_redirect_url(url) == url


@pytest.mark.parametrize(
    "url",
    [
        "ftp://bot.example/cb",
        "/oauth/cb",
        "https://bot.example/cb#frag",
        "https://bot.example/c b",
        "https:///cb",
        "https://bot.example:99999/cb",
        "https://bot.example:port/cb",
        "https://bot.example\\@evil.example/cb",
        42,
    ],
)
def test_a_relative_odd_or_fragment_url_is_no_redirect_url(url: object) -> None:
    with pytest.raises(AppSpecError, match="redirect_urls"):
        check_redirect_url(url)


def test_one_redirect_url_as_text_is_a_list_of_one() -> None:
    assert check_redirect_urls("http://127.0.0.1/cb") == ("http://127.0.0.1/cb",)


@pytest.mark.parametrize("value", [[], None, ["http://ok.example/"] * 21])
def test_no_or_too_many_redirect_urls_are_refused(value: object) -> None:
    with pytest.raises(AppSpecError, match="redirect_urls"):
        check_redirect_urls(value)


def test_a_classic_app_has_no_user_scopes() -> None:
    with pytest.raises(AppSpecError, match="user_scopes"):
        check_scope_set(AppKind.CLASSIC, ("bot",), ("search:read",))


def test_a_granular_app_cannot_ask_for_the_classic_bot_scope() -> None:
    with pytest.raises(AppSpecError, match="'bot'"):
        check_scope_set(AppKind.GRANULAR, ("bot",), ())


def test_an_app_asks_for_at_least_one_scope() -> None:
    with pytest.raises(AppSpecError, match="at least one"):
        check_scope_set(AppKind.GRANULAR, (), ())


@pytest.mark.parametrize(
    ("app_name", "bot_name"),
    [("Weather Bot", "weather_bot"), ("R2-D2.v3", "r2-d2.v3"), ("☀️☀️", "app"), ("x" * 30, "x" * 21)],
)
def test_a_bot_user_is_named_after_its_app(app_name: str, bot_name: str) -> None:
    assert bot_name_for(app_name) == bot_name


# --- redirect URLs ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "given_url",
    [
        "https://bot.example:8443/oauth/cb",
        "https://bot.example:8443/oauth/cb/",
        "https://bot.example:8443/oauth/cb/team/1",
        "https://BOT.example:8443/oauth/cb?after=1",
    ],
)
def test_the_registered_url_or_a_path_below_it_is_allowed(given_url: str) -> None:
    assert redirect_allowed(REGISTERED, given_url)


@pytest.mark.parametrize(
    "given_url",
    [
        "https://bot.example:8444/oauth/cb",  # another port
        "https://bot.example/oauth/cb",  # the default port is another port
        "http://bot.example:8443/oauth/cb",  # another scheme
        "https://evil.example:8443/oauth/cb",  # another host
        "https://bot.example.evil:8443/oauth/cb",
        "https://bot.example:8443/oauth/cbevil",  # a prefix of the path is not a parent
        "https://bot.example:8443/oauth",
        "https://bot.example:8443/oauth/cb#frag",
        "https://bot.example:8443/oauth/cb/../../admin",  # climbs out of the registered path
        "https://bot.example:8443/oauth/cb/%2e%2e/admin",
        "https://evil.example\\@bot.example:8443/oauth/cb",  # browsers read evil.example
        "https://user@bot.example:8443/oauth/cb",
        "https://bot.example:99999/oauth/cb",
        "/oauth/cb",
        "",
    ],
)
def test_another_origin_path_or_a_fragment_is_not_allowed(given_url: str) -> None:
    assert not redirect_allowed(REGISTERED, given_url)


def test_any_registered_url_may_match() -> None:
    registered = ("http://127.0.0.1:1/a", "http://127.0.0.1:2/b")
    assert redirect_allowed(registered, "http://127.0.0.1:2/b/c")


@given(st.lists(st.from_regex(r"[a-z0-9_-]{1,6}", fullmatch=True), max_size=4))
def test_a_path_below_the_registered_one_is_always_allowed(segments: list[str]) -> None:
    assert redirect_allowed(REGISTERED, "/".join([REGISTERED[0], *segments]))


# --- authorize requests ----------------------------------------------------------------------


def test_a_valid_classic_request_is_checked_into_what_approval_grants() -> None:
    checked = _authorize(scope="bot,channels:read", state="xyz")
    assert checked == AuthorizeRequest(
        CLASSIC, "T1", ("bot", "channels:read"), (), "", REGISTERED[0], "xyz"
    )


def test_a_given_redirect_url_is_where_the_browser_goes() -> None:
    given_url = REGISTERED[0] + "/team"
    assert _authorize(redirect_uri=given_url).target == given_url


def test_identify_may_always_be_asked_for() -> None:
    assert _authorize(scope="identify").scopes == ("identify",)


def test_an_unknown_client_id_is_invalid_client_id() -> None:
    assert _error_of(None) == "invalid_client_id"


def test_a_classic_app_on_the_v2_page_is_a_url_mismatch() -> None:
    assert _error_of(CLASSIC, OAuthFlow.V2) == "oauth_authorization_url_mismatch"


def test_a_granular_app_on_the_v1_page_is_a_url_mismatch() -> None:
    assert _error_of(GRANULAR, OAuthFlow.V1, scope="chat:write") == (
        "oauth_authorization_url_mismatch"
    )


def test_an_app_of_another_team_is_invalid_team() -> None:
    assert _error_of(team_id="T2") == "invalid_team"


def test_a_distributed_app_may_be_installed_in_another_team() -> None:
    distributed = dataclasses.replace(CLASSIC, distributed=True)
    assert _authorize(distributed, team_id="T2").team_id == "T2"


def test_a_redirect_url_not_registered_is_bad_redirect_uri() -> None:
    assert _error_of(redirect_uri="https://evil.example/cb") == "bad_redirect_uri"


def test_a_state_too_long_is_invalid_state() -> None:
    assert _error_of(state="s" * (MAX_STATE_CHARS + 1)) == "invalid_state"


def test_a_scope_the_app_does_not_request_is_invalid_scope() -> None:
    assert _error_of(scope="bot,admin") == "invalid_scope"


def test_a_malformed_scope_is_invalid_scope() -> None:
    assert _error_of(scope="Bot") == "invalid_scope"


def test_a_user_scope_on_the_v1_page_is_invalid_scope() -> None:
    assert _error_of(scope="bot", user_scope="search:read") == "invalid_scope"


def test_a_request_for_no_scope_is_no_scopes() -> None:
    assert _error_of(scope="") == "no_scopes"


def test_a_granular_request_may_ask_only_for_user_scopes() -> None:
    checked = _authorize(GRANULAR, OAuthFlow.V2, scope="", user_scope="search:read")
    assert (checked.scopes, checked.user_scopes) == ((), ("search:read",))


def test_a_user_scope_the_app_does_not_request_is_invalid_scope() -> None:
    error = _error_of(GRANULAR, OAuthFlow.V2, scope="chat:write", user_scope="chat:write")
    assert error == "invalid_scope"


@pytest.mark.parametrize(
    ("args", "code"),
    [
        # A bad team, redirect URL and scope at once: the team is named first.
        ({"team_id": "T2", "redirect_uri": "https://evil.example/", "scope": "x"}, "invalid_team"),
        # Then the redirect URL before the scopes: a bad redirect is never followed.
        ({"redirect_uri": "https://evil.example/", "scope": "nope"}, "bad_redirect_uri"),
        ({"state": "s" * (MAX_STATE_CHARS + 1), "scope": ""}, "invalid_state"),
    ],
)
def test_the_checks_run_in_their_documented_order(args: dict[str, str], code: str) -> None:
    assert _error_of(CLASSIC, OAuthFlow.V1, **args) == code


def test_the_flow_is_checked_before_the_team() -> None:
    assert _error_of(CLASSIC, OAuthFlow.V2, team_id="T2") == "oauth_authorization_url_mismatch"


# --- where the browser goes ------------------------------------------------------------------


def test_a_query_added_keeps_what_the_url_had() -> None:
    url = with_query("https://bot.example/cb?team=a%20b&x=", {"code": "c1", "state": "s&t"})
    assert parse_qsl(urlsplit(url).query, keep_blank_values=True) == [
        ("team", "a b"),
        ("x", ""),
        ("code", "c1"),
        ("state", "s&t"),
    ]


def test_approving_sends_the_browser_to_the_target_with_code_and_state() -> None:
    request = _authorize(state="xyz")
    query = dict(parse_qsl(urlsplit(approved_location(request, "C-1")).query))
    assert query == {"code": "C-1", "state": "xyz"}


def test_denying_sends_the_browser_back_with_access_denied() -> None:
    url = denied_location(_authorize(state="xyz"))
    assert url.startswith(REGISTERED[0] + "?")
    assert dict(parse_qsl(urlsplit(url).query)) == {"error": "access_denied", "state": "xyz"}


# --- client credentials ----------------------------------------------------------------------


def _basic(text: str) -> str:
    return "Basic " + base64.b64encode(text.encode()).decode()


def test_basic_credentials_are_the_client_id_and_secret() -> None:
    assert basic_credentials(_basic("111.222:s3cr:et")) == ("111.222", "s3cr:et")


def test_the_basic_scheme_is_case_insensitive() -> None:
    assert basic_credentials(_basic("id:secret").replace("Basic", "bASIC")) == ("id", "secret")


@pytest.mark.parametrize(
    "header", [None, "", "Bearer xoxb-1", "Basic", "Basic !!!not-base64", _basic("no-colon")]
)
def test_no_or_malformed_basic_credentials_are_none(header: str | None) -> None:
    assert basic_credentials(header) is None


def test_basic_credentials_that_are_not_utf8_are_none() -> None:
    assert basic_credentials("Basic " + base64.b64encode(b"\xff:\xfe").decode()) is None


# Text a header can carry as UTF-8: no lone surrogates (hypothesis found "\ud800", which
# has no UTF-8 form, so no client can send it).
_ENCODABLE = st.characters(blacklist_categories=["Cs"])
_ID_CHARACTERS = st.characters(blacklist_categories=["Cs"], blacklist_characters=":")


@given(st.text(alphabet=_ID_CHARACTERS, max_size=20), st.text(alphabet=_ENCODABLE, max_size=20))
def test_basic_credentials_read_back_what_was_encoded(client_id: str, secret: str) -> None:
    assert basic_credentials(_basic(f"{client_id}:{secret}")) == (client_id, secret)


# --- what an approval grants -----------------------------------------------------------------


def test_a_classic_install_with_bot_grants_a_user_token_and_a_classic_bot_token() -> None:
    grants = plan_grant(AppKind.CLASSIC, ("bot", "channels:read"), ())
    assert [(g.kind, g.type, g.scopes) for g in grants] == [
        (AppTokenKind.USER, TokenType.USER, ("identify", "channels:read")),
        (AppTokenKind.BOT, TokenType.CLASSIC_BOT, DEFAULT_SCOPES[TokenType.CLASSIC_BOT]),
    ]


def test_a_classic_install_without_bot_grants_only_the_user_token() -> None:
    grants = plan_grant(AppKind.CLASSIC, ("identify", "client"), ())
    assert [(g.kind, g.scopes) for g in grants] == [(AppTokenKind.USER, ("identify", "client"))]


def test_a_granular_install_grants_a_bot_token_and_a_user_token() -> None:
    grants = plan_grant(AppKind.GRANULAR, ("chat:write",), ("search:read",))
    assert [(g.kind, g.type, g.scopes) for g in grants] == [
        (AppTokenKind.BOT, TokenType.GRANULAR_BOT, ("chat:write",)),
        (AppTokenKind.USER, TokenType.USER, ("search:read",)),
    ]


def test_a_granular_install_of_user_scopes_only_grants_no_bot_token() -> None:
    grants = plan_grant(AppKind.GRANULAR, (), ("search:read",))
    assert [g.kind for g in grants] == [AppTokenKind.USER]


def test_the_classic_scope_answered_starts_with_identify_and_keeps_bot() -> None:
    assert granted_scope_text(AppKind.CLASSIC, ("bot", "identify", "client")) == (
        "identify,bot,client"
    )


def test_the_granular_scope_answered_is_the_bot_scopes() -> None:
    assert granted_scope_text(AppKind.GRANULAR, ("chat:write", "channels:history")) == (
        "chat:write,channels:history"
    )
