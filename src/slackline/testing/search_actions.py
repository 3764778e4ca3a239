"""The toolkit's actions for
search, pins and stars.
"""

from __future__ import annotations

from slackline.testing.actions import ActingBase


class SearchActions(ActingBase):
    """Named calls for the area above, mixed into
    :class:`slackline.testing.toolkit.Slackline`."""
