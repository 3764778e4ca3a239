"""The toolkit's actions for
conversations (topics, purposes, DMs and group DMs, read marks).
"""

from __future__ import annotations

from slackline.testing.actions import ActingBase


class ConversationActions(ActingBase):
    """Named calls for the area above, mixed into
    :class:`slackline.testing.toolkit.Slackline`."""
