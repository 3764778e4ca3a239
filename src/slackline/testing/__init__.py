"""The bot developer's toolkit, kept apart from the production code it drives.

- :mod:`slackline.testing.server`: a real server on 127.0.0.1 in a background thread
  (:class:`ServerThread`) and raw HTTP helpers;
- :mod:`slackline.testing.toolkit`: :class:`Slackline`, :class:`SlacklineServer`,
  :class:`Member` (workspace factories, acting as people, waits, faults);
- :mod:`slackline.testing.pytest_plugin`: the ``slackline`` fixtures (a ``pytest11`` entry
  point);
- :mod:`slackline.testing.acting`, :mod:`slackline.testing.journal`,
  :mod:`slackline.testing.control_journal`: acting as a user, and the journals of calls,
  frames and events, installed at composition as wrappers.

Names are imported on first use, so loading the pytest plugin imports no server code.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from slackline.testing.server import ServerThread as ServerThread
    from slackline.testing.server import exchange as exchange
    from slackline.testing.toolkit import Member as Member
    from slackline.testing.toolkit import Slackline as Slackline
    from slackline.testing.toolkit import SlacklineServer as SlacklineServer

_HOMES = {
    "ServerThread": "slackline.testing.server",
    "exchange": "slackline.testing.server",
    "Member": "slackline.testing.toolkit",
    "Slackline": "slackline.testing.toolkit",
    "SlacklineServer": "slackline.testing.toolkit",
}
__all__ = ["Member", "ServerThread", "Slackline", "SlacklineServer", "exchange"]


def __getattr__(name: str) -> Any:
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module 'slackline.testing' has no attribute {name!r}")
    return getattr(importlib.import_module(home), name)
