"""The toolkit's actions for
messages (me messages, ephemerals, permalinks, bot posts, broadcasts, scheduled messages, threads).
"""

from __future__ import annotations

from slackline.testing.actions import ActingBase


class MessageActions(ActingBase):
    """Named calls for the area above, mixed into
    :class:`slackline.testing.toolkit.Slackline`."""
