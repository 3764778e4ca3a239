"""Apps and their OAuth installs: the only writer of ``store.apps`` (docs/apps.md).

Registering an app makes its client id and secrets (the secrets shown once; stored as a keyed
hash and sealed, :mod:`slackline.services.secretbox`). Approving an authorize request issues
a single-use code; exchanging it (``oauth.access``, ``oauth.v2.access``) installs the app:
its bot user where the scopes ask for one, new tokens (an install's earlier tokens of the
same kind revoked, so re-installing reissues), refresh tokens when the app rotates tokens.
Uninstalling revokes every token the app's installs in a team issued (their sockets get
``goodbye``) and deactivates its bot user. Tokens are the workspace's own
(:class:`~slackline.domain.models.Token`), so RTM and the Web API need nothing new.
"""

from __future__ import annotations

import dataclasses
import enum
import hmac
import logging
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from slackline.clock import Clock, IdFactory
from slackline.domain import apps as rules
from slackline.domain import events_api as events_rules
from slackline.domain.apps import (
    AppKind,
    AppRecord,
    AppSpecError,
    AppToken,
    AppTokenKind,
    AuthCode,
    AuthorizeRequest,
    Installation,
    OAuthFlow,
    TokenGrant,
)
from slackline.domain.models import Identity, Team, TeamState, Token
from slackline.errors import SlackError, SlackErrorCode
from slackline.services.identity import IdentityService
from slackline.services.secretbox import SecretBox, SecretBoxError
from slackline.services.workspace import WorkspaceService, generate_token
from slackline.socket_mode.http_delivery import HttpTarget
from slackline.socket_mode.hub import ConnectedApp
from slackline.storage.base import Store

logger = logging.getLogger("slackline.apps")

SECRET_BYTES = 16  # 32 hex digits, as Slack's client and signing secrets
_CLIENT_ID_DIGITS = 12
_SECRETS = ("client_secret", "signing_secret")
_REFRESH_PREFIX = "xoxe-1-"


class AppErrorCode(enum.StrEnum):
    """Why an app operation of the admin API or the Apps page failed."""

    TEAM_NOT_FOUND = "team_not_found"
    APP_NOT_FOUND = "app_not_found"
    APP_EXISTS = "app_exists"
    CLIENT_ID_TAKEN = "client_id_taken"
    INVALID_APP = "invalid_app"
    NOT_INSTALLED = "not_installed"


class AppError(Exception):
    """An app operation refused; ``detail`` is safe to show (it never holds a secret)."""

    def __init__(self, code: AppErrorCode, detail: str) -> None:
        super().__init__(detail)
        self.code = code
        self.detail = detail


@dataclass(frozen=True, slots=True)
class RegisteredApp:
    """An app just registered, with its secrets in the clear: shown once, never again."""

    app: AppRecord
    client_secret: str
    signing_secret: str


@dataclass(frozen=True, slots=True)
class _Issued:
    grant: TokenGrant
    user_id: str
    text: str
    refresh: str
    expires_in: int | None


def _random_digits(count: int) -> str:
    return "".join(secrets.choice("0123456789") for _ in range(count))


def _rotating_text(plain: str) -> str:
    """A rotating access token's text, as Slack spells them (``xoxe.xoxb-1-…``)."""
    prefix, _, rest = plain.partition("-")
    return f"xoxe.{prefix}-1-{rest}"


class AppService:
    """Registers apps, checks authorize requests, issues codes, installs and uninstalls."""

    def __init__(
        self,
        store: Store,
        identities: IdentityService,
        workspaces: WorkspaceService,
        clock: Clock,
        ids: IdFactory,
    ) -> None:
        self._store = store
        self._identities = identities
        self._workspaces = workspaces
        self._clock = clock
        self._ids = ids
        self._box = SecretBox(identities.derive("secret-box", "app-signing-secrets"))
        # Told after any change to apps or installations (the event router's cache).
        self.on_change: Callable[[], None] = _nothing
        # Told when an app's Socket Mode is turned off (its connections get link_disabled).
        self.on_socket_mode_off: Callable[[str], None] = _nothing_for
        # Told after every declaration, changed or not (a failing app's events re-enabled).
        self.on_declared: Callable[[str], object] = _nothing_for

    # --- registering -------------------------------------------------------------------------

    async def register(self, team_id: str, raw: dict[str, Any]) -> RegisteredApp:
        """Register a new app (fields as a workspace file's ``apps`` entry; ``id``,
        ``client_id`` and the secrets are generated when absent). Raises :class:`AppError`."""
        if raw.get("id") and await self._store.apps.get_app(str(raw["id"])) is not None:
            raise AppError(AppErrorCode.APP_EXISTS, f"an app {raw['id']} exists")
        return await self.declare(team_id, raw)

    async def declare(self, team_id: str, raw: dict[str, Any]) -> RegisteredApp:
        """Create or update an app from its definition (a workspace file's entry): what it
        names replaces what is stored; secrets it does not name are kept (or generated)."""
        if await self._store.get_team(team_id) is None:
            raise AppError(AppErrorCode.TEAM_NOT_FOUND, f"no team {team_id}")
        app_id = str(raw.get("id") or self._ids.object_id("A"))
        existing = await self._store.apps.get_app(app_id)
        if existing is not None and existing.team_id != team_id:
            raise AppError(AppErrorCode.APP_EXISTS, f"app {app_id} belongs to another team")
        try:
            app, client_secret, signing_secret = self._definition(team_id, app_id, raw, existing)
        except AppSpecError as exc:
            raise AppError(AppErrorCode.INVALID_APP, str(exc)) from None
        holder = await self._store.apps.find_app(app.client_id)
        if holder is not None and holder.id != app.id:
            raise AppError(AppErrorCode.CLIENT_ID_TAKEN, "another app has this client_id")
        if app.bot_user:
            await self._check_bot_user(team_id, app.bot_user)
        if app != existing:
            await self._store.apps.put_app(app)
            if existing is not None and existing.socket_mode and not app.socket_mode:
                self.on_socket_mode_off(app.id)
            self.on_change()
            logger.info("app %s (%s) registered in %s", app.id, app.kind.value, team_id)
        self.on_declared(app.id)
        return RegisteredApp(app, client_secret, signing_secret)

    def _definition(
        self, team_id: str, app_id: str, raw: dict[str, Any], existing: AppRecord | None
    ) -> tuple[AppRecord, str, str]:
        known = {
            "id", "name", "kind", "client_id", "client_secret", "signing_secret",
            "redirect_urls", "scopes", "user_scopes", "bot_user", "token_rotation",
            "distributed", "socket_mode", "event_subscriptions", "request_url", "commands",
        }  # fmt: skip
        unknown = sorted(set(raw) - known)
        if unknown:
            raise AppSpecError(f"{unknown[0]}: unknown field (allowed: {', '.join(sorted(known))})")
        if existing is None:
            for required in ("name", "kind", "redirect_urls", "scopes"):
                if required not in raw:
                    raise AppSpecError(f"{required}: required")
        kind = rules.check_kind(raw["kind"]) if "kind" in raw else existing.kind  # type: ignore[union-attr]
        scopes = rules.parse_scopes(raw["scopes"], "scopes") if "scopes" in raw else None
        user_scopes = (
            rules.parse_scopes(raw["user_scopes"], "user_scopes") if "user_scopes" in raw else None
        )
        client_secret = self._secret(raw, "client_secret")
        signing_secret = self._secret(raw, "signing_secret")
        base = existing or AppRecord(
            id=app_id, team_id=team_id, name="", kind=kind,
            client_id=f"{_random_digits(_CLIENT_ID_DIGITS)}.{_random_digits(_CLIENT_ID_DIGITS)}",
            client_secret_hash="", signing_secret_box="", redirect_urls=(), scopes=(),
            created=int(self._clock.now()),
        )  # fmt: skip
        changes: dict[str, Any] = {"kind": kind}
        if "name" in raw:
            changes["name"] = rules.check_app_name(raw["name"])
        if "client_id" in raw:
            changes["client_id"] = self._client_id(raw["client_id"])
        if "redirect_urls" in raw:
            changes["redirect_urls"] = rules.check_redirect_urls(raw["redirect_urls"])
        if scopes is not None:
            changes["scopes"] = scopes
        if user_scopes is not None:
            changes["user_scopes"] = user_scopes
        if "event_subscriptions" in raw:
            changes["event_subscriptions"] = rules.check_event_subscriptions(
                raw["event_subscriptions"]
            )
        if "request_url" in raw:
            changes["request_url"] = rules.check_request_url(raw["request_url"])
        if "commands" in raw:
            changes["commands"] = rules.check_commands(raw["commands"])
        for flag in ("token_rotation", "distributed", "socket_mode"):
            if flag in raw:
                if not isinstance(raw[flag], bool):
                    raise AppSpecError(f"{flag}: true or false")
                changes[flag] = raw[flag]
        if "bot_user" in raw:
            if not isinstance(raw["bot_user"], str):
                raise AppSpecError("bot_user: a bot user's id")
            changes["bot_user"] = raw["bot_user"]
        app = dataclasses.replace(base, **changes)
        rules.check_scope_set(app.kind, app.scopes, app.user_scopes)
        try:
            events_rules.check_subscriptions(app.kind, app.scopes, app.event_subscriptions)
        except events_rules.SubscriptionError as exc:
            raise AppSpecError(str(exc)) from None
        if app.token_rotation and app.kind is AppKind.CLASSIC:
            raise AppSpecError("token_rotation: only granular apps rotate tokens")
        app, client_secret = self._with_secret(app, "client_secret", client_secret, existing)
        app, signing_secret = self._with_secret(app, "signing_secret", signing_secret, existing)
        return app, client_secret, signing_secret

    @staticmethod
    def _secret(raw: dict[str, Any], name: str) -> str | None:
        if name not in raw:
            return None
        value = raw[name]
        if not isinstance(value, str) or not 8 <= len(value) <= 256 or not value.isprintable():
            raise AppSpecError(f"{name}: 8 to 256 printable characters")
        return value

    @staticmethod
    def _client_id(value: object) -> str:
        if not isinstance(value, str) or not 1 <= len(value) <= 64 or not value.isprintable():
            raise AppSpecError("client_id: 1 to 64 printable characters")
        return value

    def _with_secret(
        self, app: AppRecord, name: str, given: str | None, existing: AppRecord | None
    ) -> tuple[AppRecord, str]:
        """The app with ``name`` set to ``given`` (or a new secret when it had none); the
        secret in the clear is returned only when it was set now."""
        if given is None and existing is not None:
            return app, ""
        if given is not None and existing is not None and self._holds(existing, name, given):
            return app, given  # the same file loaded again: keep what is stored
        secret = given if given is not None else secrets.token_hex(SECRET_BYTES)
        if name == "client_secret":
            return dataclasses.replace(
                app, client_secret_hash=self._identities.hash(secret)
            ), secret
        return dataclasses.replace(app, signing_secret_box=self._box.seal(secret, app.id)), secret

    def _holds(self, app: AppRecord, name: str, secret: str) -> bool:
        """Whether the stored app already has this secret (constant time)."""
        if name == "client_secret":
            return self.client_secret_matches(app, secret)
        try:
            stored = self._box.open(app.signing_secret_box, app.id)
        except SecretBoxError:
            return False
        return hmac.compare_digest(stored.encode(), secret.encode())

    async def _check_bot_user(self, team_id: str, user_id: str) -> None:
        user = await self._store.get_user(user_id)
        if user is None or user.team_id != team_id or not user.bot_id:
            raise AppError(
                AppErrorCode.INVALID_APP, f"bot_user: {user_id} is no bot user of {team_id}"
            )

    async def rotate(self, app_id: str, which: str) -> str:
        """Replace an app's ``client_secret`` or ``signing_secret``; the new one, once. The
        old one stops working at once (tokens already issued stay)."""
        app = await self._app(app_id)
        if which not in _SECRETS:
            raise AppError(AppErrorCode.INVALID_APP, "secret: client_secret or signing_secret")
        rotated, secret = self._with_secret(app, which, None, None)
        await self._store.apps.put_app(rotated)
        self.on_change()
        logger.info("app %s: %s rotated", app_id, which)
        return secret

    async def signing_secret(self, app_id: str) -> str:
        """An app's signing secret in the clear (to sign what Slackline sends it)."""
        app = await self._app(app_id)
        return self._box.open(app.signing_secret_box, app.id)

    async def _app(self, app_id: str) -> AppRecord:
        app = await self._store.apps.get_app(app_id)
        if app is None:
            raise AppError(AppErrorCode.APP_NOT_FOUND, f"no app {app_id}")
        return app

    async def get(self, app_id: str) -> AppRecord:
        """An app; raises :class:`AppError` when there is none."""
        return await self._app(app_id)

    async def list_apps(self, team_id: str) -> list[AppRecord]:
        """The apps a team registered."""
        return await self._store.apps.list_apps(team_id)

    async def installations(self, app_id: str) -> list[Installation]:
        """Where an app is installed."""
        await self._app(app_id)
        return await self._store.apps.list_installations(app_id)

    def client_secret_matches(self, app: AppRecord, given: str) -> bool:
        """Whether ``given`` is the app's client secret (keyed hashes, constant time)."""
        return hmac.compare_digest(self._identities.hash(given), app.client_secret_hash)

    # --- authorizing -------------------------------------------------------------------------

    async def check_authorize(
        self, flow: OAuthFlow, team_id: str, args: dict[str, str]
    ) -> AuthorizeRequest:
        """Check an authorize URL's ``client_id``, ``scope``, ``user_scope``,
        ``redirect_uri`` and ``state`` for a person of ``team_id``; raises
        :class:`~slackline.domain.apps.AuthorizeError`."""
        client_id = args.get("client_id", "")
        app = await self._store.apps.find_app(client_id) if client_id else None
        return rules.check_authorize(
            app, flow, team_id=team_id, scope=args.get("scope", ""),
            user_scope=args.get("user_scope", ""), redirect_uri=args.get("redirect_uri", ""),
            state=args.get("state", ""),
        )  # fmt: skip

    async def approve(self, request: AuthorizeRequest, user_id: str) -> str:
        """Issue a code for an approved request; the URL to send the browser to."""
        now = self._clock.now()
        await self._store.apps.delete_codes_before(now)
        code = f"{_random_digits(10)}.{_random_digits(13)}.{secrets.token_hex(32)}"
        record = AuthCode(
            code_hash=self._identities.hash(code), app_id=request.app.id,
            team_id=request.team_id, user_id=user_id, flow=request.app.flow,
            redirect_uri=request.redirect_uri, scopes=request.scopes,
            user_scopes=request.user_scopes, expires_at=now + rules.CODE_TTL_SECS,
        )  # fmt: skip
        await self._store.apps.put_code(record)
        logger.info("app %s approved by %s in %s", request.app.id, user_id, request.team_id)
        return rules.approved_location(request, code)

    @staticmethod
    def deny(request: AuthorizeRequest) -> str:
        """The URL to send the browser to when the person denies the request."""
        return rules.denied_location(request)

    # --- Socket Mode -------------------------------------------------------------------------

    async def app_of_app_token(self, token_hash: str) -> str | None:
        """The app an app-level (``xapp-``) token belongs to."""
        link = await app_token_target(self._store, token_hash)
        return link.app_id if link is not None else None

    async def connected_app(self, token_hash: str) -> ConnectedApp | None:
        """What a Socket Mode connection of this app-level token needs: the app with Socket
        Mode on, its bot user in the token's team (installed, or its ``bot_user``)."""
        link = await app_token_target(self._store, token_hash)
        app = await self._store.apps.get_app(link.app_id) if link is not None else None
        if link is None or app is None or not app.socket_mode:
            return None
        found = await team_app(self._store, app, link.team_id)
        return found.connected(link.team_id, token_hash)

    async def create_app_token(self, app_id: str, team_id: str) -> str:
        """A new app-level token of the app (``connections:write``), as its text (shown
        once: it is stored only as its keyed hash)."""
        # An install with a declared bot_user uses it, so either way this is the app's bot.
        user = (await team_app(self._store, await self._app(app_id), team_id)).bot_user
        if not user:
            raise AppError(AppErrorCode.INVALID_APP, "an app-level token needs the app's bot user")
        raw = {"type": "app", "user": user, "scopes": ["connections:write"], "app": app_id}
        text, _ = await self._workspaces.create_token(team_id, raw)
        return text

    async def http_targets(self, team_id: str) -> list[tuple[ConnectedApp, HttpTarget]]:
        """The team's apps that receive events at a request URL (Socket Mode off), with
        their bot user and their signing secret: its own apps and those installed in it."""
        targets = []
        for found in await team_apps(self._store, team_id):
            app = found.app
            if app.socket_mode or not app.request_url or not app.event_subscriptions:
                continue
            if not found.bot_user:
                continue
            secret = self._box.open(app.signing_secret_box, app.id)
            targets.append((found.connected(team_id), HttpTarget(app.id, app.request_url, secret)))
        return targets

    # --- exchanging --------------------------------------------------------------------------

    async def exchange(
        self, flow: OAuthFlow, args: dict[str, str], authorization: str | None
    ) -> dict[str, Any]:
        """``oauth.access`` (V1) or ``oauth.v2.access`` (V2): client authentication (form
        fields or HTTP Basic), then the code (or, V2, a refresh token); the body's fields.
        Raises :class:`SlackError` with the errors Slack documents, in this order:
        ``invalid_client_id``, ``bad_client_secret``, ``invalid_grant_type``, then the
        code's (``invalid_code``, ``code_already_used``, ``oauth_authorization_url_mismatch``,
        ``bad_redirect_uri``) or the refresh token's (``invalid_refresh_token``)."""
        app = await self._authenticate_client(args, authorization)
        grant_type = args.get("grant_type", "")
        if grant_type == "refresh_token" and flow is OAuthFlow.V2:
            return await self._refresh(app, args.get("refresh_token", ""))
        if grant_type not in ("", "authorization_code"):
            raise SlackError(SlackErrorCode.INVALID_GRANT_TYPE)
        code = await self._code(app, flow, args.get("code", ""), args.get("redirect_uri", ""))
        return await self._install(app, code)

    async def _credentialed(self, client_id: str, client_secret: str) -> AppRecord:
        """The app these credentials name: ``invalid_client_id``, then ``bad_client_secret``."""
        app = await self._store.apps.find_app(client_id) if client_id else None
        if app is None:
            raise SlackError(SlackErrorCode.INVALID_CLIENT_ID)
        if not client_secret or not self.client_secret_matches(app, client_secret):
            raise SlackError(SlackErrorCode.BAD_CLIENT_SECRET)
        return app

    async def _authenticate_client(
        self, args: dict[str, str], authorization: str | None
    ) -> AppRecord:
        basic = rules.basic_credentials(authorization)
        if basic is None and authorization and authorization.strip()[:6].lower() == "basic ":
            # A client that chose HTTP Basic meant it: a malformed header is not silently
            # replaced by form fields that may name another app.
            raise SlackError(SlackErrorCode.INVALID_CLIENT_ID)
        client_id, client_secret = basic or (
            args.get("client_id", ""),
            args.get("client_secret", ""),
        )
        return await self._credentialed(client_id, client_secret)

    async def _code(
        self, app: AppRecord, flow: OAuthFlow, code_text: str, redirect_uri: str
    ) -> AuthCode:
        code = (
            await self._store.apps.get_code(self._identities.hash(code_text)) if code_text else None
        )
        if code is None or code.app_id != app.id or self._clock.now() >= code.expires_at:
            raise SlackError(SlackErrorCode.INVALID_CODE)
        if code.used:
            raise SlackError(SlackErrorCode.CODE_ALREADY_USED)
        if code.flow is not flow:
            raise SlackError(SlackErrorCode.OAUTH_AUTHORIZATION_URL_MISMATCH)
        if code.redirect_uri and redirect_uri != code.redirect_uri:
            raise SlackError(SlackErrorCode.BAD_REDIRECT_URI)
        if redirect_uri and not rules.redirect_allowed(app.redirect_urls, redirect_uri):
            raise SlackError(SlackErrorCode.BAD_REDIRECT_URI)
        if not await self._store.apps.spend_code(code.code_hash):
            raise SlackError(SlackErrorCode.CODE_ALREADY_USED)
        return code

    async def _install(self, app: AppRecord, code: AuthCode) -> dict[str, Any]:
        team = await self._store.get_team(code.team_id)
        installer = await self._store.get_user(code.user_id)
        if (
            team is None
            or installer is None
            or installer.deleted
            or installer.team_id != team.id  # a code binds its team: only its people install
            or team.state is TeamState.DELETED
        ):
            raise SlackError(SlackErrorCode.INVALID_CODE)
        now = int(self._clock.now())
        previous = await self._store.apps.get_installation(app.id, team.id)
        bot_user_id, bot_id = "", ""
        if rules.wants_bot(app.kind, code.scopes):
            bot_user_id, bot_id = await self._bot_for(app, team, previous)
        grants = rules.plan_grant(app.kind, code.scopes, code.user_scopes)
        await self._retire(app, team.id, installer.id, grants)
        issued = [
            await self._issue(
                app, team.id, g, bot_user_id if g.kind is AppTokenKind.BOT else installer.id
            )
            for g in grants
        ]
        self._identities.invalidate()
        installation = Installation(
            app_id=app.id, team_id=team.id, installer=installer.id, bot_user_id=bot_user_id,
            bot_id=bot_id, scopes=code.scopes, user_scopes=code.user_scopes,
            installed=previous.installed if previous else now, updated=now,
        )  # fmt: skip
        await self._store.apps.put_installation(installation)
        self.on_change()
        logger.info("app %s installed in %s by %s", app.id, team.id, installer.id)
        if app.kind is AppKind.CLASSIC:
            return _v1_body(app, team, installer.id, code.scopes, issued)
        return _v2_body(app, team, installer.id, code.scopes, issued)

    async def _bot_for(
        self, app: AppRecord, team: Team, previous: Installation | None
    ) -> tuple[str, str]:
        """The install's bot user and bot: the earlier install's, the app's declared
        ``bot_user`` in its own team, else new ones named after the app."""
        if previous is not None and previous.bot_user_id:
            user_id, bot_id = previous.bot_user_id, previous.bot_id
        elif app.bot_user and app.team_id == team.id:
            user = await self._store.get_user(app.bot_user)
            if user is None or not user.bot_id:
                raise SlackError(SlackErrorCode.INVALID_CODE)
            user_id, bot_id = user.id, user.bot_id
        else:
            # Derived from the app and the team, not drawn at random: installing again after
            # an uninstall (which forgets the installation) finds and reactivates the same
            # bot user instead of leaving a deactivated twin behind.
            seed = self._identities.derive("app-bot", f"{app.id}\0{team.id}").upper()
            user_id, bot_id = "U" + seed[:10], "B" + seed[10:20]
        bot = await self._store.get_bot(bot_id)
        name = bot.name if bot is not None else await self._free_bot_name(team.id, app.name)
        await self._workspaces.put_app_bot(team.id, bot_id, user_id, name, app.id)
        return user_id, bot_id

    async def _free_bot_name(self, team_id: str, app_name: str) -> str:
        taken = {u.name for u in await self._store.list_users(team_id, "", 1_000_000)}
        base = rules.bot_name_for(app_name)
        name, n = base, 1
        while name in taken:
            n += 1
            name = f"{base}{n}"
        return name

    async def _retire(
        self, app: AppRecord, team_id: str, installer: str, grants: list[TokenGrant]
    ) -> None:
        """Re-installing reissues: revoke the install's earlier bot tokens and the
        installer's earlier user tokens (their refresh tokens forgotten)."""
        kinds = {g.kind for g in grants}
        for token in await self._store.apps.list_app_tokens(app.id, team_id):
            access = rules.ACCESS_OF.get(token.kind, token.kind)
            if access not in kinds or (access is AppTokenKind.USER and token.user_id != installer):
                continue
            if token.kind in rules.ACCESS_OF:
                await self._store.apps.delete_app_token(token.token_hash)
            else:
                await self._workspaces.revoke_token_hash(token.token_hash)

    async def _issue(
        self, app: AppRecord, team_id: str, grant: TokenGrant, user_id: str
    ) -> _Issued:
        now = int(self._clock.now())
        text = generate_token(grant.type)
        expires_in: int | None = None
        refresh = ""
        if app.token_rotation:
            text, expires_in = _rotating_text(text), rules.ROTATING_TOKEN_TTL_SECS
            refresh = _REFRESH_PREFIX + secrets.token_hex(32)
        token_hash = self._identities.hash(text)
        expires_at = float(now + expires_in) if expires_in is not None else None
        token = Token(
            token_hash,
            team_id,
            user_id,
            grant.type,
            grant.scopes,
            expires_at=expires_at,
            created=now,
        )
        await self._store.put_token(token)
        await self._store.apps.put_app_token(
            AppToken(token_hash, app.id, team_id, user_id, grant.kind, now)
        )
        if refresh:
            kind = rules.REFRESH_OF[grant.kind]
            record = AppToken(self._identities.hash(refresh), app.id, team_id, user_id, kind, now)
            await self._store.apps.put_app_token(record)
        return _Issued(grant, user_id, text, refresh, expires_in)

    async def _refresh(self, app: AppRecord, refresh_text: str) -> dict[str, Any]:
        """A rotating token's refresh: a new access token and a new refresh token; the old
        refresh token is spent, the old access token lives until it expires."""
        found = (
            await self._store.apps.get_app_token(self._identities.hash(refresh_text))
            if refresh_text
            else None
        )
        if found is None or found.app_id != app.id or found.kind not in rules.ACCESS_OF:
            raise SlackError(SlackErrorCode.INVALID_REFRESH_TOKEN)
        installation = await self._store.apps.get_installation(app.id, found.team_id)
        team = await self._store.get_team(found.team_id)
        if (
            installation is None
            or team is None
            or not await self._store.apps.delete_app_token(found.token_hash)
        ):
            raise SlackError(SlackErrorCode.INVALID_REFRESH_TOKEN)
        access = rules.ACCESS_OF[found.kind]
        grant = next(
            g
            for g in rules.plan_grant(app.kind, installation.scopes, installation.user_scopes)
            if g.kind is access
        )
        issued = await self._issue(app, team.id, grant, found.user_id)
        self._identities.invalidate()
        body = _v2_team_fields(app, team, installation.installer)
        if access is AppTokenKind.BOT:
            body["bot_user_id"] = installation.bot_user_id
        body |= _token_fields(issued, ",".join(grant.scopes))
        return body

    # --- uninstalling ------------------------------------------------------------------------

    async def uninstall(self, app_id: str, team_id: str) -> int:
        """Remove an app from a team: revoke every token its installs there issued (their
        sockets get ``goodbye``), deactivate its bot user, forget the install. How many
        access tokens were revoked; raises :class:`AppError` when it is not installed."""
        installation = await self._store.apps.get_installation(app_id, team_id)
        if installation is None:
            raise AppError(
                AppErrorCode.NOT_INSTALLED, f"app {app_id} is not installed in {team_id}"
            )
        revoked = 0
        for token in await self._store.apps.list_app_tokens(app_id, team_id):
            if token.kind in rules.ACCESS_OF:
                continue  # a refresh token: its record goes with the installation
            # Tokens a re-install or auth.revoke already ended are neither counted nor ended
            # again (their sessions had their goodbye).
            stored = await self._store.get_token(token.token_hash)
            if stored is not None and not stored.revoked:
                revoked += int(await self._workspaces.revoke_token_hash(token.token_hash))
        await self._store.apps.delete_installation(app_id, team_id)
        self.on_change()
        if installation.bot_user_id:
            await self._workspaces.deactivate_user(installation.bot_user_id)
        logger.info("app %s uninstalled from %s (%d tokens revoked)", app_id, team_id, revoked)
        return revoked

    async def uninstall_with_token(
        self, identity: Identity, client_id: str, client_secret: str
    ) -> None:
        """``apps.uninstall``: the app's own token and credentials uninstall it from the
        token's team (``invalid_client_id``, ``bad_client_secret``,
        ``client_id_token_mismatch``)."""
        app = await self._credentialed(client_id, client_secret)
        record = await self._store.apps.get_app_token(identity.token.hash)
        if record is None or record.app_id != app.id or record.team_id != identity.team.id:
            raise SlackError(SlackErrorCode.CLIENT_ID_TOKEN_MISMATCH)
        try:
            await self.uninstall(app.id, identity.team.id)
        except AppError:
            raise SlackError(SlackErrorCode.CLIENT_ID_TOKEN_MISMATCH) from None


def _token_fields(issued: _Issued, scope: str) -> dict[str, Any]:
    fields: dict[str, Any] = {
        "scope": scope,
        "token_type": issued.grant.kind.value,
        "access_token": issued.text,
    }
    if issued.refresh:
        fields |= {"refresh_token": issued.refresh, "expires_in": issued.expires_in}
    return fields


def _enterprise(team: Team) -> dict[str, str] | None:
    if not team.enterprise_id:
        return None
    return {"id": team.enterprise_id, "name": team.enterprise_name or ""}


def _v2_team_fields(app: AppRecord, team: Team, installer: str) -> dict[str, Any]:
    return {
        "app_id": app.id,
        "authed_user": {"id": installer},
        "team": {"id": team.id, "name": team.name},
        "enterprise": _enterprise(team),
        "is_enterprise_install": False,
    }


def _v1_body(
    app: AppRecord, team: Team, installer: str, scopes: tuple[str, ...], issued: list[_Issued]
) -> dict[str, Any]:
    """``oauth.access``: the installer's user token, and the bot's under ``bot``."""
    by_kind = {i.grant.kind: i for i in issued}
    body: dict[str, Any] = {
        "access_token": by_kind[AppTokenKind.USER].text,
        "scope": rules.granted_scope_text(app.kind, scopes),
        "user_id": installer,
        "team_id": team.id,
        "team_name": team.name,
        "enterprise_id": team.enterprise_id,
    }
    bot = by_kind.get(AppTokenKind.BOT)
    if bot is not None:
        body["bot"] = {"bot_user_id": bot.user_id, "bot_access_token": bot.text}
    return body


def _v2_body(
    app: AppRecord, team: Team, installer: str, scopes: tuple[str, ...], issued: list[_Issued]
) -> dict[str, Any]:
    """``oauth.v2.access``: the bot token at the top, the user token under ``authed_user``."""
    body = _v2_team_fields(app, team, installer)
    for item in issued:
        if item.grant.kind is AppTokenKind.BOT:
            body |= _token_fields(item, ",".join(item.grant.scopes))
            body["bot_user_id"] = item.user_id
        else:
            body["authed_user"] |= _token_fields(item, ",".join(item.grant.scopes))
    return dict(sorted(body.items()))


# --- Socket Mode -----------------------------------------------------------------------------


async def app_token_target(store: Store, token_hash: str) -> AppToken | None:
    """The app-level token's link to its app, if the hash names one."""
    link = await store.apps.get_app_token(token_hash)
    return link if link is not None and link.kind is AppTokenKind.APP_LEVEL else None


def _nothing() -> None:
    """The default change hook."""


def _nothing_for(app_id: str) -> None:
    """The default Socket Mode hook."""


@dataclass(frozen=True, slots=True)
class TeamApp:
    """An app as one team sees it: the app and its installation there, if any."""

    app: AppRecord
    installation: Installation | None

    @property
    def bot_user(self) -> str:
        """The app's bot user in the team: the installed one, else its declared ``bot_user``."""
        return self.installation.bot_user_id if self.installation else self.app.bot_user

    @property
    def scopes(self) -> tuple[str, ...]:
        """The bot scopes granted in the team (installed), else the app's own."""
        return self.installation.scopes if self.installation else self.app.scopes

    def connected(self, team_id: str, token_hash: str = "") -> ConnectedApp:
        """What event routing needs of the app in this team."""
        return ConnectedApp(self.app.id, team_id, self.app.kind, self.bot_user, self.scopes,
                            self.app.event_subscriptions, token_hash)  # fmt: skip


async def team_app(store: Store, app: AppRecord, team_id: str) -> TeamApp:
    """The app with its installation in the team."""
    return TeamApp(app, await store.apps.get_installation(app.id, team_id))


async def team_apps(store: Store, team_id: str) -> list[TeamApp]:
    """The team's own apps and the apps installed in it, each once, with their installations."""
    installed = {i.app_id: i for i in await store.apps.list_team_installations(team_id)}
    apps = {app.id: app for app in await store.apps.list_apps(team_id)}
    for app_id in installed.keys() - apps.keys():
        found = await store.apps.get_app(app_id)
        if found is not None:
            apps[app_id] = found
    return [TeamApp(app, installed.get(app_id)) for app_id, app in apps.items()]
