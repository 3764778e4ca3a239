"""The bot developer's toolkit: a real Slackline in a thread, a workspace to build, people
to act as, and waits instead of sleeps. The pytest plugin (:mod:`slackline.pytest_plugin`)
hands these objects to tests; they work from any thread (the server has its own loop).
"""

from __future__ import annotations

import asyncio
import dataclasses
import itertools
import threading
from collections.abc import Callable, Coroutine
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

from slackline.acting import act_as
from slackline.app import App, Components
from slackline.broker import BrokerMessage, DeliveryGap, Event
from slackline.config import Settings
from slackline.domain.models import TokenType
from slackline.domain.ratelimit import RateLimiter
from slackline.errors import SlackErrorCode
from slackline.http.args import json_args_text
from slackline.http.request import Request
from slackline.journal import CallRecord, MemoryJournal
from slackline.services.tickets import TicketRegistry
from slackline.services.workspace import generate_token
from slackline.testing import ServerThread

T = TypeVar("T")
DEFAULT_WAIT_SECS = 5.0


@dataclass(frozen=True, slots=True)
class Member:
    """A user (or bot user) made by the factory, with a token for their own client."""

    id: str
    team_id: str
    token: str
    bot_id: str | None = None


class EventLog:
    """Every event the server publishes, kept in order, with a condition to wait on."""

    def __init__(self) -> None:
        self._events: list[Event] = []
        self._changed = threading.Condition()

    def __call__(self, message: BrokerMessage | DeliveryGap) -> None:
        if isinstance(message, Event):
            with self._changed:
                self._events.append(message)
                self._changed.notify_all()

    def clear(self) -> None:
        """Forget what was seen (a new test starts)."""
        with self._changed:
            self._events.clear()

    def wait_for(self, match: Callable[[Event], bool], timeout: float) -> Event:
        """The first event, past or future, that matches; TimeoutError after ``timeout``."""
        with self._changed:
            found = self._changed.wait_for(
                lambda: next((e for e in self._events if match(e)), None), timeout
            )
        if found is None:
            raise TimeoutError("no matching event arrived in time")
        return found


class Slackline:
    """One test's view of the server: build the workspace, act as people, wait for events."""

    def __init__(self, server: SlacklineServer) -> None:
        self._server = server
        self._counter = itertools.count(1)

    @property
    def api_url(self) -> str:
        """The Web API base to hand to a client: ``http://127.0.0.1:<port>/api/``."""
        return f"{self._server.thread.base_url}/api/"

    def _next(self, prefix: str) -> str:
        return f"{prefix}{next(self._counter):08d}X"

    def _load(self, team: dict[str, Any]) -> None:
        self._server.call(lambda app: app.workspaces.load_document({"teams": [team]}))

    def team(self, name: str = "Test Team", **fields: Any) -> str:
        """Create a team; returns its id."""
        team_id = self._next("T")
        self._load({"id": team_id, "name": name, "domain": team_id.lower(), **fields})
        return team_id

    def user(self, team_id: str, name: str, **fields: Any) -> Member:
        """Create a person with a ``client`` user token."""
        user_id, token = self._next("U"), generate_token(TokenType.USER)
        self._load({
            "id": team_id,
            "users": [{"id": user_id, "name": name, **fields}],
            "tokens": [{"token": token, "user": user_id, "type": "user", "scopes": ["client"]}],
        })  # fmt: skip
        return Member(user_id, team_id, token)

    def bot(self, team_id: str, name: str) -> Member:
        """Create a bot (and its bot user) with a classic bot token, as RTM bots have."""
        bot_id, user_id = self._next("B"), self._next("U")
        token = generate_token(TokenType.CLASSIC_BOT)
        self._load({
            "id": team_id,
            "bots": [{"id": bot_id, "user_id": user_id, "name": name}],
            "tokens": [{"token": token, "user": user_id, "type": "classic_bot"}],
        })  # fmt: skip
        return Member(user_id, team_id, token, bot_id)

    def channel(
        self, team_id: str, name: str, members: list[Member], *, private: bool = False
    ) -> str:
        """Create a channel with these members; returns its id."""
        channel_id = self._next("G" if private else "C")
        conversation = {"id": channel_id, "name": name, "is_private": private,
                        "members": [m.id for m in members]}  # fmt: skip
        self._load({"id": team_id, "conversations": [conversation]})
        return channel_id

    def dm(self, one: Member, other: Member) -> str:
        """The DM between two people (opened as ``one``); returns its id."""
        result = self.act(one, "conversations.open", users=other.id)
        return str(result["channel"]["id"])

    def act(self, member: Member | str, method: str, **args: Any) -> dict[str, Any]:
        """Call a Web API method (or ``typing``) as the member; Slack's response body."""
        user_id = member.id if isinstance(member, Member) else member
        text_args = json_args_text(args)
        request = Request("POST", f"/api/{method}", b"", {}, b"", "127.0.0.1", "http")
        return self._server.call(lambda app: act_as(app, user_id, method, text_args, request))

    def post(self, member: Member | str, channel: str, text: str, **args: Any) -> str:
        """Post as the member; returns the message ts."""
        result = self.act(member, "chat.postMessage", channel=channel, text=text, **args)
        assert result["ok"], result
        return str(result["ts"])

    def wait_for_message(
        self,
        *,
        channel: str | None = None,
        text: str | None = None,
        user: str | None = None,
        timeout: float = DEFAULT_WAIT_SECS,
    ) -> dict[str, Any]:
        """The first ``message`` event (since the test began) matching every given field."""
        wanted = {"channel": channel, "text": text, "user": user}

        def match(event: Event) -> bool:
            payload = event.payload
            return payload.get("type") == "message" and all(
                payload.get(k) == v for k, v in wanted.items() if v is not None
            )

        return dict(self._server.events.wait_for(match, timeout).payload)

    def wait_for_connection(self, member: Member | str, timeout: float = DEFAULT_WAIT_SECS) -> None:
        """Return once the member has an open RTM session (its first one turns it active).

        The hub attaches a session before its presence is announced, so any event published
        after this returns reaches the session.
        """
        user_id = member.id if isinstance(member, Member) else member

        def match(event: Event) -> bool:
            return event.presence_of == user_id and event.payload.get("presence") == "active"

        self._server.events.wait_for(match, timeout)

    def wait_for_call(
        self, method: str, *, timeout: float = DEFAULT_WAIT_SECS, **args: str
    ) -> CallRecord:
        """The first Web API call of this test to ``method`` whose arguments include ``args``
        (e.g. the bot's ``chat.postMessage`` to a channel); its arguments and answer."""

        def match(call: CallRecord) -> bool:
            return call.method == method and all(call.args.get(k) == v for k, v in args.items())

        return self._server.journal.wait_for(match, timeout)

    def calls(self, method: str | None = None) -> list[CallRecord]:
        """The Web API calls made so far in this test (of one method, if given)."""
        return [c for c in self._server.journal.calls() if method in (None, c.method)]

    def fail_next(
        self, method: str, error: str, count: int = 1, retry_after: int | None = None
    ) -> None:
        """Make the bot's next ``count`` calls of ``method`` answer Slack's ``error``."""
        code = SlackErrorCode(error)

        async def arm(app: App) -> None:
            app.faults.fail_next(method, code, count, retry_after)

        self._server.call(arm)

    def end_sessions(self, member: Member | str | None = None, *, goodbye: bool = True) -> int:
        """End RTM sessions (of one member): ``goodbye`` then close, or a bare drop."""
        user_id = member.id if isinstance(member, Member) else member

        async def end(app: App) -> int:
            return app.hub.end_sessions(None, user_id, goodbye=goodbye)

        return self._server.call(end)

    async def async_wait_for_message(self, **fields: Any) -> dict[str, Any]:
        """:meth:`wait_for_message` for asynchronous tests (waits in a worker thread)."""
        return await asyncio.to_thread(lambda: self.wait_for_message(**fields))


class SlacklineServer:
    """A server shared by a test session, reset between tests."""

    def __init__(self, thread: ServerThread, journal: MemoryJournal) -> None:
        self.thread = thread
        self.events = EventLog()
        self.journal = journal

    @classmethod
    def start(cls, folder: Path, **settings: Any) -> SlacklineServer:
        """Start on 127.0.0.1 port 0 with SQLite under ``folder`` and the memory broker."""
        base = Settings(
            port=0,
            database=f"sqlite:///{folder / 'slackline.db'}",
            broker="memory://",
            secret_file=str(folder / "secret"),
            drain_secs=0.0,
            presence_grace_secs=0.0,
        )
        journal = MemoryJournal()
        thread = ServerThread(_with(base, settings), Components(journal=journal)).start()
        server = cls(thread, journal)
        server.call(server._subscribe)
        return server

    async def _subscribe(self, app: App) -> None:
        app.broker.subscribe(self.events)

    def call(self, work: Callable[[App], Coroutine[Any, Any, T]]) -> T:
        """Run a coroutine function of the app on the server's loop."""
        assert self.thread.app is not None
        return self.thread.run(work(self.thread.app))

    def reset(self) -> Slackline:
        """End every session, empty the store, reload the workspace files: a clean test."""
        self.call(_reset)
        self.events.clear()
        self.journal.clear()
        return Slackline(self)

    def stop(self) -> None:
        """Stop the server."""
        self.thread.stop()


async def _reset(app: App) -> None:
    app.hub.goodbye_all()
    app.tickets = TicketRegistry(app.clock, app.ids)
    app.rate_limiter = RateLimiter()
    app.faults.clear()
    await app.store.clear()
    app.identities.invalidate()
    for path in app.workspace_files():
        await app.workspaces.load_file(path)


def _with(settings: Settings, overrides: dict[str, Any]) -> Settings:
    return dataclasses.replace(settings, **overrides)
