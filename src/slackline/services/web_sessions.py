"""Passwords and web sessions: the only writer of ``store.web_sessions`` (docs/web-client.md).

A session is a random cookie secret the browser holds (``d``); storage keeps only its keyed
hash. The session's ``xoxc-`` client token and its CSRF token are derived from the secret
under the installation secret (:meth:`IdentityService.derive`), so they are recomputed on
each request and never stored; the token is stored like every other, by its keyed hash.
Ending a session revokes its token, which says ``goodbye`` to its sockets on every process.
"""

from __future__ import annotations

import logging
import secrets
from dataclasses import dataclass

from slackline.clock import Clock
from slackline.domain import auth
from slackline.domain.models import Identity, TeamState, Token, TokenType
from slackline.domain.signin import (
    MAX_PASSWORD_CHARS,
    SESSION_TTL_SECS,
    SIGNIN_RATE,
    attempt_keys,
    find_person,
    find_team,
)
from slackline.errors import SlackError
from slackline.services.identity import IdentityService
from slackline.services.passwords import hash_password, verify_password
from slackline.services.workspace import WorkspaceService
from slackline.shared.base import RateLimits
from slackline.storage.base import Store
from slackline.storage.web_sessions import WebSessionRecord

logger = logging.getLogger("slackline.signin")

COOKIE_SECRET_BYTES = 32
MAX_LISTED_USERS = 100_000


class SignInRefusedError(Exception):
    """A sign-in that did not open a session: wrong credentials, or too many attempts
    (``retry_after_secs`` set). The message is safe to show; it never says which part was
    wrong."""

    def __init__(self, message: str, retry_after_secs: int | None = None) -> None:
        super().__init__(message)
        self.retry_after_secs = retry_after_secs


@dataclass(frozen=True, slots=True)
class OpenedSession:
    """What a browser needs after signing in: the cookie secret, once, and the session."""

    cookie_secret: str
    record: WebSessionRecord


@dataclass(frozen=True, slots=True)
class LiveSession:
    """A session found by its cookie: its record and the identity of its client token."""

    record: WebSessionRecord
    identity: Identity
    token: str
    csrf: str


class WebSessionService:
    """Sets and checks passwords; opens, finds and ends web sessions."""

    def __init__(
        self,
        store: Store,
        identities: IdentityService,
        workspaces: WorkspaceService,
        rate_limits: RateLimits | None,
        clock: Clock,
    ) -> None:
        self._store = store
        self._identities = identities
        self._workspaces = workspaces
        self._rate_limits = rate_limits
        self._clock = clock
        # Verified when no person matches, so an unknown login costs what a wrong password
        # costs; made on first need, as hashing takes a noticeable moment.
        self._unknown: str | None = None

    def client_token(self, cookie_secret: str) -> str:
        """The ``xoxc-`` token bound to a cookie secret."""
        return self._identities.client_token(cookie_secret)

    def csrf_token(self, cookie_secret: str) -> str:
        """The CSRF token of a session's forms (session-bound, HMAC)."""
        return self._identities.derive("csrf", cookie_secret)

    async def set_password(self, user_id: str, password: str) -> bool:
        """Give a person a password; False when there is no such person."""
        user = await self._store.get_user(user_id)
        if user is None:
            return False
        encoded = await hash_password(password)
        now = int(self._clock.now())
        await self._store.web_sessions.put_password(user.id, user.team_id, encoded, now)
        logger.info("password set for %s in %s", user.id, user.team_id)
        return True

    async def clear_password(self, user_id: str) -> bool:
        """Take a person's password away (their open sessions stay); whether they had one."""
        cleared = await self._store.web_sessions.delete_password(user_id)
        if cleared:
            logger.info("password cleared for %s", user_id)
        return cleared

    async def sign_in(
        self, team_text: str, login: str, password: str, address: str
    ) -> OpenedSession:
        """Open a session for a workspace, a login and a password from ``address``.

        Every attempt counts against its account and its address (:data:`SIGNIN_RATE`),
        whether it succeeds or not, unless rate limits are off (``--rate-limits off``).
        Raises :class:`SignInRefusedError` when refused.
        """
        limits = self._rate_limits
        for key in attempt_keys(team_text, login, address):
            retry = await limits.acquire(key, SIGNIN_RATE) if limits is not None else None
            if retry is not None:
                logger.warning("sign-in attempts limited (%s)", key[0])
                raise SignInRefusedError(
                    "Too many failed sign-ins. Try again later.", retry_after_secs=retry
                )
        team = find_team(await self._store.list_teams(), team_text)
        user = None
        if team is not None:
            user = find_person(await self._store.list_users(team.id, "", MAX_LISTED_USERS), login)
        encoded = await self._store.web_sessions.get_password(user.id) if user else None
        if encoded is None:
            await self._verify(await self._unknown_hash(), password)
            verified = False
        else:
            verified = await self._verify(encoded, password)
        if team is None or user is None or not verified or user.deleted:
            logger.info("sign-in refused from %s", address)
            raise SignInRefusedError("Wrong workspace, email or password.")
        if team.state is TeamState.DELETED:
            raise SignInRefusedError("This workspace is closed.")
        return await self._open(team.id, user.id)

    async def _unknown_hash(self) -> str:
        if self._unknown is None:
            self._unknown = await hash_password(secrets.token_hex(16))
        return self._unknown

    async def _verify(self, encoded: str, password: str) -> bool:
        if len(password) > MAX_PASSWORD_CHARS:
            return False  # no stored password is this long; do not hash megabytes
        return await verify_password(encoded, password)

    async def _open(self, team_id: str, user_id: str) -> OpenedSession:
        secret = secrets.token_urlsafe(COOKIE_SECRET_BYTES)
        now = int(self._clock.now())
        token_hash = self._identities.hash(self.client_token(secret))
        token = Token(
            token_hash,
            team_id,
            user_id,
            TokenType.USER,
            ("client",),
            expires_at=float(now + SESSION_TTL_SECS),
            created=now,
        )
        await self._store.put_token(token)
        self._identities.invalidate()
        record = WebSessionRecord(self._identities.hash(secret), team_id, user_id, token_hash, now)
        await self._store.web_sessions.put_session(record)
        logger.info("signed in %s in %s", user_id, team_id)
        return OpenedSession(secret, record)

    async def find(self, cookie_secret: str) -> LiveSession | None:
        """The live session a cookie secret opens: stored, its token usable (not revoked or
        expired, its person active, its team open); None otherwise."""
        record = await self._store.web_sessions.get_session(self._identities.hash(cookie_secret))
        if record is None:
            return None
        token = self.client_token(cookie_secret)
        identity = await self._identities.resolve(token)
        if identity is None or identity.token.hash != record.token_hash:
            return None
        now = self._clock.now()
        try:
            auth.authenticate_token(identity.token, caller_ip="", now=now)
            auth.authenticate_identity(identity, now=now)
        except SlackError:
            return None
        return LiveSession(record, identity, token, self.csrf_token(cookie_secret))

    async def sign_out(self, cookie_secret: str) -> bool:
        """End the session a cookie opens: its record, its token and the token's sockets."""
        record = await self._store.web_sessions.get_session(self._identities.hash(cookie_secret))
        if record is None:
            return False
        await self._end([record])
        logger.info("signed out %s in %s", record.user_id, record.team_id)
        return True

    async def revoke_sessions(self, user_id: str) -> int:
        """End every web session of a person (the admin API); how many there were."""
        records = await self._store.web_sessions.list_sessions(user_id)
        await self._end(records)
        if records:
            logger.info("revoked %d web sessions of %s", len(records), user_id)
        return len(records)

    async def _end(self, records: list[WebSessionRecord]) -> None:
        for record in records:
            await self._store.web_sessions.delete_session(record.cookie_hash)
            await self._workspaces.revoke_token_hash(record.token_hash)
