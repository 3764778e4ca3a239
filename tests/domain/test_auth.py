"""Authentication and permission rules (domain/auth.py, decisions B.2-B.4)."""

from __future__ import annotations

from typing import Any

import pytest

from slackline.domain import auth
from slackline.domain.models import Bot, Identity, Team, TeamState, Token, TokenType, User
from slackline.errors import SlackError, SlackErrorCode

NOW = 1_700_000_000.0
HERE = "192.0.2.10"


def identity(
    token_type: TokenType = TokenType.CLASSIC_BOT,
    scopes: tuple[str, ...] = ("identify", "bot:basic"),
    *,
    token: dict[str, Any] | None = None,
    team: dict[str, Any] | None = None,
    user: dict[str, Any] | None = None,
    bot: dict[str, Any] | None = None,
) -> Identity:
    """An identity whose parts can be overridden field by field."""
    is_bot = token_type in (TokenType.CLASSIC_BOT, TokenType.GRANULAR_BOT)
    return Identity(
        token=Token("h", "T1", "U1", token_type, scopes, **(token or {})),
        team=Team("T1", "Acme", "acme", **(team or {})),
        user=User("U1", "T1", "u", is_bot=is_bot, bot_id="B1" if is_bot else None, **(user or {})),
        bot=Bot("B1", "T1", "U1", "b", **(bot or {})) if is_bot else None,
    )


def code_of(check: Any, *args: Any, **kwargs: Any) -> SlackErrorCode:
    """The Slack error code a check raises."""
    with pytest.raises(SlackError) as raised:
        check(*args, **kwargs)
    return raised.value.code


def authorize(who: Identity, caller_ip: str = HERE) -> None:
    """rtm.connect's permission step."""
    auth.authorize(who, accepted_scopes=("rtm:stream",), rtm=True, caller_ip=caller_ip)


# address_in


def test_an_address_inside_a_network_is_in() -> None:
    assert auth.address_in("10.1.2.3", ["10.0.0.0/8"])


def test_an_ipv4_mapped_ipv6_address_counts_as_ipv4() -> None:
    assert auth.address_in("::ffff:10.1.2.3", ["10.0.0.0/8"])


def test_an_unparsable_address_is_never_in() -> None:
    assert not auth.address_in("unknown", ["0.0.0.0/0"])


def test_families_do_not_mix() -> None:
    assert not auth.address_in("::1", ["0.0.0.0/0"])


# authentication


def test_an_unknown_token_is_invalid_auth() -> None:
    assert code_of(auth.authenticate_token, None, caller_ip=HERE, now=NOW) is (
        SlackErrorCode.INVALID_AUTH
    )


def test_a_token_used_outside_its_networks_is_invalid_auth() -> None:
    token = identity(token={"allowed_networks": ("10.0.0.0/8",)}).token
    assert code_of(auth.authenticate_token, token, caller_ip=HERE, now=NOW) is (
        SlackErrorCode.INVALID_AUTH
    )


def test_a_revoked_token_is_token_revoked() -> None:
    token = identity(token={"revoked": True}).token
    assert code_of(auth.authenticate_token, token, caller_ip=HERE, now=NOW) is (
        SlackErrorCode.TOKEN_REVOKED
    )


def test_a_good_token_passes() -> None:
    token = identity().token
    assert auth.authenticate_token(token, caller_ip=HERE, now=NOW) is token


def test_a_deleted_bot_is_account_inactive() -> None:
    who = identity(bot={"deleted": True})
    assert code_of(auth.authenticate_identity, who, now=NOW) is SlackErrorCode.ACCOUNT_INACTIVE


def test_a_bot_of_a_deleted_team_is_account_inactive() -> None:
    who = identity(team={"state": TeamState.DELETED})
    assert code_of(auth.authenticate_identity, who, now=NOW) is SlackErrorCode.ACCOUNT_INACTIVE


def test_a_deleted_user_is_token_revoked() -> None:
    who = identity(TokenType.USER, ("client",), user={"deleted": True})
    assert code_of(auth.authenticate_identity, who, now=NOW) is SlackErrorCode.TOKEN_REVOKED


def test_a_user_of_a_deleted_team_is_token_revoked() -> None:
    who = identity(TokenType.USER, ("client",), team={"state": TeamState.DELETED})
    assert code_of(auth.authenticate_identity, who, now=NOW) is SlackErrorCode.TOKEN_REVOKED


def test_a_token_at_its_expiry_is_token_expired() -> None:
    who = identity(token={"expires_at": NOW})
    assert code_of(auth.authenticate_identity, who, now=NOW) is SlackErrorCode.TOKEN_EXPIRED


def test_a_token_before_its_expiry_passes() -> None:
    auth.authenticate_identity(identity(token={"expires_at": NOW + 1}), now=NOW)


# rtm token types and scopes


@pytest.mark.parametrize(
    ("token_type", "code"),
    [
        (TokenType.GRANULAR_BOT, SlackErrorCode.NOT_ALLOWED_TOKEN_TYPE),
        (TokenType.APP, SlackErrorCode.NOT_ALLOWED_TOKEN_TYPE),
        (TokenType.WORKSPACE, SlackErrorCode.NO_PERMISSION),
        (TokenType.ORG, SlackErrorCode.ENTERPRISE_IS_RESTRICTED),
    ],
)
def test_refused_token_types(token_type: TokenType, code: SlackErrorCode) -> None:
    assert code_of(authorize, identity(token_type, ("rtm:stream",))) is code


def test_a_user_token_without_client_or_rtm_stream_is_missing_scope() -> None:
    with pytest.raises(SlackError) as raised:
        authorize(identity(TokenType.USER, ("chat:write", "channels:read")))
    assert raised.value.code is SlackErrorCode.MISSING_SCOPE
    assert raised.value.fields == {"needed": "rtm:stream", "provided": "chat:write,channels:read"}


@pytest.mark.parametrize("scopes", [("client",), ("rtm:stream",)])
def test_a_user_token_with_client_or_rtm_stream_passes(scopes: tuple[str, ...]) -> None:
    authorize(identity(TokenType.USER, scopes, user={"has_2fa": True}))


def test_a_classic_bot_passes() -> None:
    authorize(identity())


# team policies


def test_a_user_in_rtm_denied_is_access_denied() -> None:
    who = identity(TokenType.USER, ("client",), team={"rtm_denied": ("U1",)})
    assert code_of(authorize, who) is SlackErrorCode.ACCESS_DENIED


def test_a_bot_listed_by_bot_id_in_rtm_denied_is_access_denied() -> None:
    who = identity(team={"rtm_denied": ("B1",)})
    assert code_of(authorize, who) is SlackErrorCode.ACCESS_DENIED


def test_rtm_denied_does_not_apply_to_other_methods() -> None:
    who = identity(team={"rtm_denied": ("U1",)})
    auth.authorize(who, accepted_scopes=("users:read",), rtm=False, caller_ip=HERE)


def test_a_user_without_2fa_on_a_2fa_team_must_set_it_up() -> None:
    who = identity(TokenType.USER, ("client",), team={"require_2fa": True})
    assert code_of(authorize, who) is SlackErrorCode.TWO_FACTOR_SETUP_REQUIRED


def test_bots_are_exempt_from_2fa() -> None:
    authorize(identity(team={"require_2fa": True}))


def test_a_caller_outside_the_team_networks_is_accesslimited() -> None:
    who = identity(team={"allowed_networks": ("10.0.0.0/8",)})
    assert code_of(authorize, who) is SlackErrorCode.ACCESSLIMITED


def test_a_caller_inside_the_team_networks_passes() -> None:
    authorize(identity(team={"allowed_networks": ("10.0.0.0/8",)}), caller_ip="10.0.0.1")


def test_token_type_is_checked_before_team_policies() -> None:
    who = identity(TokenType.GRANULAR_BOT, (), team={"allowed_networks": ("10.0.0.0/8",)})
    assert code_of(authorize, who) is SlackErrorCode.NOT_ALLOWED_TOKEN_TYPE


# other methods' scopes


def test_an_app_token_is_refused_by_every_method() -> None:
    who = identity(TokenType.APP, ("users:read",))
    code = code_of(auth.authorize, who, accepted_scopes=("users:read",), rtm=False, caller_ip=HERE)
    assert code is SlackErrorCode.NOT_ALLOWED_TOKEN_TYPE


def test_a_granular_token_needs_one_accepted_scope() -> None:
    who = identity(TokenType.GRANULAR_BOT, ("chat:write",))
    with pytest.raises(SlackError) as raised:
        auth.authorize(who, accepted_scopes=("users:read",), rtm=False, caller_ip=HERE)
    assert raised.value.fields["needed"] == "users:read"


def test_a_user_token_with_client_may_call_any_method() -> None:
    who = identity(TokenType.USER, ("client",))
    auth.authorize(who, accepted_scopes=("users:read",), rtm=False, caller_ip=HERE)


# workspace state


@pytest.mark.parametrize(
    ("state", "code"),
    [
        (TeamState.MIGRATING, SlackErrorCode.MIGRATION_IN_PROGRESS),
        (TeamState.ADDED_TO_ORG, SlackErrorCode.TEAM_ADDED_TO_ORG),
        (TeamState.ORG_LOGIN_REQUIRED, SlackErrorCode.ORG_LOGIN_REQUIRED),
    ],
)
def test_team_states(state: TeamState, code: SlackErrorCode) -> None:
    assert code_of(auth.check_team_state, identity(team={"state": state})) is code


def test_revoked_keys_are_ekm_access_denied() -> None:
    who = identity(team={"ekm_revoked": True})
    assert code_of(auth.check_team_state, who) is SlackErrorCode.EKM_ACCESS_DENIED


def test_an_active_team_passes() -> None:
    auth.check_team_state(identity())
