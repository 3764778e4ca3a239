"""Fixtures shared by every folder: a real Slackline on 127.0.0.1 port 0 with a real SQLite
file. The helpers they use are in :mod:`tests.helpers`."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from slackline.testing.server import ServerThread
from tests.helpers.http import start_server


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerThread]:
    """A server shared by one test module, rate limits off."""
    thread = start_server(tmp_path_factory.mktemp("server"))
    yield thread
    thread.stop()
