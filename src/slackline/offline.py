"""Commands that work on the database directly, without a running server."""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from typing import Any

from slackline.clock import RandomIdFactory, SystemClock
from slackline.services.apps import AppService
from slackline.services.identity import IdentityService, TokenHasher, load_or_create_secret
from slackline.services.web_sessions import WebSessionService
from slackline.services.workspace import WorkspaceService
from slackline.storage import open_store


@asynccontextmanager
async def open_workspaces(database: str, secret_file: str) -> AsyncIterator[WorkspaceService]:
    """A workspace service on a migrated database, closed on exit."""
    store = open_store(database)
    try:
        await store.migrate()
        identities = IdentityService(store, TokenHasher(load_or_create_secret(secret_file)))
        clock = SystemClock()
        workspaces = WorkspaceService(store, identities, clock)
        # A file's apps are registered as a running server registers them.
        apps = AppService(store, identities, workspaces, clock, RandomIdFactory())
        workspaces.app_declarer = apps.declare
        yield workspaces
    finally:
        await store.close()


async def load_workspaces(database: str, secret_file: str, files: Sequence[str]) -> list[str]:
    """Migrate the database and load workspace files into it, in order; returns the team ids."""
    async with open_workspaces(database, secret_file) as service:
        teams: list[str] = []
        for path in files:
            teams.extend(await service.load_file(path))
        return teams


async def create_token(database: str, secret_file: str, team_id: str, entry: dict[str, Any]) -> str:
    """Create a token in the database (see :meth:`WorkspaceService.create_token`)."""
    async with open_workspaces(database, secret_file) as service:
        text, _ = await service.create_token(team_id, entry)
        return text


async def set_password(database: str, secret_file: str, user_id: str, password: str | None) -> bool:
    """Set (or, with None, clear) a person's sign-in password in the database; False when
    there is no such person (or, clearing, no password)."""
    store = open_store(database)
    try:
        await store.migrate()
        identities = IdentityService(store, TokenHasher(load_or_create_secret(secret_file)))
        workspaces = WorkspaceService(store, identities, SystemClock())
        sessions = WebSessionService(store, identities, workspaces, None, SystemClock())
        if password is None:
            return await sessions.clear_password(user_id)
        return await sessions.set_password(user_id, password)
    finally:
        await store.close()
