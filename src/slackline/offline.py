"""Commands that work on the database directly, without a running server."""

from __future__ import annotations

from collections.abc import Sequence

from slackline.clock import SystemClock
from slackline.services.identity import IdentityService, TokenHasher, load_or_create_secret
from slackline.services.workspace import WorkspaceService, read_workspace_file
from slackline.storage import open_store


async def load_workspaces(database: str, secret_file: str, files: Sequence[str]) -> list[str]:
    """Migrate the database and load workspace files into it; returns the team ids."""
    store = open_store(database)
    try:
        await store.migrate()
        identities = IdentityService(store, TokenHasher(load_or_create_secret(secret_file)))
        service = WorkspaceService(store, identities, SystemClock())
        teams: list[str] = []
        for path in files:
            teams.extend(await service.load_document(read_workspace_file(path)))
        return teams
    finally:
        await store.close()
