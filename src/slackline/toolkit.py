"""An alias kept for bots' existing tests: the toolkit lives in :mod:`slackline.testing`."""

from slackline.testing.toolkit import EventLog, Member, Slackline, SlacklineServer

__all__ = ["EventLog", "Member", "Slackline", "SlacklineServer"]
