"""The services' fixtures: an application started in this process, without a server."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path

import pytest

from slackline.app import App, Components, create_app
from slackline.config import Settings
from tests.helpers.http import TEST_SECRET, WORKSPACE_FILE


@pytest.fixture
def running(tmp_path: Path) -> Iterator[tuple[asyncio.Runner, App]]:
    """An application on a fresh SQLite file with the test workspace, started."""
    settings = Settings(
        database=f"sqlite:///{tmp_path / 'db'}",
        workspaces=(WORKSPACE_FILE,),
        secret_file=str(tmp_path / "secret"),
    )
    with asyncio.Runner() as runner:
        app = create_app(settings, Components(secret=TEST_SECRET))
        runner.run(app.start())
        yield runner, app
        runner.run(app.close())
