"""Loading workspace documents into storage (decisions F.3) and the admin actions on them."""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

import yaml

from slackline.clock import Clock
from slackline.domain.models import Bot, Conversation, Team, Token, User
from slackline.domain.workspace_file import (
    Declared,
    TeamDeclaration,
    WorkspaceFileError,
    parse_workspace,
)
from slackline.services.identity import IdentityService
from slackline.storage.base import Store

_TEAM_FIELDS = frozenset(f.name for f in dataclasses.fields(Team))
_USER_FIELDS = frozenset(f.name for f in dataclasses.fields(User))
_CONVERSATION_FIELDS = frozenset(f.name for f in dataclasses.fields(Conversation))


def read_workspace_file(path: str) -> object:
    """Read a YAML (or JSON) workspace file."""
    try:
        return yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        raise WorkspaceFileError(f"{path}: not valid YAML: {exc}") from exc


def parse_workspace_text(text: str) -> object:
    """Parse YAML (or JSON) text into a document."""
    try:
        return yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise WorkspaceFileError(f"not valid YAML: {exc}") from exc


def _pick(declared: dict[str, Any], allowed: frozenset[str]) -> dict[str, Any]:
    return {k: v for k, v in declared.items() if k in allowed and k != "id"}


class WorkspaceService:
    """Applies workspace documents: creates what is missing, updates declared fields only."""

    def __init__(self, store: Store, identities: IdentityService, clock: Clock) -> None:
        self._store = store
        self._identities = identities
        self._clock = clock

    async def load_document(self, document: object) -> list[str]:
        """Apply a parsed document; returns the ids of the teams it declared."""
        declarations = parse_workspace(document)
        for declaration in declarations:
            await self._apply(declaration)
        self._identities.invalidate()
        return [d.team.id for d in declarations]

    async def _apply(self, declaration: TeamDeclaration) -> None:
        team_id = declaration.team.id
        await self._apply_team(declaration.team)
        for user in declaration.users:
            await self._apply_user(team_id, user.id, _pick(user.fields, _USER_FIELDS))
        for bot in declaration.bots:
            await self._apply_bot(team_id, bot)
        for conversation in declaration.conversations:
            await self._apply_conversation(team_id, conversation)
        for token in declaration.tokens:
            await self._apply_token(team_id, token)

    async def _apply_team(self, declared: Declared) -> None:
        fields = _pick(declared.fields, _TEAM_FIELDS)
        existing = await self._store.get_team(declared.id)
        if existing is None:
            fields.setdefault("name", declared.id)
            fields.setdefault("domain", declared.id.lower())
            fields["created"] = int(self._clock.now())
            team = Team(id=declared.id, **fields)
        else:
            team = dataclasses.replace(existing, **fields)
        await self._store.put_team(_tupled(team))

    async def _apply_user(self, team_id: str, user_id: str, fields: dict[str, Any]) -> User:
        existing = await self._store.get_user(user_id)
        now = int(self._clock.now())
        if existing is None:
            fields.setdefault("name", user_id.lower())
            user = User(id=user_id, team_id=team_id, updated=now, **fields)
        else:
            if existing.team_id != team_id:
                raise WorkspaceFileError(f"user {user_id} belongs to team {existing.team_id}")
            user = dataclasses.replace(existing, updated=now, **fields)
        await self._store.put_user(user)
        return user

    async def _apply_bot(self, team_id: str, declared: Declared) -> None:
        fields = declared.fields
        user_id = fields["user_id"]
        existing = await self._store.get_bot(declared.id)
        name = fields.get("name", existing.name if existing else declared.id.lower())
        deleted = fields.get("deleted", existing.deleted if existing else False)
        now = int(self._clock.now())
        bot = Bot(declared.id, team_id, user_id, name, deleted, now)
        user_fields = {"name": name, "real_name": name, "is_bot": True, "bot_id": declared.id}
        if "deleted" in fields:
            user_fields["deleted"] = deleted
        await self._apply_user(team_id, user_id, user_fields)
        await self._store.put_bot(bot)

    async def _apply_conversation(self, team_id: str, declared: Declared) -> None:
        fields = dict(declared.fields)
        members = fields.pop("members", None)
        im_user = fields.pop("user", None)
        fields = _pick(fields, _CONVERSATION_FIELDS)
        if im_user is not None:
            fields["im_user"] = im_user
        existing = await self._store.get_conversation(declared.id)
        if existing is None:
            fields.setdefault("name", declared.id.lower())
            fields["created"] = int(self._clock.now())
            conversation = Conversation(id=declared.id, team_id=team_id, **fields)
        else:
            conversation = dataclasses.replace(existing, **fields)
        await self._store.put_conversation(conversation)
        if members:
            await self._store.add_members(declared.id, [str(m) for m in members])

    async def _apply_token(self, team_id: str, declared: Declared) -> None:
        fields = dict(declared.fields)
        token_hash = self._identities.hash(declared.id)
        existing = await self._store.get_token(token_hash)
        fields.pop("token")
        fields["user_id"] = fields.pop("user")
        for key in ("scopes", "allowed_networks"):
            if key in fields:
                fields[key] = tuple(str(v) for v in fields[key])
        if existing is None:
            token = Token(
                hash=token_hash, team_id=team_id, created=int(self._clock.now()), **fields
            )
        else:
            token = dataclasses.replace(existing, **fields)
        await self._store.put_token(token)

    async def revoke_token(self, token_text: str) -> bool:
        """Mark a token revoked; returns whether it existed."""
        return await self.revoke_token_hash(self._identities.hash(token_text))

    async def revoke_token_hash(self, token_hash: str) -> bool:
        """Mark the token with this keyed hash revoked; returns whether it existed."""
        token = await self._store.get_token(token_hash)
        if token is None:
            return False
        await self._store.put_token(dataclasses.replace(token, revoked=True))
        self._identities.invalidate()
        return True

    async def deactivate_user(self, user_id: str) -> bool:
        """Mark a user deleted (their tokens then fail per decisions B.3)."""
        user = await self._store.get_user(user_id)
        if user is None:
            return False
        await self._store.put_user(dataclasses.replace(user, deleted=True))
        if user.bot_id:
            bot = await self._store.get_bot(user.bot_id)
            if bot is not None:
                await self._store.put_bot(dataclasses.replace(bot, deleted=True))
        self._identities.invalidate()
        return True


def _tupled(team: Team) -> Team:
    return dataclasses.replace(
        team,
        allowed_networks=tuple(team.allowed_networks),
        rtm_denied=tuple(team.rtm_denied),
    )
