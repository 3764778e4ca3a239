"""The people of a toolkit-built test workspace (:class:`~slackline.testing.toolkit.Slackline`):
the usual cast, and calls to its server over HTTP as any member and on the member's own RTM
sockets."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from websockets.sync.client import ClientConnection

from slackline.testing.toolkit import Member, Slackline, SlacklineServer
from tests.helpers.http import api
from tests.helpers.rtm import open_socket


@dataclass
class Callers:
    """The server; a test's dataclass of people (and their conversations) extends it."""

    server: SlacklineServer

    def ok(self, method: str, member: Member, **args: str) -> dict[str, Any]:
        """Call over HTTP as the member; the body, which must be ok."""
        body = api(self.server.thread, method, member.token, **args).body
        assert body["ok"] is True, body
        return body

    def error(self, method: str, member: Member, **args: str) -> str:
        """Call over HTTP as the member; the error, which there must be."""
        body = api(self.server.thread, method, member.token, **args).body
        assert body["ok"] is False, body
        return str(body["error"])

    def socket(self, member: Member) -> ClientConnection:
        """An RTM session of the member, ``hello`` read."""
        return open_socket(self.server.thread, member.token)


def acme_people(slackline: Slackline) -> tuple[str, Member, Member, Member, Member, Member]:
    """Team Acme with alice, bob, dave and erin (created in that order), then gina of team
    Globex: Acme's id and the five people."""
    team = slackline.team("Acme")
    alice, bob, dave, erin = (slackline.user(team, n) for n in ("alice", "bob", "dave", "erin"))
    gina = slackline.user(slackline.team("Globex"), "gina")
    return team, alice, bob, dave, erin, gina
