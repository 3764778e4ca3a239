"""Resolving token text to an :class:`Identity`: keyed hashing (decisions C.1) and a cache."""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import logging
import os
import secrets
import time
from collections.abc import Callable
from pathlib import Path

from slackline.domain.models import Identity, User
from slackline.errors import SlackError, SlackErrorCode
from slackline.http.cookies import cookie_value
from slackline.storage.base import Store

logger = logging.getLogger("slackline.identity")

SECRET_BYTES = 32
WARM_MAX_TOKENS = 200_000
WARM_AFTER_MISSES = 16
CLIENT_TOKEN_PREFIX = "xoxc-"  # a web session's token (docs/web-client.md)
SESSION_COOKIE = "d"  # the name Slack's own web client gives its session cookie


class TokenHasher:
    """HMAC-SHA256 of token text under a per-installation secret."""

    def __init__(self, secret: bytes) -> None:
        # Keyed once: each hash copies the keyed state instead of keying again (every Web
        # API request hashes its token: 2.0 instead of 3.1 µs, docs/performance.md).
        self._keyed = hmac.new(secret, digestmod=hashlib.sha256)

    def hash(self, token: str) -> str:
        """The hex digest stored for a token."""
        keyed = self._keyed.copy()
        keyed.update(token.encode())
        return keyed.hexdigest()

    def derive(self, purpose: str, value: str) -> str:
        """A secret derived from ``value`` for one ``purpose`` (a web session's client token
        and CSRF token from its cookie secret), recomputed rather than stored. The NUL
        separator keeps these inputs apart from token text, which never holds one."""
        keyed = self._keyed.copy()
        keyed.update(f"{purpose}\0{value}".encode())
        return keyed.hexdigest()


def load_or_create_secret(path: str) -> bytes:
    """Read the installation secret, creating it (mode 0600) on first start.

    Several processes may start at once on one file (``--workers``, a cluster on one host):
    the secret is written whole to a private file and linked into place, so a reader never
    sees a half-written secret and only the first link wins; the others read the winner's.
    """
    file = Path(path)
    if not file.exists():
        file.parent.mkdir(parents=True, exist_ok=True)
        draft = file.with_name(f".{file.name}.{os.getpid()}.{secrets.token_hex(4)}")
        fd = os.open(draft, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        try:
            with os.fdopen(fd, "w") as handle:
                handle.write(secrets.token_hex(SECRET_BYTES))
            os.link(draft, file)
        except FileExistsError:
            pass  # another process created it first: use theirs
        finally:
            draft.unlink(missing_ok=True)
    return bytes.fromhex(file.read_text().strip())


class IdentityService:
    """Looks tokens up by their keyed hash, caching resolved identities in memory.

    A token not in the cache is looked up on its own (four storage calls). Once
    :data:`WARM_AFTER_MISSES` tokens have missed since the cache was last emptied, the next
    miss loads every token's identity in four storage calls per team (:meth:`warm`) while
    the misses that come meanwhile wait for it, so a storm of first connections never
    queues behind per-token lookups. Unknown tokens are never cached, so a spray of random
    tokens costs no memory.

    Any change to tokens, users, bots or teams must call :meth:`invalidate`: the cache is
    emptied at once (the next request reads storage) and every listener is told. Each
    invalidation starts a new generation; a lookup or warm-up begun in an older generation
    is not cached, so a change made while it was reading storage always wins. With several
    processes, :meth:`invalidate` also announces the change (see :meth:`announce_with`) and
    the others call :meth:`forget` (decisions C.1).
    """

    def __init__(self, store: Store, hasher: TokenHasher) -> None:
        self._store = store
        self._hasher = hasher
        self._cache: dict[str, Identity] = {}
        self._users: dict[str, User] = {}
        self._generation = 0
        self._misses = 0
        self._warmed_generation = -1
        self._warming: asyncio.Event | None = None
        self._listeners: list[Callable[[], None]] = []
        self._announce: Callable[[], None] | None = None

    def hash(self, token: str) -> str:
        """The keyed hash of token text."""
        return self._hasher.hash(token)

    def derive(self, purpose: str, value: str) -> str:
        """A secret derived from ``value`` for one ``purpose`` (see :meth:`TokenHasher.derive`)."""
        return self._hasher.derive(purpose, value)

    def client_token(self, cookie_secret: str) -> str:
        """The ``xoxc-`` token of the web session whose cookie holds ``cookie_secret``."""
        return CLIENT_TOKEN_PREFIX + self._hasher.derive("xoxc", cookie_secret)

    def cookie_allows(self, token: str, cookie_header: str | None) -> bool:
        """Whether a token may be used with this ``Cookie`` header: any token but a web
        session's, and a session's ``xoxc-`` token only with its own ``d`` cookie
        (compared in constant time)."""
        if not token.startswith(CLIENT_TOKEN_PREFIX):
            return True
        secret = cookie_value(cookie_header, SESSION_COOKIE)
        return bool(secret) and hmac.compare_digest(self.client_token(secret or ""), token)

    def __len__(self) -> int:
        return len(self._cache)

    async def resolve(self, token: str) -> Identity | None:
        """The identity a token belongs to, or None when it is unknown."""
        return await self.resolve_hash(self._hasher.hash(token))

    def cached(self, token_hash: str) -> Identity | None:
        """The identity of the token with this keyed hash if it is in memory (no waiting:
        a request whose token is cached, nearly every one, never suspends for it)."""
        cached = self._cache.get(token_hash)
        if cached is not None and hmac.compare_digest(cached.token.hash, token_hash):
            return cached
        return None

    async def resolve_hash(self, token_hash: str) -> Identity | None:
        """The identity of the token with this keyed hash, or None when it is unknown."""
        cached = self.cached(token_hash)
        if cached is not None:
            return cached
        if await self._warmed_now():
            cached = self._cache.get(token_hash)
            if cached is not None and hmac.compare_digest(cached.token.hash, token_hash):
                return cached
        generation = self._generation
        identity = await self._load(token_hash)
        if identity is not None and generation == self._generation:
            self._cache[token_hash] = identity
        return identity

    async def _warmed_now(self) -> bool:
        """Wait for a warm-up in progress, or run one when enough tokens have missed."""
        if self._warming is not None:
            await self._warming.wait()
            return True
        self._misses += 1
        if self._misses < WARM_AFTER_MISSES or self._warmed_generation == self._generation:
            return False
        self._warmed_generation = self._generation
        self._warming = done = asyncio.Event()
        try:
            await self.warm()
        finally:
            self._warming = None
            done.set()
        return True

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

    async def warm(self) -> int:
        """Cache every token's identity (teams of up to :data:`WARM_MAX_TOKENS` in all).

        Returns how many were cached. Tokens whose user or bot is not in the token's team
        are left to the per-token lookup, which treats them as it always does.
        """
        generation = self._generation
        started = time.perf_counter()
        loaded: dict[str, Identity] = {}
        users_by_id: dict[str, User] = {}
        for team in await self._store.list_teams():
            tokens = await self._store.list_tokens(team.id)
            if not tokens or len(loaded) + len(tokens) > WARM_MAX_TOKENS:
                continue
            users = {u.id: u for u in await self._store.list_users(team.id, "", WARM_MAX_TOKENS)}
            users_by_id.update(users)
            bots = {b.id: b for b in await self._store.list_bots(team.id)}
            for token in tokens:
                user = users.get(token.user_id)
                if user is None or (user.bot_id and user.bot_id not in bots):
                    continue
                bot = bots[user.bot_id] if user.bot_id else None
                loaded[token.hash] = Identity(token=token, team=team, user=user, bot=bot)
        if generation != self._generation:
            return 0  # something changed while reading: tokens are looked up one by one
        self._cache.update(loaded)
        self._users = users_by_id
        elapsed_ms = (time.perf_counter() - started) * 1e3
        logger.info("identity cache warmed: %d tokens in %.0f ms", len(loaded), elapsed_ms)
        return len(loaded)

    def cached_user(self, user_id: str) -> User | None:
        """A user as of the last warm-up (None if not cached): as fresh as the identities."""
        return self._users.get(user_id)

    def on_invalidate(self, listener: Callable[[], None]) -> None:
        """Call ``listener`` on every :meth:`invalidate` (caches derived from the workspace)."""
        self._listeners.append(listener)

    def announce_with(self, announce: Callable[[], None]) -> None:
        """Call ``announce`` on every :meth:`invalidate`, to tell the other processes."""
        self._announce = announce

    def invalidate(self) -> None:
        """Forget every cached identity (after any change to tokens, users, bots or teams)."""
        self.forget()
        if self._announce is not None:
            self._announce()

    def forget(self) -> None:
        """Forget every cached identity without announcing it (another process changed them)."""
        self._generation += 1
        self._misses = 0
        self._cache.clear()
        self._users = {}
        for listener in self._listeners:
            listener()
