"""The toolkit's actions for
files (uploads, info, deletion).
"""

from __future__ import annotations

from slackline.testing.actions import ActingBase


class FileActions(ActingBase):
    """Named calls for the area above, mixed into
    :class:`slackline.testing.toolkit.Slackline`."""
