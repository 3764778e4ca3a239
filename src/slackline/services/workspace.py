"""Loading workspace documents into storage (decisions F.3) and the admin actions on them.

A document is parsed and checked against the database as a whole before anything is
written, so a document with an error changes nothing. Then each object is created with
defaults or updated in the fields it declares; nothing is ever deleted. Every change
invalidates the identity cache, so it applies to the next request at once. After the changes
are stored they are published to the broker: ``team_join`` for a new user and ``user_change``
for a changed one (whole team), ``emoji_changed`` for a new or changed custom emoji, the
``subteam_*`` events for a new or changed user group (as ``usergroups.*`` sends them), and
the endings of RTM sessions (decisions E.7) for a revoked token, a deleted user, a team
entering migration or deleted, in that order. A team's ``apps`` are registered last, through
the app service (:attr:`WorkspaceService.app_declarer`), after the users and bots they name.
"""

from __future__ import annotations

import dataclasses
import enum
import logging
import secrets
from collections.abc import Awaitable, Callable, Sequence
from pathlib import Path
from typing import Any

import yaml

from slackline.broker import Broker, BrokerMessage, ControlAction, Event, SessionControl
from slackline.clock import Clock
from slackline.domain import apps as app_rules
from slackline.domain.apps import AppKind, AppRecord, AppSpecError, AppToken, AppTokenKind
from slackline.domain.emoji import CustomEmoji, emoji_added
from slackline.domain.events_api import SubscriptionError, check_subscriptions
from slackline.domain.models import (
    DEFAULT_SCOPES,
    Bot,
    Conversation,
    Team,
    TeamState,
    Token,
    TokenType,
    User,
)
from slackline.domain.prefs import ProfileField
from slackline.domain.shapes import bot_object, user_object
from slackline.domain.text import UnusableJsonError, check_document
from slackline.domain.ts import micros_to_ts
from slackline.domain.usergroups import (
    Usergroup,
    handle_from_name,
    membership_announcements,
    subteam_payload,
)
from slackline.domain.workspace_file import (
    APP_REQUIRED,
    Declared,
    TeamDeclaration,
    WorkspaceFileError,
    new_token_type,
    parse_team_fields,
    parse_token,
    parse_token_type,
    parse_workspace,
)
from slackline.services.identity import IdentityService
from slackline.services.passwords import hash_password, verify_password
from slackline.storage.base import Store

logger = logging.getLogger("slackline.workspace")

# (team id, an ``apps`` entry's fields) -> registered; raises on a definition it refuses.
AppDeclarer = Callable[[str, dict[str, Any]], Awaitable[object]]

TYPE_PREFIXES = {
    TokenType.CLASSIC_BOT: "xoxb",
    TokenType.GRANULAR_BOT: "xoxb",
    TokenType.USER: "xoxp",
    TokenType.APP: "xapp",
    TokenType.WORKSPACE: "xoxa",
    TokenType.ORG: "xoxe",
}
_TOKEN_ID_DIGITS = 13
MAX_WORKSPACE_DEPTH = 32
_TOKEN_SECRET_BYTES = 16


class WorkspaceErrorCode(enum.StrEnum):
    """What an admin action found missing or already there."""

    TEAM_NOT_FOUND = "team_not_found"
    USER_NOT_FOUND = "user_not_found"
    TOKEN_NOT_FOUND = "token_not_found"
    TOKEN_EXISTS = "token_exists"


class WorkspaceError(Exception):
    """An admin action on something that is missing or already there; ``code`` names it."""

    def __init__(self, code: WorkspaceErrorCode, detail: str) -> None:
        super().__init__(detail)
        self.code = code
        self.detail = detail


def read_workspace_file(path: str) -> object:
    """Read a YAML (or JSON) workspace file."""
    try:
        return parse_workspace_text(Path(path).read_text(encoding="utf-8"))
    except WorkspaceFileError as exc:
        raise WorkspaceFileError(f"{path}: {exc}") from exc


def parse_workspace_text(text: str) -> object:
    """Parse YAML (or JSON) text into a document whose text can all be stored (A.10)."""
    try:
        document = yaml.safe_load(text)
    except (yaml.YAMLError, RecursionError) as exc:
        raise WorkspaceFileError(f"not valid YAML: {exc}") from exc
    try:
        check_document(document, MAX_WORKSPACE_DEPTH)
    except UnusableJsonError as exc:
        raise WorkspaceFileError(f"not a usable document: {exc}") from exc
    return document


async def store_emoji(store: Store, emoji: CustomEmoji) -> bool:
    """Store a custom emoji unless it is stored with that value already; whether it changed."""
    existing = await store.emoji.get_emoji(emoji.team_id, emoji.name)
    if existing is not None and existing.value == emoji.value:
        return False
    await store.emoji.put_emoji(emoji)
    return True


def generate_token(kind: TokenType) -> str:
    """New token text with the prefix of its type, shaped like Slack's (``xoxb-1-2-abc``)."""

    def digits() -> str:
        return "".join(secrets.choice("0123456789") for _ in range(_TOKEN_ID_DIGITS))

    secret = secrets.token_hex(_TOKEN_SECRET_BYTES)
    return f"{TYPE_PREFIXES[kind]}-{digits()}-{digits()}-{secret}"


class WorkspaceService:
    """Applies workspace documents: creates what is missing, updates declared fields only."""

    def __init__(
        self,
        store: Store,
        identities: IdentityService,
        clock: Clock,
        broker: Broker | None = None,
    ) -> None:
        self._store = store
        self._identities = identities
        self._clock = clock
        self._broker = broker
        # Registers a file's ``apps`` entries (the app service's ``declare``), set at
        # composition: the app service itself needs this service to create bot users.
        self.app_declarer: AppDeclarer | None = None

    async def load_file(self, path: str) -> list[str]:
        """Load one workspace file; errors name the file and the place in it."""
        try:
            return await self.load_document(read_workspace_file(path))
        except WorkspaceFileError as exc:
            message = str(exc)
            raise WorkspaceFileError(
                message if message.startswith(path) else f"{path}: {message}"
            ) from exc

    async def load_document(self, document: object) -> list[str]:
        """Apply a parsed document; returns the ids of the teams it declared."""
        declarations = parse_workspace(document)
        with_apps = next((d.apps[0] for d in declarations if d.apps), None)
        if with_apps is not None and self.app_declarer is None:
            # Offline loading (``slackline workspace load``) has no app service to register
            # apps with; refusing keeps "a document with an error changes nothing".
            raise WorkspaceFileError(
                f"{with_apps.path}: apps are registered by a running server "
                "(slackline serve --workspace, or slackline admin apply)"
            )
        await _References(self._store, self._identities).check(declarations)
        endings: list[BrokerMessage] = []
        try:
            for declaration in declarations:
                await self._apply(declaration, endings)
        finally:
            self._identities.invalidate()
        await self._publish(endings)
        return [d.team.id for d in declarations]

    async def clear(self) -> None:
        """Delete every stored row (the control API's reset) and forget cached identities."""
        try:
            await self._store.clear()
        finally:
            self._identities.invalidate()

    async def team_ids(self) -> list[str]:
        """The ids of every stored team."""
        return [team.id for team in await self._store.list_teams()]

    async def _apply(self, declaration: TeamDeclaration, endings: list[BrokerMessage]) -> None:
        team_id = declaration.team.id
        await self._apply_team(declaration.team, endings)
        for user in declaration.users:
            fields = dict(user.fields)
            password = fields.pop("password", None)
            await self._apply_user(team_id, user.id, fields, endings)
            if password is not None:
                await self._apply_password(team_id, user.id, password)
        for bot in declaration.bots:
            await self._apply_bot(team_id, bot, endings)
        for conversation in declaration.conversations:
            await self._apply_conversation(team_id, conversation)
        for token in declaration.tokens:
            await self._apply_token(team_id, token, endings)
        for emoji in declaration.emoji:
            await self._apply_emoji(team_id, emoji, endings)
        for group in declaration.usergroups:
            await self._apply_usergroup(team_id, group, endings)
        for profile_field in declaration.profile_fields:
            await self._apply_profile_field(team_id, profile_field)
        for app in declaration.apps:
            await self._apply_app(team_id, app)

    async def _apply_app(self, team_id: str, declared: Declared) -> None:
        """Register or update one app; the app service's refusal names the place in the file."""
        from slackline.services.apps import AppError  # noqa: PLC0415 - it imports this module

        assert self.app_declarer is not None  # load_document refuses apps without it
        try:
            await self.app_declarer(team_id, {"id": declared.id, **declared.fields})
        except AppError as exc:
            raise WorkspaceFileError(f"{declared.path}: {exc.detail}") from exc

    async def _publish(self, messages: Sequence[BrokerMessage]) -> None:
        """Publish stored changes and session endings, in order (only after they are stored)."""
        if self._broker is not None:
            for message in messages:
                await self._broker.publish(message)

    async def _apply_team(self, declared: Declared, endings: list[BrokerMessage]) -> None:
        existing = await self._store.get_team(declared.id)
        if existing is None:
            fields = {"name": declared.id, "domain": declared.id.lower(), **declared.fields}
            team = Team(id=declared.id, created=int(self._clock.now()), **fields)
        else:
            team = dataclasses.replace(existing, **declared.fields)
            endings.extend(_team_endings(existing, team))
        await self._store.put_team(team)

    async def _apply_user(
        self, team_id: str, user_id: str, fields: dict[str, Any], endings: list[BrokerMessage]
    ) -> None:
        existing = await self._store.get_user(user_id)
        now = int(self._clock.now())
        if existing is None:
            fields = {"name": user_id.lower(), **fields}
            user = User(id=user_id, team_id=team_id, updated=now, **fields)
            endings.append(Event(team_id, {"type": "team_join", "user": user_object(user)}))
        else:
            user = dataclasses.replace(existing, **fields)
            if user == existing:
                return  # loading the same file again changes nothing, not even ``updated``
            user = dataclasses.replace(user, updated=now)
            endings.append(self._user_change(user))
            if user.deleted and not existing.deleted:
                endings.append(SessionControl(team_id, ControlAction.GOODBYE, user_id=user_id))
        await self._store.put_user(user)

    async def _apply_password(self, team_id: str, user_id: str, password: str) -> None:
        stored = await self._store.web_sessions.get_password(user_id)
        if stored is not None and await verify_password(stored, password):
            return  # the same file loaded again: keep the hash (hashing is costly by design)
        encoded = await hash_password(password)
        await self._store.web_sessions.put_password(user_id, team_id, encoded, self._now())

    def _now(self) -> int:
        return int(self._clock.now())

    def _user_change(self, user: User) -> Event:
        """``user_change`` for the whole team, shaped as users.profile.set sends it."""
        now = self._clock.now()
        payload = {
            "type": "user_change",
            "user": user_object(user),
            "cache_ts": int(now),
            "event_ts": f"{now:.6f}",
        }
        return Event(user.team_id, payload)

    async def _apply_bot(
        self, team_id: str, declared: Declared, endings: list[BrokerMessage]
    ) -> None:
        fields = dict(declared.fields)
        existing = await self._store.get_bot(declared.id)
        now = int(self._clock.now())
        if existing is None:
            fields.setdefault("name", declared.id.lower())
            bot = Bot(id=declared.id, team_id=team_id, updated=now, **fields)
        else:
            bot = dataclasses.replace(existing, **fields)
            if bot != existing:
                bot = dataclasses.replace(bot, updated=now)
        # The bot user mirrors the bot: created with it, renamed and deleted with it.
        user_fields: dict[str, Any] = {"is_bot": True, "bot_id": declared.id}
        if existing is None or "name" in fields:
            user_fields.update(name=bot.name, real_name=bot.name)
        if "deleted" in fields:
            user_fields["deleted"] = bot.deleted
        await self._apply_user(team_id, bot.user_id, user_fields, endings)
        await self._store.put_bot(bot)

    async def _apply_conversation(self, team_id: str, declared: Declared) -> None:
        fields = dict(declared.fields)
        members = fields.pop("members", ())
        if "user" in fields:
            fields["im_user"] = fields.pop("user")
        existing = await self._store.get_conversation(declared.id)
        if existing is None:
            fields = {"name": declared.id.lower(), **fields}
            created = int(self._clock.now())
            conversation = Conversation(id=declared.id, team_id=team_id, created=created, **fields)
        else:
            # A text the file changes is the file's again: who set it through the API is
            # forgotten (shapes show a declared text as the creator's, from creation).
            for text in ("topic", "purpose"):
                if text in fields and fields[text] != getattr(existing, text):
                    fields |= {f"{text}_creator": "", f"{text}_last_set": 0}
            conversation = dataclasses.replace(existing, **fields)
        await self._store.put_conversation(conversation)
        if members:
            await self._store.add_members(declared.id, list(members))

    async def _apply_emoji(
        self, team_id: str, declared: Declared, endings: list[BrokerMessage]
    ) -> None:
        now = self._clock.now()
        emoji = CustomEmoji(team_id, declared.id, declared.fields["value"], created=int(now))
        if await store_emoji(self._store, emoji):
            event_ts = micros_to_ts(int(now * 1_000_000))
            endings.append(Event(team_id, emoji_added(emoji, event_ts)))

    async def _apply_usergroup(
        self, team_id: str, declared: Declared, endings: list[BrokerMessage]
    ) -> None:
        fields = dict(declared.fields)
        users = fields.pop("users", ())
        disabled = fields.pop("disabled", None)
        if "channels" in fields:
            fields["channels"] = tuple(fields["channels"])
        groups = self._store.usergroups
        existing = await groups.get_usergroup(declared.id)
        now = int(self._clock.now())
        if existing is None:
            name = fields.pop("name", declared.id)
            creator = fields.pop("created_by", "")
            fields.setdefault("handle", handle_from_name(name))
            group = Usergroup(
                declared.id, team_id, name, created_by=creator, updated_by=creator,
                date_create=now, date_update=now, **fields,
            )  # fmt: skip
        else:
            group = dataclasses.replace(existing, **fields)
        if disabled is not None and disabled != group.disabled:
            group = dataclasses.replace(group, date_delete=now if disabled else 0)
        before = await groups.list_usergroup_users(declared.id) if existing else []
        after = sorted({*before, *users})
        if existing is not None and (group != existing or after != before):
            group = dataclasses.replace(group, date_update=now)
        elif existing is not None:
            return  # loading the same file again changes nothing
        await groups.put_usergroup(group)
        await groups.add_usergroup_users(group.id, [u for u in after if u not in before])
        if existing is None:
            endings.append(Event(team_id, subteam_payload("subteam_created", group, after)))
        previous = existing.date_update if existing is not None else now
        for payload, audience in membership_announcements(group, before, after, previous):
            endings.append(Event(team_id, payload, audience))
        if existing is not None:
            endings.append(Event(team_id, subteam_payload("subteam_updated", group, after)))

    async def _apply_profile_field(self, team_id: str, declared: Declared) -> None:
        fields = dict(declared.fields)
        if "possible_values" in fields:
            fields["possible_values"] = tuple(fields["possible_values"]) or None
        await self._store.prefs.put_profile_field(ProfileField(team_id, declared.id, **fields))

    async def _apply_token(
        self, team_id: str, declared: Declared, endings: list[BrokerMessage] | None = None
    ) -> None:
        fields = dict(declared.fields)
        if "user" in fields:
            fields["user_id"] = fields.pop("user")
        app_id = fields.pop("app", None)
        token_hash = self._identities.hash(declared.id)
        existing = await self._store.get_token(token_hash)
        if existing is None:
            kind = new_token_type(declared)
            fields.pop("type", None)
            scopes = fields.pop("scopes", DEFAULT_SCOPES.get(kind, ()))
            created = int(self._clock.now())
            token = Token(token_hash, team_id, type=kind, scopes=scopes, created=created, **fields)
        else:
            token = dataclasses.replace(existing, **fields)
            if token.revoked and not existing.revoked and endings is not None:
                endings.append(
                    SessionControl(team_id, ControlAction.GOODBYE, token_hash=token_hash)
                )
        await self._store.put_token(token)
        if app_id is not None:
            # An app-level (xapp-) token: which app's Socket Mode it opens (socket-mode.md).
            link = AppToken(token_hash, app_id, team_id, token.user_id, AppTokenKind.APP_LEVEL,
                            token.created)  # fmt: skip
            await self._store.apps.put_app_token(link)

    async def create_token(self, team_id: str, raw: dict[str, Any]) -> tuple[str, Token]:
        """Create one token (fields as in a file's ``tokens`` entry); returns text and record.

        Without ``token`` the text is generated with the prefix of its ``type``.
        """
        entry = dict(raw)
        kind = parse_token_type(entry.setdefault("type", TokenType.CLASSIC_BOT.value), "type")
        entry.setdefault("token", generate_token(kind))
        declared = parse_token(entry, "token")
        if "user" not in declared.fields:
            raise WorkspaceFileError("user: required to create a token")
        if await self._store.get_team(team_id) is None:
            raise WorkspaceError(WorkspaceErrorCode.TEAM_NOT_FOUND, f"no team {team_id}")
        user = await self._store.get_user(declared.fields["user"])
        if user is None or user.team_id != team_id:
            raise WorkspaceError(
                WorkspaceErrorCode.USER_NOT_FOUND, f"no user {entry['user']} in team {team_id}"
            )
        token_hash = self._identities.hash(declared.id)
        if await self._store.get_token(token_hash) is not None:
            raise WorkspaceError(
                WorkspaceErrorCode.TOKEN_EXISTS, "a token with this text already exists"
            )
        await self._apply_token(team_id, declared)
        token = await self._store.get_token(token_hash)
        assert token is not None  # just stored
        logger.info("created a %s token for %s in %s", kind.value, user.id, team_id)
        return declared.id, token

    async def update_team(self, team_id: str, raw: dict[str, Any]) -> Team:
        """Change an existing team's fields (state, policies, names); returns the team."""
        declared = parse_team_fields({**raw, "id": team_id}, "team")
        existing = await self._store.get_team(team_id)
        if existing is None:
            raise WorkspaceError(WorkspaceErrorCode.TEAM_NOT_FOUND, f"no team {team_id}")
        team = dataclasses.replace(existing, **declared.fields)
        await self._store.put_team(team)
        self._identities.invalidate()
        await self._publish(_team_endings(existing, team))
        logger.info("team %s changed: %s", team_id, ", ".join(sorted(declared.fields)))
        return team

    async def announce_migration(self, team_id: str) -> None:
        """Tell the team's sessions (every process) that it migrates: ``team_migration_started``
        then close 1001, without changing the stored team (the injected migration fault)."""
        if await self._store.get_team(team_id) is None:
            raise WorkspaceError(WorkspaceErrorCode.TEAM_NOT_FOUND, f"no team {team_id}")
        await self._publish([SessionControl(team_id, ControlAction.MIGRATION)])

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
        ending = SessionControl(token.team_id, ControlAction.GOODBYE, token_hash=token_hash)
        await self._publish([ending])
        logger.info(
            "revoked a %s token of %s in %s", token.type.value, token.user_id, token.team_id
        )
        return True

    async def put_app_bot(
        self, team_id: str, bot_id: str, user_id: str, name: str, app_id: str
    ) -> None:
        """Create or reactivate an app's bot and its bot user (an install, docs/apps.md):
        ``team_join`` for a new user, ``user_change`` for a reactivated one, and
        ``bot_added`` or ``bot_changed`` to the team."""
        existing = await self._store.get_bot(bot_id)
        fields: dict[str, Any] = {"user_id": user_id, "deleted": False}
        if existing is None:
            fields["name"] = name
        endings: list[BrokerMessage] = []
        await self._apply_bot(team_id, Declared(bot_id, fields, "install"), endings)
        bot = await self._store.get_bot(bot_id)
        assert bot is not None  # just stored
        kind = "bot_added" if existing is None else "bot_changed"
        if existing is None or existing.deleted:
            shape = {**bot_object(bot), "app_id": app_id}
            endings.append(Event(team_id, {"type": kind, "bot": shape}))
        self._identities.invalidate()
        await self._publish(endings)
        logger.info("app %s's bot %s (%s) in %s", app_id, bot_id, user_id, team_id)

    async def deactivate_user(self, user_id: str) -> bool:
        """Mark a user deleted (their tokens then fail per decisions B.3)."""
        user = await self._store.get_user(user_id)
        if user is None:
            return False
        deactivated = dataclasses.replace(user, deleted=True, updated=int(self._clock.now()))
        if not user.deleted:
            await self._store.put_user(deactivated)
        if user.bot_id:
            bot = await self._store.get_bot(user.bot_id)
            if bot is not None:
                await self._store.put_bot(dataclasses.replace(bot, deleted=True))
        # Their web sessions end with them (the sessions' tokens fail already, decisions B.3).
        await self._store.web_sessions.delete_sessions(user_id)
        self._identities.invalidate()
        ending = SessionControl(user.team_id, ControlAction.GOODBYE, user_id=user_id)
        changes: list[BrokerMessage] = [] if user.deleted else [self._user_change(deactivated)]
        await self._publish([*changes, ending])
        logger.info("deactivated user %s in %s", user_id, user.team_id)
        return True


def _team_endings(before: Team, after: Team) -> list[SessionControl]:
    """The session endings a team change calls for: migration, or goodbye when deleted."""
    if after.state is TeamState.MIGRATING and before.state is not TeamState.MIGRATING:
        return [SessionControl(after.id, ControlAction.MIGRATION)]
    if after.state is TeamState.DELETED and before.state is not TeamState.DELETED:
        return [SessionControl(after.id, ControlAction.GOODBYE)]
    return []


class _References:
    """Checks a whole document against itself and the database before anything is written.

    Every user, bot, conversation and token belongs to exactly one team, and a token can
    only be created for a user of its team.
    """

    def __init__(self, store: Store, identities: IdentityService) -> None:
        self._store = store
        self._identities = identities
        self._owners: dict[tuple[str, str], str] = {}
        self._declared_conversations: dict[str, Declared] = {}
        self._declared_bot_users: set[tuple[str, str]] = set()  # (team id, bot user id)
        self._client_ids: dict[str, str] = {}  # declared client id -> app id

    async def check(self, declarations: list[TeamDeclaration]) -> None:
        """Raise :class:`WorkspaceFileError` at the first broken reference."""
        for declaration in declarations:
            team_id = declaration.team.id
            for user in declaration.users:
                await self._claim("user", user.id, team_id, user.path)
            for bot in declaration.bots:
                await self._claim("bot", bot.id, team_id, bot.path)
                await self._claim("user", bot.fields["user_id"], team_id, f"{bot.path}.user_id")
                self._declared_bot_users.add((team_id, bot.fields["user_id"]))
            for conversation in declaration.conversations:
                await self._claim("conversation", conversation.id, team_id, conversation.path)
                self._declared_conversations[conversation.id] = conversation
            for group in declaration.usergroups:
                await self._claim("usergroup", group.id, team_id, group.path)
        for declaration in declarations:
            for token in declaration.tokens:
                await self._check_token(declaration.team.id, token)
            for group in declaration.usergroups:
                await self._check_usergroup(declaration.team.id, group)
            for app in declaration.apps:
                await self._check_app(declaration.team.id, app)
            for token in declaration.tokens:
                await self._check_app_token(declaration.team.id, token)

    async def _claim(self, kind: str, object_id: str, team_id: str, path: str) -> None:
        owner = self._owners.get((kind, object_id)) or await self._stored_owner(kind, object_id)
        if owner is not None and owner != team_id:
            raise WorkspaceFileError(f"{path}: {kind} {object_id} belongs to team {owner}")
        self._owners[(kind, object_id)] = team_id

    async def _stored_owner(self, kind: str, object_id: str) -> str | None:
        found: User | Bot | Conversation | Usergroup | AppRecord | None
        if kind == "app":
            found = await self._store.apps.get_app(object_id)
        elif kind == "user":
            found = await self._store.get_user(object_id)
        elif kind == "bot":
            found = await self._store.get_bot(object_id)
        elif kind == "usergroup":
            found = await self._store.usergroups.get_usergroup(object_id)
        else:
            found = await self._store.get_conversation(object_id)
        return found.team_id if found is not None else None

    async def _check_usergroup(self, team_id: str, group: Declared) -> None:
        """A group's users are users of its team; its channels the team's public channels."""
        for i, user_id in enumerate(group.fields.get("users", ())):
            owner = self._owners.get(("user", user_id)) or await self._stored_owner("user", user_id)
            if owner != team_id:
                raise WorkspaceFileError(
                    f"{group.path}.users[{i}]: no user {user_id} in team {team_id}"
                )
        for i, channel_id in enumerate(group.fields.get("channels", ())):
            if not await self._public_channel_of(team_id, channel_id):
                raise WorkspaceFileError(
                    f"{group.path}.channels[{i}]: no public channel {channel_id} in team {team_id}"
                )

    async def _public_channel_of(self, team_id: str, channel_id: str) -> bool:
        stored = await self._store.get_conversation(channel_id)
        declared = self._declared_conversations.get(channel_id)
        owner = self._owners.get(("conversation", channel_id)) or (
            stored.team_id if stored is not None else None
        )
        if owner != team_id:
            return False
        flags = {"is_private": False, "is_im": False, "is_mpim": False}
        if stored is not None:
            flags.update(is_private=stored.is_private, is_im=stored.is_im, is_mpim=stored.is_mpim)
        if declared is not None:
            flags.update({k: v for k, v in declared.fields.items() if k in flags})
        return not any(flags.values())

    async def _check_token(self, team_id: str, token: Declared) -> None:
        existing = await self._store.get_token(self._identities.hash(token.id))
        if existing is not None and existing.team_id != team_id:
            raise WorkspaceFileError(f"{token.path}: the token belongs to team {existing.team_id}")
        user_id = token.fields.get("user")
        if existing is None:
            new_token_type(token)
            if user_id is None:
                raise WorkspaceFileError(f"{token.path}.user: required to create a token")
        if user_id is None:
            return
        if self._owners.get(("user", user_id)) == team_id:
            return
        if await self._stored_owner("user", user_id) != team_id:
            raise WorkspaceFileError(
                f"{token.path}.user: no user {user_id} in team {team_id} "
                "(declare it under users, or as a bot's user_id)"
            )

    async def _check_app_token(self, team_id: str, token: Declared) -> None:
        """A token naming an ``app`` is an app-level token of an app of its team."""
        app_id = token.fields.get("app")
        if app_id is None:
            return
        if new_token_type(token) is not TokenType.APP:
            raise WorkspaceFileError(f"{token.path}.app: only app-level (xapp-) tokens name an app")
        owner = self._owners.get(("app", app_id)) or await self._stored_owner("app", app_id)
        if owner != team_id:
            raise WorkspaceFileError(f"{token.path}.app: no app {app_id} in team {team_id}")

    async def _check_app(self, team_id: str, app: Declared) -> None:
        """An app belongs to one team, its client id to one app, its ``bot_user`` is a bot
        user of its team, and what it becomes (stored fields with the declared ones) is an
        app the app service registers: so that its refusals come before any write."""
        await self._claim("app", app.id, team_id, app.path)
        stored = await self._store.apps.get_app(app.id)
        if stored is None:
            for required in APP_REQUIRED:
                if required not in app.fields:
                    raise WorkspaceFileError(f"{app.path}.{required}: required to create an app")
        client_id = app.fields.get("client_id")
        if client_id is not None:
            holder = await self._store.apps.find_app(client_id)
            taken_by = self._client_ids.setdefault(client_id, app.id)
            if taken_by != app.id or (holder is not None and holder.id != app.id):
                raise WorkspaceFileError(f"{app.path}.client_id: another app has this client_id")
        bot_user = app.fields.get("bot_user")
        if bot_user is not None and not await self._bot_user_of(team_id, bot_user):
            raise WorkspaceFileError(
                f"{app.path}.bot_user: no bot user {bot_user} in team {team_id} "
                "(declare it as a bot's user_id)"
            )
        self._check_app_scopes(app, stored)

    async def _bot_user_of(self, team_id: str, user_id: str) -> bool:
        if (team_id, user_id) in self._declared_bot_users:
            return True
        user = await self._store.get_user(user_id)
        return user is not None and user.team_id == team_id and bool(user.bot_id)

    @staticmethod
    def _check_app_scopes(app: Declared, stored: AppRecord | None) -> None:
        """The scope rules of the whole app, as it will be (docs/apps.md)."""
        fields = app.fields
        kind = AppKind(fields["kind"]) if "kind" in fields else stored.kind if stored else None
        if kind is None:
            return  # reported above: a new app needs its kind
        scopes = tuple(fields.get("scopes", stored.scopes if stored else ()))
        user_scopes = tuple(fields.get("user_scopes", stored.user_scopes if stored else ()))
        rotation = fields.get("token_rotation", stored.token_rotation if stored else False)
        subscriptions = fields.get(
            "event_subscriptions", stored.event_subscriptions if stored else ()
        )
        try:
            app_rules.check_scope_set(kind, scopes, user_scopes)
            check_subscriptions(kind, scopes, subscriptions)
        except (AppSpecError, SubscriptionError) as exc:
            raise WorkspaceFileError(f"{app.path}: {exc}") from None
        if rotation and kind is AppKind.CLASSIC:
            raise WorkspaceFileError(f"{app.path}.token_rotation: only granular apps rotate tokens")
