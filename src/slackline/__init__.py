"""Slackline: a self-hosted, Slack-compatible Real Time Messaging server."""

__version__ = "0.1.0"
