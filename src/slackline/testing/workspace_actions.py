"""The toolkit's actions for
the rest of a workspace (custom emoji, user groups, prefs, do not disturb).
"""

from __future__ import annotations

from slackline.testing.actions import ActingBase


class WorkspaceActions(ActingBase):
    """Named calls for the area above, mixed into
    :class:`slackline.testing.toolkit.Slackline`."""
