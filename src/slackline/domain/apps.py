"""Apps and their OAuth installs (docs/apps.md): the pure rules, no I/O.

An app is registered in one team. A *classic* app installs through ``/oauth/authorize`` (the
V1 flow RTM needs) with classic scopes such as ``bot``, ``client``, ``read``, ``post`` and
``identify``; a *granular* app installs through ``/oauth/v2/authorize`` with bot ``scope``
and ``user_scope``, and its bot tokens are refused by ``rtm.connect``. Approving an install
hands the browser a single-use code bound to the app, the team, the person and the redirect
URL; ``oauth.access`` / ``oauth.v2.access`` exchange it for tokens (:func:`plan_grant`).
"""

from __future__ import annotations

import base64
import binascii
import enum
import re
from dataclasses import dataclass
from typing import Any
from urllib.parse import SplitResult, parse_qsl, unquote, urlencode, urlsplit, urlunsplit

from slackline.domain.models import DEFAULT_SCOPES, TokenType

CODE_TTL_SECS = 600  # Slack's codes expire after ten minutes
ROTATING_TOKEN_TTL_SECS = 12 * 3600  # ``expires_in`` of a rotating access token (43,200 s)
MAX_SCOPES = 100
MAX_REDIRECT_URLS = 20
MAX_URL_CHARS = 2048
MAX_STATE_CHARS = 4096
BOT_SCOPE = "bot"  # the classic scope that adds a bot user and its xoxb- token
IDENTIFY_SCOPE = "identify"  # every classic user token has it
_SCOPE = re.compile(r"[a-z][a-z0-9_.-]*(:[a-z0-9_.-]+)*\Z")
_APP_NAME_MAX = 35
# Arguments and answer fields that carry a credential: journals and the inspector show them
# masked (docs/apps.md), so an operator's screen never holds an app's secret or token.
SECRET_FIELDS = frozenset(
    {"client_secret", "code", "refresh_token", "access_token", "bot_access_token"}
)


class AppKind(enum.StrEnum):
    """Which flow an app installs through and which bot token it gets."""

    CLASSIC = "classic"
    GRANULAR = "granular"


class OAuthFlow(enum.StrEnum):
    """The authorize URL a code came from: ``/oauth/authorize`` or ``/oauth/v2/authorize``."""

    V1 = "v1"
    V2 = "v2"


FLOW_OF_KIND = {AppKind.CLASSIC: OAuthFlow.V1, AppKind.GRANULAR: OAuthFlow.V2}
AUTHORIZE_PATHS = {OAuthFlow.V1: "/oauth/authorize", OAuthFlow.V2: "/oauth/v2/authorize"}


class AppSpecError(ValueError):
    """An app definition that cannot be registered (the message names the field)."""


class AuthorizeError(ValueError):
    """An authorize request Slackline will not show a consent page for.

    ``code`` is the error Slack's own page names (``invalid_client_id``, ``bad_redirect_uri``,
    ``invalid_scope``, ``no_scopes``, ``oauth_authorization_url_mismatch``); the browser is
    never redirected for these, since the redirect URL itself may be what is wrong.
    """

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code


@dataclass(frozen=True, slots=True)
class AppRecord:
    """A registered app as stored: its client secret only as a keyed hash, its signing
    secret only encrypted (it must be recovered to sign requests, docs/apps.md)."""

    id: str
    team_id: str
    name: str
    kind: AppKind
    client_id: str
    client_secret_hash: str
    signing_secret_box: str
    redirect_urls: tuple[str, ...]
    scopes: tuple[str, ...]
    user_scopes: tuple[str, ...] = ()
    bot_user: str = ""
    token_rotation: bool = False
    distributed: bool = False
    created: int = 0
    # Socket Mode and the Events API (docs/socket-mode.md, docs/events-api.md).
    socket_mode: bool = False
    event_subscriptions: tuple[str, ...] = ()
    request_url: str = ""
    commands: tuple[str, ...] = ()  # slash commands, e.g. ``/weather``

    @property
    def flow(self) -> OAuthFlow:
        """The flow this app installs through."""
        return FLOW_OF_KIND[self.kind]


@dataclass(frozen=True, slots=True)
class Installation:
    """An app installed in a team: who installed it last, its bot user (if its scopes ask
    for one) and what was granted."""

    app_id: str
    team_id: str
    installer: str
    bot_user_id: str
    bot_id: str
    scopes: tuple[str, ...]
    user_scopes: tuple[str, ...]
    installed: int
    updated: int


class AppTokenKind(enum.StrEnum):
    """What an app's token is: an access token (bot or user), or a refresh token of one."""

    BOT = "bot"
    USER = "user"
    BOT_REFRESH = "bot_refresh"
    USER_REFRESH = "user_refresh"
    APP_LEVEL = "app"  # an xapp- token: opens Socket Mode connections (docs/socket-mode.md)


@dataclass(frozen=True, slots=True)
class AppToken:
    """A token an install issued, by its keyed hash: what uninstalling ends."""

    token_hash: str
    app_id: str
    team_id: str
    user_id: str
    kind: AppTokenKind
    created: int


@dataclass(frozen=True, slots=True)
class AuthCode:
    """A code an approval issued, by its keyed hash. ``redirect_uri`` is the one the
    authorize request named ("" when it named none)."""

    code_hash: str
    app_id: str
    team_id: str
    user_id: str
    flow: OAuthFlow
    redirect_uri: str
    scopes: tuple[str, ...]
    user_scopes: tuple[str, ...]
    expires_at: float
    used: bool = False


@dataclass(frozen=True, slots=True)
class AuthorizeRequest:
    """A checked authorize request: what the consent page shows and approval grants."""

    app: AppRecord
    team_id: str
    scopes: tuple[str, ...]
    user_scopes: tuple[str, ...]
    redirect_uri: str  # as given ("" when absent)
    target: str  # where the browser goes afterwards: the given URL or the first registered
    state: str


@dataclass(frozen=True, slots=True)
class TokenGrant:
    """One access token an exchange issues."""

    kind: AppTokenKind
    type: TokenType
    scopes: tuple[str, ...]


# --- app definitions -------------------------------------------------------------------------


def parse_scopes(value: object, field: str) -> tuple[str, ...]:
    """Scopes from a list or from text separated by commas or spaces, in order, once each."""
    if isinstance(value, str):
        items: list[object] = [s for s in re.split(r"[\s,]+", value) if s]
    elif isinstance(value, list | tuple):
        items = list(value)
    else:
        raise AppSpecError(f"{field}: a list of scopes or comma-separated text")
    scopes: list[str] = []
    for item in items:
        if not isinstance(item, str) or not _SCOPE.match(item):
            raise AppSpecError(f"{field}: {item!r} is not a scope name")
        if item not in scopes:
            scopes.append(item)
    if len(scopes) > MAX_SCOPES:
        raise AppSpecError(f"{field}: at most {MAX_SCOPES} scopes")
    return tuple(scopes)


def check_app_name(value: object) -> str:
    """An app's display name: 1 to 35 characters of text."""
    if not isinstance(value, str) or not value.strip():
        raise AppSpecError("name: required text")
    if len(value) > _APP_NAME_MAX or any(ord(c) < 0x20 for c in value):
        raise AppSpecError(f"name: at most {_APP_NAME_MAX} printable characters")
    return value.strip()


def _plain_url(value: str) -> SplitResult | None:
    """``value`` split, when browsers and Python read the same origin and path from it: no
    backslash (browsers read it as ``/``, Python as part of the host, so
    ``https://evil\\@good/`` would be two different places), no user info, a valid port,
    no ``.``/``..`` path segment (plain or percent-encoded) and no fragment."""
    if "\\" in value:
        return None
    try:
        parts = urlsplit(value)
        parts.port  # noqa: B018 (raises ValueError for a port out of range or not a number)
    except ValueError:
        return None
    if "@" in parts.netloc or parts.fragment or not parts.hostname:
        return None
    if any(unquote(segment) in (".", "..") for segment in parts.path.split("/")):
        return None
    return parts


def check_redirect_url(value: object, field: str = "redirect_urls") -> str:
    """An absolute ``http``/``https`` URL without a fragment (OAuth forbids one), user info,
    backslash or dot segment, and with a valid port (:func:`_plain_url`)."""
    if not isinstance(value, str) or len(value) > MAX_URL_CHARS:
        raise AppSpecError(f"{field}: an absolute http or https URL")
    parts = _plain_url(value)
    if parts is None or parts.scheme not in ("http", "https"):
        raise AppSpecError(f"{field}: {value!r} is not an absolute http(s) URL without #")
    if any(ord(c) <= 0x20 or ord(c) == 0x7F for c in value):
        raise AppSpecError(f"{field}: {value!r} holds spaces or control characters")
    return value


def check_redirect_urls(value: object) -> tuple[str, ...]:
    """One to :data:`MAX_REDIRECT_URLS` redirect URLs."""
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list | tuple) or not value:
        raise AppSpecError("redirect_urls: one or more absolute http(s) URLs")
    if len(value) > MAX_REDIRECT_URLS:
        raise AppSpecError(f"redirect_urls: at most {MAX_REDIRECT_URLS}")
    return tuple(check_redirect_url(v) for v in value)


def check_request_url(value: object) -> str:
    """The Events API request URL: "" (none) or an absolute http(s) URL as redirect URLs
    are (:func:`check_redirect_url`)."""
    if value in ("", None):
        return ""
    return check_redirect_url(value, "request_url")


_COMMAND = re.compile(r"/[a-z0-9][a-z0-9_-]{0,31}\Z")


def check_commands(value: object) -> tuple[str, ...]:
    """Slash commands: ``/`` and 1 to 32 lower-case letters, digits, ``_`` or ``-``."""
    if isinstance(value, str):
        value = [v for v in re.split(r"[\s,]+", value) if v]
    if not isinstance(value, list | tuple):
        raise AppSpecError("commands: a list of slash commands such as /weather")
    commands: list[str] = []
    for item in value:
        if not isinstance(item, str) or not _COMMAND.match(item):
            raise AppSpecError(f"commands: {item!r} is not a slash command such as /weather")
        if item not in commands:
            commands.append(item)
    if len(commands) > MAX_SCOPES:
        raise AppSpecError(f"commands: at most {MAX_SCOPES}")
    return tuple(commands)


def check_event_subscriptions(value: object) -> tuple[str, ...]:
    """Event subscription names (``message.channels``, ``app_mention``, ...), each once."""
    return parse_scopes(value, "event_subscriptions")


def check_kind(value: object) -> AppKind:
    """``classic`` or ``granular``."""
    try:
        return AppKind(str(value))
    except ValueError:
        raise AppSpecError("kind: classic or granular") from None


def check_scope_set(kind: AppKind, scopes: tuple[str, ...], user_scopes: tuple[str, ...]) -> None:
    """A classic app lists every scope in ``scopes`` (``user_scopes`` is for granular apps);
    a granular app's ``scopes`` are bot scopes and cannot hold the classic ``bot``."""
    if kind is AppKind.CLASSIC and user_scopes:
        raise AppSpecError("user_scopes: only granular apps have them (classic: list in scopes)")
    if kind is AppKind.GRANULAR and BOT_SCOPE in scopes:
        raise AppSpecError("scopes: 'bot' is a classic scope (granular bots get bot scopes)")
    if not scopes and not user_scopes:
        raise AppSpecError("scopes: at least one scope")


def bot_name_for(app_name: str) -> str:
    """The user name of the bot user an install creates: the app's name, lower case, with
    anything but letters, digits, ``.``, ``_`` and ``-`` dropped."""
    name = re.sub(r"[^a-z0-9._-]+", "", app_name.lower().replace(" ", "_"))
    return name[:21] or "app"


def wants_bot(kind: AppKind, scopes: tuple[str, ...]) -> bool:
    """Whether granting these scopes adds the app's bot user: classic ``bot``, or any bot
    scope of a granular app."""
    return BOT_SCOPE in scopes if kind is AppKind.CLASSIC else bool(scopes)


# --- the authorize request -------------------------------------------------------------------


def redirect_allowed(registered: tuple[str, ...], given: str) -> bool:
    """Whether ``given`` matches a registered redirect URL as Slack matches them: the same
    scheme, host and port, and the same path or one below it."""
    asked = _plain_url(given)
    if asked is None:
        return False
    asked_port = asked.port
    for url in registered:
        known = urlsplit(url)
        same_origin = (known.scheme, known.hostname, known.port) == (
            asked.scheme,
            asked.hostname,
            asked_port,
        )
        base = known.path.rstrip("/")
        if same_origin and (asked.path in (known.path, base) or asked.path.startswith(base + "/")):
            return True
    return False


def check_authorize(
    app: AppRecord | None,
    flow: OAuthFlow,
    *,
    team_id: str,
    scope: str,
    user_scope: str,
    redirect_uri: str,
    state: str,
) -> AuthorizeRequest:
    """Check an authorize request against the app; raises :class:`AuthorizeError`.

    The order: the client id, the flow the app installs through, the team it may be
    installed in, the redirect URL, then the scopes (each must be registered).
    """
    if app is None:
        raise AuthorizeError("invalid_client_id", "No app has this client_id.")
    if app.flow is not flow:
        path = AUTHORIZE_PATHS[app.flow]
        raise AuthorizeError(
            "oauth_authorization_url_mismatch",
            f"This {app.kind.value} app installs through {path}.",
        )
    if app.team_id != team_id and not app.distributed:
        raise AuthorizeError("invalid_team", "This app can be installed only in its own workspace.")
    if redirect_uri and not redirect_allowed(app.redirect_urls, redirect_uri):
        raise AuthorizeError("bad_redirect_uri", "redirect_uri did not match any configured URL.")
    if len(state) > MAX_STATE_CHARS:
        raise AuthorizeError("invalid_state", "state is too long.")
    try:
        scopes = parse_scopes(scope, "scope")
        user_scopes = parse_scopes(user_scope, "user_scope")
    except AppSpecError as exc:
        raise AuthorizeError("invalid_scope", str(exc)) from None
    if flow is OAuthFlow.V1 and user_scopes:
        raise AuthorizeError("invalid_scope", "user_scope belongs to /oauth/v2/authorize.")
    if not scopes and not user_scopes:
        raise AuthorizeError("no_scopes", "The request asks for no scope.")
    unknown = [s for s in scopes if s not in app.scopes and s != IDENTIFY_SCOPE]
    unknown += [s for s in user_scopes if s not in app.user_scopes]
    if unknown:
        raise AuthorizeError("invalid_scope", f"The app does not request {', '.join(unknown)}.")
    target = redirect_uri or app.redirect_urls[0]
    return AuthorizeRequest(app, team_id, scopes, user_scopes, redirect_uri, target, state)


def with_query(url: str, params: dict[str, str]) -> str:
    """``url`` with ``params`` added to its query (what it had kept, in order)."""
    parts = urlsplit(url)
    pairs = [*parse_qsl(parts.query, keep_blank_values=True), *params.items()]
    return urlunsplit(parts._replace(query=urlencode(pairs)))


def approved_location(request: AuthorizeRequest, code: str) -> str:
    """Where the browser goes after approving: the redirect URL with ``code`` and ``state``."""
    return with_query(request.target, {"code": code, "state": request.state})


def denied_location(request: AuthorizeRequest) -> str:
    """Where the browser goes after denying: the redirect URL with ``error=access_denied``."""
    return with_query(request.target, {"error": "access_denied", "state": request.state})


# --- the exchange ----------------------------------------------------------------------------


def basic_credentials(header: str | None) -> tuple[str, str] | None:
    """``(client_id, client_secret)`` from an ``Authorization: Basic`` header, if any."""
    if not header:
        return None
    scheme, _, value = header.strip().partition(" ")
    if scheme.lower() != "basic":
        return None
    try:
        decoded = base64.b64decode(value.strip(), validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError):
        return None
    client_id, colon, secret = decoded.partition(":")
    return (client_id, secret) if colon else None


def plan_grant(
    kind: AppKind, scopes: tuple[str, ...], user_scopes: tuple[str, ...]
) -> list[TokenGrant]:
    """The access tokens an approved request yields.

    Classic (V1): always the installer's user token (``identify`` plus what was asked, but
    ``bot``), and with ``bot`` a classic bot token (``identify,bot:basic``, which RTM
    accepts). Granular (V2): a granular bot token with the bot scopes, and a user token with
    the user scopes, each only when asked for.
    """
    if kind is AppKind.CLASSIC:
        user = tuple(dict.fromkeys([IDENTIFY_SCOPE, *(s for s in scopes if s != BOT_SCOPE)]))
        grants = [TokenGrant(AppTokenKind.USER, TokenType.USER, user)]
        if BOT_SCOPE in scopes:
            bot_scopes = DEFAULT_SCOPES[TokenType.CLASSIC_BOT]
            grants.append(TokenGrant(AppTokenKind.BOT, TokenType.CLASSIC_BOT, bot_scopes))
        return grants
    grants = []
    if scopes:
        grants.append(TokenGrant(AppTokenKind.BOT, TokenType.GRANULAR_BOT, scopes))
    if user_scopes:
        grants.append(TokenGrant(AppTokenKind.USER, TokenType.USER, user_scopes))
    return grants


def granted_scope_text(kind: AppKind, scopes: tuple[str, ...]) -> str:
    """The ``scope`` an exchange answers: classic apps list ``identify`` and every scope
    granted (``bot`` included); granular apps their bot scopes."""
    if kind is AppKind.CLASSIC:
        return ",".join(dict.fromkeys([IDENTIFY_SCOPE, *scopes]))
    return ",".join(scopes)


REFRESH_OF = {
    AppTokenKind.BOT: AppTokenKind.BOT_REFRESH,
    AppTokenKind.USER: AppTokenKind.USER_REFRESH,
}
ACCESS_OF = {refresh: access for access, refresh in REFRESH_OF.items()}


def masked(value: Any) -> Any:
    """A document with every :data:`SECRET_FIELDS` value masked (its first six characters
    kept, so a token's kind stays visible), nested mappings and lists included."""
    if isinstance(value, dict):
        return {
            key: mask(item) if key in SECRET_FIELDS and isinstance(item, str) else masked(item)
            for key, item in value.items()
        }
    if isinstance(value, list):
        return [masked(item) for item in value]
    return value


def mask(text: str) -> str:
    """A secret as logs and journals show it: its first six characters (a token's kind)."""
    return text[:6] + "…" if text else text
