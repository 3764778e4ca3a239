"""The workspace file format (YAML; JSON is YAML too), parsed into declared field sets.

Each object in the file becomes a :class:`Declared` record: its id and only the fields the
file actually states, so that loading updates what is declared and keeps everything else
(decisions F.3). Unknown keys are errors, reported with their path in the file.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from slackline.domain.models import DEFAULT_SCOPES, TeamState, TokenType

TEAM_KEYS = frozenset({
    "id", "name", "domain", "email_domain", "enterprise", "state", "ekm_revoked", "require_2fa",
    "allowed_networks", "rtm_denied", "users", "bots", "conversations", "tokens",
})  # fmt: skip
USER_KEYS = frozenset({
    "id", "name", "real_name", "is_admin", "is_owner", "has_2fa", "deleted", "tz", "profile",
})  # fmt: skip
BOT_KEYS = frozenset({"id", "user_id", "name", "deleted"})
CONVERSATION_KEYS = frozenset({
    "id", "name", "is_private", "is_im", "is_mpim", "is_general", "is_archived", "creator",
    "topic", "purpose", "user", "members",
})  # fmt: skip
TOKEN_KEYS = frozenset({
    "token", "user", "type", "scopes", "revoked", "expires_at", "allowed_networks",
    "created_after_2021_11_30",
})  # fmt: skip
_TOKEN_PREFIX_TYPES = {
    "xoxb": TokenType.CLASSIC_BOT,
    "xoxp": TokenType.USER,
    "xapp": TokenType.APP,
    "xoxa": TokenType.WORKSPACE,
    "xoxe": TokenType.ORG,
}
_BOOL_FIELDS = frozenset({
    "ekm_revoked", "require_2fa", "is_admin", "is_owner", "has_2fa", "deleted", "is_private",
    "is_im", "is_mpim", "is_general", "is_archived", "revoked", "created_after_2021_11_30",
})  # fmt: skip
_LIST_FIELDS = frozenset({"allowed_networks", "rtm_denied", "scopes", "members"})


class WorkspaceFileError(ValueError):
    """A workspace document that does not follow the format; the message names the place."""


@dataclass(slots=True)
class Declared:
    """One object of the file: its id and the fields it declares."""

    id: str
    fields: dict[str, Any]


@dataclass(slots=True)
class TeamDeclaration:
    """A team and everything declared inside it."""

    team: Declared
    users: list[Declared] = field(default_factory=list)
    bots: list[Declared] = field(default_factory=list)
    conversations: list[Declared] = field(default_factory=list)
    tokens: list[Declared] = field(default_factory=list)


def _check(value: object, path: str, keys: frozenset[str]) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise WorkspaceFileError(f"{path}: expected a mapping")
    unknown = sorted(set(value) - keys)
    if unknown:
        raise WorkspaceFileError(f"{path}: unknown key {unknown[0]!r}")
    for key, item in value.items():
        if key in _BOOL_FIELDS and not isinstance(item, bool):
            raise WorkspaceFileError(f"{path}.{key}: expected true or false")
        if key in _LIST_FIELDS and not isinstance(item, list):
            raise WorkspaceFileError(f"{path}.{key}: expected a list")
    return value


def _require_str(value: dict[str, Any], key: str, path: str) -> str:
    item = value.get(key)
    if not isinstance(item, str) or not item:
        raise WorkspaceFileError(f"{path}.{key}: required, a non-empty string")
    return item


def _items(value: dict[str, Any], key: str, path: str) -> list[Any]:
    items = value.get(key, [])
    if not isinstance(items, list):
        raise WorkspaceFileError(f"{path}.{key}: expected a list")
    return items


def parse_timestamp(value: object, path: str) -> float:
    """``expires_at`` as epoch seconds: a YAML timestamp, an ISO 8601 string or a number."""
    if isinstance(value, bool):
        raise WorkspaceFileError(f"{path}: expected a timestamp")
    if isinstance(value, int | float):
        return float(value)
    if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
        value = dt.datetime(value.year, value.month, value.day, tzinfo=dt.UTC)
    if isinstance(value, str):
        try:
            value = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError as exc:
            raise WorkspaceFileError(f"{path}: not an ISO 8601 timestamp") from exc
    if isinstance(value, dt.datetime):
        aware = value if value.tzinfo else value.replace(tzinfo=dt.UTC)
        return aware.timestamp()
    raise WorkspaceFileError(f"{path}: expected a timestamp")


def _team(raw: object, path: str) -> TeamDeclaration:
    value = _check(raw, path, TEAM_KEYS)
    fields = {
        k: v for k, v in value.items() if k not in ("users", "bots", "conversations", "tokens")
    }
    if "state" in fields:
        try:
            fields["state"] = TeamState(fields["state"])
        except ValueError as exc:
            raise WorkspaceFileError(f"{path}.state: unknown state {fields['state']!r}") from exc
    enterprise = fields.pop("enterprise", None)
    if enterprise is not None:
        grid = _check(enterprise, f"{path}.enterprise", frozenset({"id", "name"}))
        fields["enterprise_id"] = _require_str(grid, "id", f"{path}.enterprise")
        fields["enterprise_name"] = str(grid.get("name", ""))
    declaration = TeamDeclaration(Declared(_require_str(value, "id", path), fields))
    for i, item in enumerate(_items(value, "users", path)):
        user = _check(item, f"{path}.users[{i}]", USER_KEYS)
        declaration.users.append(Declared(_require_str(user, "id", f"{path}.users[{i}]"), user))
    for i, item in enumerate(_items(value, "bots", path)):
        bot = _check(item, f"{path}.bots[{i}]", BOT_KEYS)
        _require_str(bot, "user_id", f"{path}.bots[{i}]")
        declaration.bots.append(Declared(_require_str(bot, "id", f"{path}.bots[{i}]"), bot))
    for i, item in enumerate(_items(value, "conversations", path)):
        conv = _check(item, f"{path}.conversations[{i}]", CONVERSATION_KEYS)
        conv_id = _require_str(conv, "id", f"{path}.conversations[{i}]")
        declaration.conversations.append(Declared(conv_id, conv))
    for i, item in enumerate(_items(value, "tokens", path)):
        declaration.tokens.append(_token(item, f"{path}.tokens[{i}]"))
    return declaration


def _token(raw: object, path: str) -> Declared:
    value = dict(_check(raw, path, TOKEN_KEYS))
    text = _require_str(value, "token", path)
    _require_str(value, "user", path)
    kind = value.get("type", _TOKEN_PREFIX_TYPES.get(text[:4], TokenType.CLASSIC_BOT))
    try:
        value["type"] = TokenType(kind)
    except ValueError as exc:
        raise WorkspaceFileError(f"{path}.type: unknown token type {kind!r}") from exc
    value.setdefault("scopes", list(DEFAULT_SCOPES.get(value["type"], ())))
    if "expires_at" in value:
        value["expires_at"] = parse_timestamp(value["expires_at"], f"{path}.expires_at")
    return Declared(text, value)


def parse_workspace(document: object) -> list[TeamDeclaration]:
    """Parse a loaded YAML/JSON document (``{"teams": [...]}``) into team declarations."""
    root = _check(document, "workspace", frozenset({"teams"}))
    return [_team(item, f"teams[{i}]") for i, item in enumerate(_items(root, "teams", "workspace"))]
