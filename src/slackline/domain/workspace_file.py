"""The workspace file format (YAML; JSON is YAML too), parsed into declared field sets.

Each object in the file becomes a :class:`Declared` record: its id and only the fields the
file actually states, already converted to their stored types, so that loading updates
what is declared and keeps everything else (decisions F.3). Defaults are applied only when
an object is created, by the service. Unknown keys and wrong types are errors whose
message names the place in the file, e.g. ``teams[0].tokens[2].type: unknown token type``.
"""

from __future__ import annotations

import datetime as dt
import ipaddress
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from slackline.domain import apps as app_rules
from slackline.domain.apps import AppSpecError
from slackline.domain.emoji import EmojiError, emoji_name, emoji_value
from slackline.domain.models import TeamState, TokenType
from slackline.domain.prefs import PROFILE_FIELD_TYPES
from slackline.domain.signin import PasswordError, check_password
from slackline.domain.usergroups import check_description, check_handle, check_name
from slackline.errors import SlackError

Converter = Callable[[Any, str], Any]

TOKEN_PREFIX_TYPES = {
    "xoxb": TokenType.CLASSIC_BOT,
    "xoxp": TokenType.USER,
    "xapp": TokenType.APP,
    "xoxa": TokenType.WORKSPACE,
    "xoxe": TokenType.ORG,
}
CHILD_KEYS = (
    "users", "bots", "conversations", "tokens", "emoji", "usergroups", "profile_fields", "apps",
)  # fmt: skip
# An app's client and signing secrets: the app service's rule (services/apps.py), checked
# here too so that a file with a bad secret fails before anything is written.
APP_SECRET_CHARS = (8, 256)
APP_CLIENT_ID_CHARS = (1, 64)


class WorkspaceFileError(ValueError):
    """A workspace document that does not follow the format; the message names the place."""


@dataclass(slots=True)
class Declared:
    """One object of the file: its id, the fields it declares, and where it is."""

    id: str
    fields: dict[str, Any]
    path: str = ""


@dataclass(slots=True)
class TeamDeclaration:
    """A team and everything declared inside it."""

    team: Declared
    users: list[Declared] = field(default_factory=list)
    bots: list[Declared] = field(default_factory=list)
    conversations: list[Declared] = field(default_factory=list)
    tokens: list[Declared] = field(default_factory=list)
    emoji: list[Declared] = field(default_factory=list)
    usergroups: list[Declared] = field(default_factory=list)
    profile_fields: list[Declared] = field(default_factory=list)
    apps: list[Declared] = field(default_factory=list)


# Converters: each checks one value and returns it as stored, or raises with its path.


def _string(value: object, path: str) -> str:
    if not isinstance(value, str):
        raise WorkspaceFileError(f"{path}: expected a string, got {_kind(value)}")
    return value


def _identifier(value: object, path: str) -> str:
    if not isinstance(value, str) or not value.strip():
        raise WorkspaceFileError(f"{path}: expected a non-empty string, got {_kind(value)}")
    return value


def _boolean(value: object, path: str) -> bool:
    if not isinstance(value, bool):
        raise WorkspaceFileError(f"{path}: expected true or false, got {_kind(value)}")
    return value


def _mapping(value: object, path: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise WorkspaceFileError(f"{path}: expected a mapping, got {_kind(value)}")
    return value


def _integer(value: object, path: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise WorkspaceFileError(f"{path}: expected a whole number, got {_kind(value)}")
    return value


def _strings(value: object, path: str) -> tuple[str, ...]:
    return tuple(_string(item, f"{path}[{i}]") for i, item in enumerate(_list(value, path)))


def _checked(check: Callable[[str], str]) -> Converter:
    """A string converter that applies a Slack rule (its error code becomes the message)."""

    def convert(value: object, path: str) -> str:
        try:
            return check(_string(value, path))
        except SlackError as exc:
            raise WorkspaceFileError(f"{path}: {exc.code.value}: {value!r}") from exc

    return convert


def _profile_field_type(value: object, path: str) -> str:
    kind = _string(value, path)
    if kind not in PROFILE_FIELD_TYPES:
        allowed = ", ".join(PROFILE_FIELD_TYPES)
        raise WorkspaceFileError(f"{path}: unknown field type {kind!r} (one of: {allowed})")
    return kind


def _list(value: object, path: str) -> list[Any]:
    if not isinstance(value, list):
        raise WorkspaceFileError(f"{path}: expected a list, got {_kind(value)}")
    return value


def _identifiers(value: object, path: str) -> tuple[str, ...]:
    return tuple(_identifier(item, f"{path}[{i}]") for i, item in enumerate(_list(value, path)))


def _networks(value: object, path: str) -> tuple[str, ...]:
    cidrs = _identifiers(value, path)
    for i, cidr in enumerate(cidrs):
        try:
            ipaddress.ip_network(cidr, strict=False)
        except ValueError as exc:
            raise WorkspaceFileError(f"{path}[{i}]: not a network (CIDR): {cidr!r}") from exc
    return cidrs


def _state(value: object, path: str) -> TeamState:
    try:
        return TeamState(_string(value, path))
    except ValueError as exc:
        allowed = ", ".join(s.value for s in TeamState)
        raise WorkspaceFileError(f"{path}: unknown state {value!r} (one of: {allowed})") from exc


def parse_token_type(value: object, path: str) -> TokenType:
    """A token ``type`` (decisions B.2), or an error naming the place and the choices."""
    try:
        return TokenType(_string(value, path))
    except ValueError as exc:
        allowed = ", ".join(t.value for t in TokenType)
        raise WorkspaceFileError(
            f"{path}: unknown token type {value!r} (one of: {allowed})"
        ) from exc


def parse_timestamp(value: object, path: str) -> float | None:
    """``expires_at`` as epoch seconds: a YAML timestamp, ISO 8601 text, a number or null."""
    if value is None:
        return None
    if isinstance(value, bool):
        raise WorkspaceFileError(f"{path}: expected a timestamp, got {_kind(value)}")
    if isinstance(value, int | float):
        return float(value)
    if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
        value = dt.datetime(value.year, value.month, value.day, tzinfo=dt.UTC)
    if isinstance(value, str):
        try:
            value = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError as exc:
            raise WorkspaceFileError(f"{path}: not an ISO 8601 timestamp: {value!r}") from exc
    if isinstance(value, dt.datetime):
        aware = value if value.tzinfo else value.replace(tzinfo=dt.UTC)
        return aware.timestamp()
    raise WorkspaceFileError(f"{path}: expected a timestamp, got {_kind(value)}")


def _enterprise(value: object, path: str) -> dict[str, Any] | None:
    if value is None:
        return None
    grid = _fields(value, path, {"id": _identifier, "name": _string})
    if "id" not in grid:
        raise WorkspaceFileError(f"{path}.id: required")
    return grid


def _password(value: object, path: str) -> str:
    """A person's sign-in password (stored only as its argon2id hash); the error never
    repeats it."""
    try:
        return check_password(value)
    except PasswordError as exc:
        raise WorkspaceFileError(f"{path}: {exc}") from None


def _app_rule(rule: Callable[[object], Any]) -> Converter:
    """A converter applying one of the app rules (docs/apps.md); their messages start with
    the field's name, which the path already ends with."""

    def convert(value: object, path: str) -> Any:
        try:
            return rule(value)
        except AppSpecError as exc:
            message = str(exc)
            field_name, colon, rest = message.partition(": ")
            same_field = colon and path.endswith(f".{field_name}")
            raise WorkspaceFileError(f"{path}: {rest if same_field else message}") from None

    return convert


def _app_kind(value: object) -> str:
    return app_rules.check_kind(value).value


def _app_scopes(name: str) -> Converter:
    """Scopes as a list or as text separated by commas or spaces (the app service's rule)."""

    def rule(value: object) -> list[str]:
        return list(app_rules.parse_scopes(value, name))

    return _app_rule(rule)


def _app_redirect_urls(value: object) -> list[str]:
    return list(app_rules.check_redirect_urls(value))


def _bounded_text(name: str, bounds: tuple[int, int]) -> Converter:
    """Printable text of ``bounds`` characters; the message never repeats the value (it may
    be a secret)."""
    low, high = bounds

    def convert(value: object, path: str) -> str:
        if not isinstance(value, str) or not low <= len(value) <= high or not value.isprintable():
            raise WorkspaceFileError(f"{path}: {name} of {low} to {high} printable characters")
        return value

    return convert


def _kind(value: object) -> str:
    return "null" if value is None else type(value).__name__


TEAM_FIELDS: dict[str, Converter] = {
    "id": _identifier, "name": _string, "domain": _string, "email_domain": _string,
    "enterprise": _enterprise, "state": _state, "ekm_revoked": _boolean,
    "require_2fa": _boolean, "allowed_networks": _networks, "rtm_denied": _identifiers,
}  # fmt: skip
USER_FIELDS: dict[str, Converter] = {
    "id": _identifier, "name": _identifier, "real_name": _string, "is_admin": _boolean,
    "is_owner": _boolean, "has_2fa": _boolean, "deleted": _boolean, "tz": _string,
    "profile": _mapping, "manual_away": _boolean, "password": _password,
}  # fmt: skip
BOT_FIELDS: dict[str, Converter] = {
    "id": _identifier, "user_id": _identifier, "name": _identifier, "deleted": _boolean,
}  # fmt: skip
CONVERSATION_FIELDS: dict[str, Converter] = {
    "id": _identifier, "name": _identifier, "is_private": _boolean, "is_im": _boolean,
    "is_mpim": _boolean, "is_general": _boolean, "is_archived": _boolean,
    "creator": _string, "topic": _string, "purpose": _string, "user": _identifier,
    "members": _identifiers,
}  # fmt: skip
USERGROUP_FIELDS: dict[str, Converter] = {
    "id": _identifier, "name": _checked(check_name), "handle": _checked(check_handle),
    "description": _checked(check_description), "users": _identifiers,
    "channels": _identifiers, "disabled": _boolean, "created_by": _string,
}  # fmt: skip
PROFILE_FIELD_FIELDS: dict[str, Converter] = {
    "id": _identifier, "label": _string, "hint": _string, "type": _profile_field_type,
    "ordering": _integer, "possible_values": _strings, "options": _mapping,
    "is_hidden": _boolean,
}  # fmt: skip
TOKEN_FIELDS: dict[str, Converter] = {
    "token": _identifier, "user": _identifier, "type": parse_token_type,
    "scopes": _identifiers, "revoked": _boolean, "expires_at": parse_timestamp,
    "allowed_networks": _networks, "created_after_2021_11_30": _boolean, "app": _identifier,
}  # fmt: skip

APP_FIELDS: dict[str, Converter] = {
    "id": _identifier, "name": _app_rule(app_rules.check_app_name),
    "kind": _app_rule(_app_kind),
    "client_id": _bounded_text("a client id", APP_CLIENT_ID_CHARS),
    "client_secret": _bounded_text("a secret", APP_SECRET_CHARS),
    "signing_secret": _bounded_text("a secret", APP_SECRET_CHARS),
    "redirect_urls": _app_rule(_app_redirect_urls), "scopes": _app_scopes("scopes"),
    "user_scopes": _app_scopes("user_scopes"), "bot_user": _identifier,
    "token_rotation": _boolean, "distributed": _boolean, "socket_mode": _boolean,
    "event_subscriptions": _app_rule(app_rules.check_event_subscriptions),
    "request_url": _app_rule(app_rules.check_request_url),
    "commands": _app_rule(app_rules.check_commands),
}  # fmt: skip
# What creating an app needs (an app already stored keeps what the file leaves out).
APP_REQUIRED = ("name", "kind", "redirect_urls", "scopes")


def _fields(raw: object, path: str, converters: Mapping[str, Converter]) -> dict[str, Any]:
    value = _mapping(raw, path)
    for key in value:
        if key not in converters:
            allowed = ", ".join(sorted(converters))
            raise WorkspaceFileError(f"{path}: unknown key {key!r} (allowed: {allowed})")
    return {key: converters[key](item, f"{path}.{key}") for key, item in value.items()}


def _declared(raw: object, path: str, converters: Mapping[str, Converter], key: str) -> Declared:
    fields = _fields(raw, path, converters)
    if key not in fields:
        raise WorkspaceFileError(f"{path}.{key}: required")
    return Declared(fields.pop(key), fields, path)


def parse_token(raw: object, path: str) -> Declared:
    """One token entry; its text is the id."""
    return _declared(raw, path, TOKEN_FIELDS, "token")


def type_from_prefix(text: str) -> TokenType | None:
    """The token type its text's prefix implies (``xoxp-`` is a user token), if any."""
    prefix, dash, _ = text.partition("-")
    return TOKEN_PREFIX_TYPES.get(prefix) if dash else None


def new_token_type(declared: Declared) -> TokenType:
    """The type a token is created with: as declared, else from its prefix."""
    kind: TokenType | None = declared.fields.get("type") or type_from_prefix(declared.id)
    if kind is None:
        prefixes = ", ".join(f"{p}-" for p in TOKEN_PREFIX_TYPES)
        raise WorkspaceFileError(
            f"{declared.path}.type: required when the token does not start with one of {prefixes}"
        )
    return kind


def parse_team_fields(raw: object, path: str) -> Declared:
    """A team's own fields (no users, bots, conversations or tokens)."""
    declared = _declared(raw, path, TEAM_FIELDS, "id")
    if "enterprise" in declared.fields:
        grid = declared.fields.pop("enterprise")
        declared.fields["enterprise_id"] = grid["id"] if grid else None
        declared.fields["enterprise_name"] = grid.get("name", "") if grid else None
    return declared


def _team(raw: object, path: str) -> TeamDeclaration:
    value = _mapping(raw, path)
    unknown = sorted((k for k in value if k not in TEAM_FIELDS and k not in CHILD_KEYS), key=str)
    if unknown:
        allowed = ", ".join(sorted([*TEAM_FIELDS, *CHILD_KEYS]))
        raise WorkspaceFileError(f"{path}: unknown key {unknown[0]!r} (allowed: {allowed})")
    own = {k: v for k, v in value.items() if k not in CHILD_KEYS}
    declaration = TeamDeclaration(parse_team_fields(own, path))
    children: list[tuple[str, list[Declared], Callable[[object, str], Declared]]] = [
        ("users", declaration.users, lambda r, p: _declared(r, p, USER_FIELDS, "id")),
        ("bots", declaration.bots, _bot),
        ("conversations", declaration.conversations, _conversation),
        ("tokens", declaration.tokens, parse_token),
    ]
    children += [
        (
            "usergroups",
            declaration.usergroups,
            lambda r, p: _declared(r, p, USERGROUP_FIELDS, "id"),
        ),
        (
            "profile_fields",
            declaration.profile_fields,
            lambda r, p: _declared(r, p, PROFILE_FIELD_FIELDS, "id"),
        ),
        ("apps", declaration.apps, parse_app),
    ]
    for key, into, parse in children:
        items = _list(value.get(key, []), f"{path}.{key}")
        into.extend(parse(item, f"{path}.{key}[{i}]") for i, item in enumerate(items))
    declaration.emoji.extend(_emoji(value.get("emoji", {}), f"{path}.emoji"))
    return declaration


def _emoji(raw: object, path: str) -> list[Declared]:
    """A team's ``emoji``: a mapping of names to image URLs or ``alias:<name>``."""
    declared = []
    for name, value in _mapping(raw, path).items():
        place = f"{path}.{name}"
        try:
            checked = emoji_name(_string(name, path))
            declared.append(Declared(checked, {"value": emoji_value(_string(value, place))}, place))
        except EmojiError as exc:
            raise WorkspaceFileError(f"{place}: {exc}") from exc
    return declared


def parse_app(raw: object, path: str) -> Declared:
    """One ``apps`` entry (docs/workspace-file.md): its id and the fields it declares, as
    plain values (lists of strings, booleans) the app service takes."""
    return _declared(raw, path, APP_FIELDS, "id")


def _bot(raw: object, path: str) -> Declared:
    declared = _declared(raw, path, BOT_FIELDS, "id")
    if "user_id" not in declared.fields:
        raise WorkspaceFileError(f"{path}.user_id: required (the bot user's id)")
    return declared


def _conversation(raw: object, path: str) -> Declared:
    declared = _declared(raw, path, CONVERSATION_FIELDS, "id")
    if declared.fields.get("is_im") and declared.fields.get("is_mpim"):
        raise WorkspaceFileError(f"{path}: is_im and is_mpim cannot both be true")
    return declared


def parse_workspace(document: object) -> list[TeamDeclaration]:
    """Parse a loaded YAML/JSON document (``{"teams": [...]}``) into team declarations."""
    if document is None:
        raise WorkspaceFileError("workspace: empty document (expected a mapping with 'teams')")
    root = _fields(document, "workspace", {"teams": _list})
    return [_team(item, f"teams[{i}]") for i, item in enumerate(root.get("teams", []))]
