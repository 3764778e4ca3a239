"""Who may call what: the authentication and permission steps of decisions B.1-B.4.

Pure functions over an :class:`Identity`; each raises :class:`SlackError` for the first
condition that applies, in the documented check order.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Sequence
from functools import lru_cache

from slackline.domain.models import Identity, TeamState, Token, TokenType
from slackline.errors import SlackError, SlackErrorCode

RTM_SCOPE = "rtm:stream"
USER_UMBRELLA_SCOPE = "client"

_RTM_REFUSED_TYPES = {
    TokenType.GRANULAR_BOT: SlackErrorCode.NOT_ALLOWED_TOKEN_TYPE,
    TokenType.APP: SlackErrorCode.NOT_ALLOWED_TOKEN_TYPE,
    TokenType.WORKSPACE: SlackErrorCode.NO_PERMISSION,
    TokenType.ORG: SlackErrorCode.ENTERPRISE_IS_RESTRICTED,
}
_TEAM_STATE_ERRORS = {
    TeamState.MIGRATING: SlackErrorCode.MIGRATION_IN_PROGRESS,
    TeamState.ADDED_TO_ORG: SlackErrorCode.TEAM_ADDED_TO_ORG,
    TeamState.ORG_LOGIN_REQUIRED: SlackErrorCode.ORG_LOGIN_REQUIRED,
}

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


@lru_cache(maxsize=1024)
def _network(cidr: str) -> Network:
    return ipaddress.ip_network(cidr, strict=False)


def address_in(address: str, cidrs: Sequence[str]) -> bool:
    """Whether an address lies in any of the CIDR networks (an unparsable address never does)."""
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return any(ip.version == _network(c).version and ip in _network(c) for c in cidrs)


def authenticate_token(token: Token | None, *, caller_ip: str, now: float) -> Token:
    """``invalid_auth`` for an unknown token or one bound to other networks; then revocation."""
    if token is None:
        raise SlackError(SlackErrorCode.INVALID_AUTH)
    if token.allowed_networks and not address_in(caller_ip, token.allowed_networks):
        raise SlackError(SlackErrorCode.INVALID_AUTH)
    if token.revoked:
        raise SlackError(SlackErrorCode.TOKEN_REVOKED)
    return token


def authenticate_identity(identity: Identity, *, now: float) -> None:
    """Deleted users, bots and teams, then expiry (decisions B.3)."""
    gone = identity.user.deleted or identity.team.state is TeamState.DELETED
    if identity.bot is not None and identity.bot.deleted:
        gone = True
    if gone:
        code = (
            SlackErrorCode.ACCOUNT_INACTIVE
            if identity.token.is_bot
            else SlackErrorCode.TOKEN_REVOKED
        )
        raise SlackError(code)
    expires_at = identity.token.expires_at
    if expires_at is not None and now >= expires_at:
        raise SlackError(SlackErrorCode.TOKEN_EXPIRED)


def missing_scope(needed: str, token: Token) -> SlackError:
    """``missing_scope`` with ``needed`` and ``provided``, as Slack adds them to the error."""
    return SlackError(
        SlackErrorCode.MISSING_SCOPE,
        fields={"needed": needed, "provided": ",".join(token.scopes)},
    )


def _check_rtm_token(token: Token) -> None:
    refused = _RTM_REFUSED_TYPES.get(token.type)
    if refused is not None:
        raise SlackError(refused)
    if token.type is TokenType.USER and not {USER_UMBRELLA_SCOPE, RTM_SCOPE} & set(token.scopes):
        raise missing_scope(RTM_SCOPE, token)


def _check_method_scopes(token: Token, accepted: Sequence[str], app_token: bool) -> None:
    if app_token != (token.type is TokenType.APP):
        raise SlackError(SlackErrorCode.NOT_ALLOWED_TOKEN_TYPE)
    if token.type is TokenType.CLASSIC_BOT or not accepted:
        return
    if USER_UMBRELLA_SCOPE in token.scopes and token.type is TokenType.USER:
        return
    if not set(accepted) & set(token.scopes):
        raise missing_scope(accepted[0], token)


def authorize(
    identity: Identity,
    *,
    accepted_scopes: Sequence[str],
    rtm: bool,
    caller_ip: str,
    app_token: bool = False,
) -> None:
    """Token type, scopes and team policies, in the order of decisions B.1. An app-level
    (``xapp-``) token calls only the methods made for it (``app_token``), and only those
    take one: anything else is ``not_allowed_token_type``, as Slack answers."""
    token, team, user = identity.token, identity.team, identity.user
    if rtm:
        _check_rtm_token(token)
    else:
        _check_method_scopes(token, accepted_scopes, app_token)
    if rtm and (user.id in team.rtm_denied or (user.bot_id or "") in team.rtm_denied):
        raise SlackError(SlackErrorCode.ACCESS_DENIED)
    if team.require_2fa and token.type is TokenType.USER and not user.has_2fa:
        raise SlackError(SlackErrorCode.TWO_FACTOR_SETUP_REQUIRED)
    if team.allowed_networks and not address_in(caller_ip, team.allowed_networks):
        raise SlackError(SlackErrorCode.ACCESSLIMITED)


def check_team_state(identity: Identity) -> None:
    """Migrations and EKM (decisions B.4)."""
    code = _TEAM_STATE_ERRORS.get(identity.team.state)
    if code is not None:
        raise SlackError(code)
    if identity.team.ekm_revoked:
        raise SlackError(SlackErrorCode.EKM_ACCESS_DENIED)
