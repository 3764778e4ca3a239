"""An alias of :mod:`slackline.testing.pytest_plugin` (the ``pytest11`` entry point's home)
for suites that name the plugin explicitly (``-p slackline.pytest_plugin``)."""

from slackline.testing.pytest_plugin import *  # noqa: F403
from slackline.testing.pytest_plugin import __all__  # noqa: F401
