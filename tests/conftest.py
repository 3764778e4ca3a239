"""Fixtures shared by every folder: a real Slackline on 127.0.0.1 port 0 with a real SQLite
file. The helpers they use are in :mod:`tests.helpers`."""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest
from hypothesis import settings

from slackline.testing.server import ServerThread
from tests.helpers.http import start_server

# Property-based suites (hypothesis): bounded everywhere, and the same examples on every run
# where the CI environment variable is set. No example database, so that one run never
# replays another's failures: a failure prints its example and a reproduction blob instead.
# Suites that pay database round trips per example take a fraction of max_examples.
PROPERTY_EXAMPLES = 100
settings.register_profile(
    "ci", derandomize=True, max_examples=PROPERTY_EXAMPLES, deadline=None, database=None,
    print_blob=True,
)  # fmt: skip
settings.register_profile(
    "dev", max_examples=PROPERTY_EXAMPLES, deadline=None, database=None, print_blob=True
)
settings.load_profile("ci" if os.environ.get("CI") else "dev")


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerThread]:
    """A server shared by one test module, rate limits off."""
    thread = start_server(tmp_path_factory.mktemp("server"))
    yield thread
    thread.stop()
