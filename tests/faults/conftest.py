"""The fault tests' server: one per module, with the admin API on and a manual clock, its
faults cleared after every test of a module that uses ``cleared``."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from slackline.app import Components
from slackline.clock import ManualClock
from slackline.testing.server import ServerThread
from tests.helpers.events import admin, start_event_server
from tests.helpers.http import TEST_SECRET


@pytest.fixture(scope="module")
def clock() -> ManualClock:
    return ManualClock()


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory, clock: ManualClock) -> Iterator[ServerThread]:
    components = Components(clock=clock, secret=TEST_SECRET)
    thread = start_event_server(tmp_path_factory.mktemp("faults"), components=components)
    yield thread
    thread.stop()


@pytest.fixture
def cleared(server: ServerThread) -> Iterator[None]:
    yield
    admin(server, "faults.clear", {})
