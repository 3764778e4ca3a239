"""pytest fixtures for testing RTM bots against a real, local Slackline.

Registered through the ``pytest11`` entry point, so installing slackline is enough. Importing
this module costs nothing: the server code is imported only when a fixture is first used.

- ``slackline_server`` (session): a real server on 127.0.0.1, port 0, in a background thread,
  with SQLite in a temporary directory and the in-process broker. Each pytest-xdist worker
  gets its own.
- ``slackline`` (function): the same server, reset (sessions ended, store emptied, the
  ``slackline_workspace`` files reloaded), as a :class:`slackline.toolkit.Slackline`.

ini options: ``slackline_workspace`` (workspace YAML files, one per line) and
``slackline_rate_limits`` (``on``, Slack's limits, or ``off``).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from slackline.toolkit import Slackline, SlacklineServer


def pytest_addoption(parser: pytest.Parser) -> None:
    """The plugin's ini options."""
    parser.addini("slackline_workspace", "workspace YAML files loaded before every test",
                  type="paths", default=[])  # fmt: skip
    parser.addini("slackline_rate_limits", "Slack's rate limits: on or off", default="on")


@pytest.fixture(scope="session")
def slackline_server(
    tmp_path_factory: pytest.TempPathFactory, pytestconfig: pytest.Config
) -> Iterator[SlacklineServer]:
    """A real Slackline shared by the session (one per xdist worker)."""
    from slackline.toolkit import SlacklineServer  # noqa: PLC0415 - costs nothing until used

    files = tuple(str(path) for path in pytestconfig.getini("slackline_workspace"))
    rate_limits = str(pytestconfig.getini("slackline_rate_limits")).lower() != "off"
    server = SlacklineServer.start(
        tmp_path_factory.mktemp("slackline"), workspaces=files, rate_limits=rate_limits
    )
    yield server
    server.stop()


@pytest.fixture
def slackline(slackline_server: SlacklineServer) -> Slackline:
    """The shared server, reset for this test."""
    return slackline_server.reset()
