"""pytest fixtures for testing RTM bots against a real, local Slackline.

Registered through the ``pytest11`` entry point, so installing slackline is enough. Importing
this module costs nothing: the server code is imported only when a fixture is first used.

- ``slackline_server`` (session): a real server on 127.0.0.1, port 0, in a background thread,
  with SQLite in a temporary directory and the in-process broker. Each pytest-xdist worker
  gets its own (each worker is its own session, with its own temporary directory).
- ``slackline`` (function): the same server, reset (sessions ended, store emptied, the
  ``slackline_workspace`` files reloaded), as a :class:`slackline.testing.toolkit.Slackline`.
- ``slackline_deterministic`` (function): a second server, started on first use, in
  deterministic mode (seeded ids, tickets and request ids; a manual clock moved only by
  ``advance``), reset the same way, with the sequence and the clock restarted for each test.

ini options: ``slackline_workspace`` (workspace YAML files, one per line),
``slackline_rate_limits`` (``on``, Slack's limits, or ``off``), ``slackline_deterministic``
(``true``: ``slackline`` itself is deterministic) and ``slackline_seed`` (an integer, 0).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    from slackline.testing.toolkit import Slackline, SlacklineServer

__all__ = [
    "pytest_addoption",
    "slackline",
    "slackline_deterministic",
    "slackline_deterministic_server",
    "slackline_server",
]


def pytest_addoption(parser: pytest.Parser) -> None:
    """The plugin's ini options."""
    parser.addini("slackline_workspace", "workspace YAML files loaded before every test",
                  type="paths", default=[])  # fmt: skip
    parser.addini("slackline_rate_limits", "Slack's rate limits: on or off", default="on")
    parser.addini("slackline_deterministic", "seeded ids and a manual clock for `slackline`",
                  type="bool", default=False)  # fmt: skip
    parser.addini("slackline_seed", "the seed of deterministic mode's ids", default="0")


def _start(
    factory: pytest.TempPathFactory, config: pytest.Config, *, deterministic: bool
) -> SlacklineServer:
    from slackline.testing.toolkit import SlacklineServer  # noqa: PLC0415 - costs nothing until used

    settings: dict[str, Any] = {
        "workspaces": tuple(str(path) for path in config.getini("slackline_workspace")),
        "rate_limits": str(config.getini("slackline_rate_limits")).lower() != "off",
    }
    return SlacklineServer.start(
        factory.mktemp("slackline"),
        deterministic=deterministic,
        seed=int(config.getini("slackline_seed")),
        **settings,
    )


@pytest.fixture(scope="session")
def slackline_server(
    tmp_path_factory: pytest.TempPathFactory, pytestconfig: pytest.Config
) -> Iterator[SlacklineServer]:
    """A real Slackline shared by the session (one per xdist worker)."""
    deterministic = bool(pytestconfig.getini("slackline_deterministic"))
    server = _start(tmp_path_factory, pytestconfig, deterministic=deterministic)
    yield server
    server.stop()


@pytest.fixture(scope="session")
def slackline_deterministic_server(
    tmp_path_factory: pytest.TempPathFactory,
    pytestconfig: pytest.Config,
    request: pytest.FixtureRequest,
) -> Iterator[SlacklineServer]:
    """A real Slackline in deterministic mode, shared by the session (started on first use)."""
    if pytestconfig.getini("slackline_deterministic"):
        # ``slackline_server`` is deterministic already: one server is enough.
        shared: SlacklineServer = request.getfixturevalue("slackline_server")
        yield shared
        return
    server = _start(tmp_path_factory, pytestconfig, deterministic=True)
    yield server
    server.stop()


@pytest.fixture
def slackline(slackline_server: SlacklineServer) -> Slackline:
    """The shared server, reset for this test."""
    return slackline_server.reset()


@pytest.fixture
def slackline_deterministic(slackline_deterministic_server: SlacklineServer) -> Slackline:
    """The deterministic server, reset for this test: the same ids, tickets and ``ts`` values
    in every run, and ``advance(secs)`` to move its clock."""
    return slackline_deterministic_server.reset()
