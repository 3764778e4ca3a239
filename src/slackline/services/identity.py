"""Resolving token text to an :class:`Identity`: keyed hashing (decisions C.1) and a cache."""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
from pathlib import Path

from slackline.domain.models import Identity
from slackline.errors import SlackError, SlackErrorCode
from slackline.storage.base import Store

SECRET_BYTES = 32


class TokenHasher:
    """HMAC-SHA256 of token text under a per-installation secret."""

    def __init__(self, secret: bytes) -> None:
        self._secret = secret

    def hash(self, token: str) -> str:
        """The hex digest stored for a token."""
        return hmac.new(self._secret, token.encode(), hashlib.sha256).hexdigest()


def load_or_create_secret(path: str) -> bytes:
    """Read the installation secret, creating it (mode 0600) on first start."""
    file = Path(path)
    if not file.exists():
        file.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as handle:
            handle.write(secrets.token_hex(SECRET_BYTES))
    return bytes.fromhex(file.read_text().strip())


class IdentityService:
    """Looks tokens up by their keyed hash, caching resolved identities in memory.

    Unknown tokens are never cached, so a spray of random tokens costs no memory.
    Any change to tokens, users, bots or teams must call :meth:`invalidate`.
    """

    def __init__(self, store: Store, hasher: TokenHasher) -> None:
        self._store = store
        self._hasher = hasher
        self._cache: dict[str, Identity] = {}

    def hash(self, token: str) -> str:
        """The keyed hash of token text."""
        return self._hasher.hash(token)

    async def resolve(self, token: str) -> Identity | None:
        """The identity a token belongs to, or None when it is unknown."""
        token_hash = self._hasher.hash(token)
        cached = self._cache.get(token_hash)
        if cached is not None and hmac.compare_digest(cached.token.hash, token_hash):
            return cached
        identity = await self._load(token_hash)
        if identity is not None:
            self._cache[token_hash] = identity
        return identity

    async def _load(self, token_hash: str) -> Identity | None:
        token = await self._store.get_token(token_hash)
        if token is None or not hmac.compare_digest(token.hash, token_hash):
            return None
        team = await self._store.get_team(token.team_id)
        user = await self._store.get_user(token.user_id)
        if team is None or user is None:
            raise SlackError(SlackErrorCode.INVALID_AUTH)
        bot = await self._store.get_bot(user.bot_id) if user.bot_id else None
        return Identity(token=token, team=team, user=user, bot=bot)

    def invalidate(self) -> None:
        """Forget every cached identity (after any change to tokens, users, bots or teams)."""
        self._cache.clear()
