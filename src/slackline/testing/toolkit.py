"""The bot developer's toolkit: a real Slackline in a thread, a workspace to build, people
to act as, and waits instead of sleeps. The pytest plugin (:mod:`slackline.pytest_plugin`)
hands these objects to tests; they work from any thread (the server has its own loop), and
every wait has an ``async_`` twin for asynchronous tests.
"""

from __future__ import annotations

import asyncio
import dataclasses
import itertools
import threading
import time
from collections.abc import Callable, Coroutine
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

from slackline.app import App, Components
from slackline.broker import BrokerMessage, DeliveryGap, Event
from slackline.clock import ManualClock, SeededIdFactory
from slackline.config import Settings
from slackline.control.workspace_endpoints import advance_clock, reset_app
from slackline.domain.models import TokenType
from slackline.http.args import json_args_text
from slackline.http.request import Request
from slackline.services.workspace import generate_token
from slackline.testing.acting import TYPING, act_as
from slackline.testing.app_actions import AppActions
from slackline.testing.conversation_actions import ConversationActions
from slackline.testing.faults import FaultControls
from slackline.testing.file_actions import FileActions
from slackline.testing.journal import CallRecord, Delivery, Direction, FrameRecord, MemoryJournal
from slackline.testing.message_actions import MessageActions
from slackline.testing.search_actions import SearchActions
from slackline.testing.server import ServerThread
from slackline.testing.workspace_actions import WorkspaceActions

T = TypeVar("T")
DEFAULT_WAIT_SECS = 5.0
DEFAULT_QUIET_SECS = 0.05
DEFAULT_SETTLE_SECS = 10.0
SETTLE_POLL_SECS = 0.01


@dataclass(frozen=True, slots=True)
class Member:
    """A user (or bot user) made by the factory, with a token for their own client."""

    id: str
    team_id: str
    token: str
    bot_id: str | None = None


class EventLog:
    """Every event the server publishes, kept in order, with a condition to wait on."""

    def __init__(self, journal: MemoryJournal) -> None:
        self._events: list[Event] = []
        self._changed = threading.Condition()
        self._journal = journal

    def __call__(self, message: BrokerMessage | DeliveryGap) -> None:
        if isinstance(message, Event):
            with self._changed:
                self._events.append(message)
                self._changed.notify_all()
            self._journal.touch()  # an event is activity: settle() waits past it

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


def _user_id(member: Member | str) -> str:
    return member.id if isinstance(member, Member) else member


def _seq(after: FrameRecord | int) -> int:
    return after.seq if isinstance(after, FrameRecord) else after


class Slackline(
    MessageActions,
    ConversationActions,
    WorkspaceActions,
    FileActions,
    SearchActions,
    AppActions,
    FaultControls,
):
    """One test's view of the server: build the workspace, act as people, wait for what
    the bot does, make Slack misbehave (:class:`FaultControls`)."""

    def __init__(self, server: SlacklineServer) -> None:
        super().__init__(server)
        self._server = server
        self._counter = itertools.count(1)

    @property
    def api_url(self) -> str:
        """The Web API base to hand to a client: ``http://127.0.0.1:<port>/api/``."""
        return f"{self._server.thread.base_url}/api/"

    @property
    def base_url(self) -> str:
        """``http://127.0.0.1:<port>``: the admin and control API live under it."""
        return self._server.thread.base_url

    def now(self) -> float:
        """The server's clock now, in Unix seconds (the manual clock in deterministic mode)."""
        return self._server.components.clock.now()

    # building the workspace

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

    def dm(self, one: Member | str, other: Member | str) -> str:
        """The DM between two people (opened as ``one``); returns its id."""
        result = self._ok(one, "conversations.open", users=_user_id(other))
        return str(result["channel"]["id"])

    open_dm = dm

    # acting as people

    def act(self, member: Member | str, method: str, **args: Any) -> dict[str, Any]:
        """Call a Web API method (or ``typing``) as the member; Slack's response body."""
        return self._server.call(self._acting(member, method, args))

    async def async_act(self, member: Member | str, method: str, **args: Any) -> dict[str, Any]:
        """:meth:`act` for asynchronous tests (never blocks the test's loop)."""
        return await self._server.call_async(self._acting(member, method, args))

    def _acting(
        self, member: Member | str, method: str, args: dict[str, Any]
    ) -> Callable[[App], Coroutine[Any, Any, dict[str, Any]]]:
        user_id, text_args = _user_id(member), json_args_text(args)
        request = Request("POST", f"/api/{method}", b"", {}, b"", "127.0.0.1", "http")
        return lambda app: act_as(app, user_id, method, text_args, request)

    def post(self, member: Member | str, channel: str, text: str, **args: Any) -> str:
        """Post as the member; returns the message ts."""
        return str(self._ok(member, "chat.postMessage", channel=channel, text=text, **args)["ts"])

    def edit(self, member: Member | str, channel: str, ts: str, text: str) -> None:
        """Edit the member's message (``chat.update``)."""
        self._ok(member, "chat.update", channel=channel, ts=ts, text=text)

    def delete(self, member: Member | str, channel: str, ts: str) -> None:
        """Delete the member's message (``chat.delete``)."""
        self._ok(member, "chat.delete", channel=channel, ts=ts)

    def react(self, member: Member | str, channel: str, ts: str, name: str) -> None:
        """Add the reaction ``name`` (``thumbsup``, no colons) to a message."""
        self._ok(member, "reactions.add", channel=channel, timestamp=ts, name=name)

    def unreact(self, member: Member | str, channel: str, ts: str, name: str) -> None:
        """Remove the member's reaction ``name`` from a message."""
        self._ok(member, "reactions.remove", channel=channel, timestamp=ts, name=name)

    def type(self, member: Member | str, channel: str) -> None:
        """Show the member typing in a conversation (``user_typing`` to the others)."""
        self._ok(member, TYPING, channel=channel)

    def join(self, member: Member | str, channel: str) -> None:
        """Join a public channel."""
        self._ok(member, "conversations.join", channel=channel)

    def leave(self, member: Member | str, channel: str) -> None:
        """Leave a conversation."""
        self._ok(member, "conversations.leave", channel=channel)

    def set_presence(self, member: Member | str, presence: str) -> None:
        """``auto`` or ``away`` (``users.setPresence``)."""
        self._ok(member, "users.setPresence", presence=presence)

    # waiting for what the bot does

    def wait_for_message(
        self,
        *,
        channel: str | None = None,
        text: str | None = None,
        user: str | None = None,
        timeout: float = DEFAULT_WAIT_SECS,
        **fields: Any,
    ) -> dict[str, Any]:
        """The first ``message`` event (since the test began) matching every given field
        (``subtype="message_changed"``, ``thread_ts=...`` and so on)."""
        wanted = {"channel": channel, "text": text, "user": user, **fields}

        def match(event: Event) -> bool:
            payload = event.payload
            return payload.get("type") == "message" and all(
                payload.get(k) == v for k, v in wanted.items() if v is not None
            )

        return dict(self._server.events.wait_for(match, timeout).payload)

    def wait_for_connection(
        self,
        member: Member | str,
        *,
        after: FrameRecord | int = 0,
        timeout: float = DEFAULT_WAIT_SECS,
    ) -> FrameRecord:
        """The ``hello`` the member's client was sent (its session is attached: any event
        published after this returns reaches it). ``after`` (a frame or a ``seq``) skips
        earlier ones: ``wait_for_connection(bot, after=first)`` waits for a reconnection."""
        return self.wait_for_frame(
            member, direction="out", after=after, timeout=timeout, type="hello"
        )

    def wait_for_frame(
        self,
        member: Member | str | None = None,
        *,
        direction: Direction | None = None,
        after: FrameRecord | int = 0,
        timeout: float = DEFAULT_WAIT_SECS,
        **fields: Any,
    ) -> FrameRecord:
        """The first RTM frame (of the member's sessions; ``"in"`` from the client or
        ``"out"`` to it) after ``after`` whose JSON has every one of ``fields``."""
        return self._server.journal.wait_for_frame(
            direction=direction,
            user_id=None if member is None else _user_id(member),
            after_seq=_seq(after),
            timeout=timeout,
            **fields,
        )

    def frames(
        self, member: Member | str | None = None, *, direction: Direction | None = None
    ) -> list[FrameRecord]:
        """The RTM frames of this test so far (of the member's sessions, one direction)."""
        user_id = None if member is None else _user_id(member)
        return self._server.journal.frames(direction=direction, user_id=user_id)

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

    def deliveries(self, app_id: str | None = None) -> list[Delivery]:
        """What apps were handed so far in this test (of one app): each Socket Mode
        envelope's ``sent``/``acknowledged``/``dropped`` and each Events API request's
        ``delivered``/``failed``/``dropped``, in order."""
        return [r.delivery for r in self._server.journal.deliveries(app_id)]

    def settle(
        self, *, quiet: float = DEFAULT_QUIET_SECS, timeout: float = DEFAULT_SETTLE_SECS
    ) -> None:
        """Return once no Web API request is being answered, no RTM frame waits to be
        written or handled, and nothing (call, frame, event) has happened for ``quiet``
        seconds; TimeoutError if that never comes within ``timeout``.

        A bot that is still thinking about a frame it received (no request sent yet) is
        covered by the quiet period only: make ``quiet`` longer than its think time.
        """
        journal = self._server.journal
        deadline = time.monotonic() + timeout
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise TimeoutError(f"the server did not settle within {timeout} s")
            still = quiet - journal.quiet_for()
            if still > 0:
                journal.wait_for_activity(min(still, remaining))
            elif self._server.call(self._server.settled):
                return
            else:
                journal.wait_for_activity(min(SETTLE_POLL_SECS, remaining))

    # deterministic mode

    def advance(self, secs: float) -> None:
        """Move the manual clock forward (deterministic mode only): tickets expire, rate
        limit windows refill, sessions age, migrations end and scenario steps come due as
        if ``secs`` had passed."""
        if self._server.manual_clock is None:
            raise RuntimeError("advance() needs deterministic mode (slackline_deterministic)")
        self._server.call(lambda app: advance_clock(app, secs))

    # asynchronous twins of the waits

    async def async_wait_for_message(self, **fields: Any) -> dict[str, Any]:
        """:meth:`wait_for_message` for asynchronous tests (waits in a worker thread)."""
        return await asyncio.to_thread(lambda: self.wait_for_message(**fields))

    async def async_wait_for_connection(self, member: Member | str, **options: Any) -> FrameRecord:
        """:meth:`wait_for_connection` for asynchronous tests."""
        return await asyncio.to_thread(lambda: self.wait_for_connection(member, **options))

    async def async_wait_for_frame(
        self, member: Member | str | None = None, **options: Any
    ) -> FrameRecord:
        """:meth:`wait_for_frame` for asynchronous tests."""
        return await asyncio.to_thread(lambda: self.wait_for_frame(member, **options))

    async def async_wait_for_call(self, method: str, **options: Any) -> CallRecord:
        """:meth:`wait_for_call` for asynchronous tests."""
        return await asyncio.to_thread(lambda: self.wait_for_call(method, **options))

    async def async_settle(self, **options: float) -> None:
        """:meth:`settle` for asynchronous tests: the bot keeps running on the test's loop
        while this waits in a worker thread."""
        await asyncio.to_thread(lambda: self.settle(**options))


class SlacklineServer:
    """A server shared by a test session, reset between tests."""

    def __init__(
        self, thread: ServerThread, journal: MemoryJournal, components: Components
    ) -> None:
        self.thread = thread
        self.journal = journal
        self.events = EventLog(journal)
        self.components = components

    @classmethod
    def start(
        cls, folder: Path, *, deterministic: bool = False, seed: int = 0, **settings: Any
    ) -> SlacklineServer:
        """Start on 127.0.0.1 port 0 with SQLite under ``folder`` and the memory broker.

        ``deterministic``: ids, tickets and request ids from a sequence seeded with ``seed``
        and a manual clock, both restarted by every :meth:`reset`.
        """
        base = Settings(
            port=0,
            database=f"sqlite:///{folder / 'slackline.db'}",
            broker="memory://",
            secret_file=str(folder / "secret"),
            drain_secs=0.0,
            presence_grace_secs=0.0,
        )
        journal = MemoryJournal()
        components = Components(journal=journal, faults=True)
        if deterministic:
            components.clock, components.ids = ManualClock(), SeededIdFactory(seed)
        thread = ServerThread(dataclasses.replace(base, **settings), components).start()
        server = cls(thread, journal, components)
        server.call(server._subscribe)
        return server

    @property
    def manual_clock(self) -> ManualClock | None:
        """The manual clock of deterministic mode (None otherwise)."""
        clock = self.components.clock
        return clock if isinstance(clock, ManualClock) else None

    async def settled(self, app: App) -> bool:
        """Whether no Web API request is being answered, no frame waits anywhere and every
        event has been handed to the apps it is for (sockets and request URLs)."""
        return self.journal.calls_in_flight == 0 and app.hub.settled() and app.app_events.settled()

    async def _subscribe(self, app: App) -> None:
        app.broker.subscribe(self.events)

    def call(self, work: Callable[[App], Coroutine[Any, Any, T]]) -> T:
        """Run a coroutine function of the app on the server's loop."""
        assert self.thread.app is not None
        return self.thread.run(work(self.thread.app))

    async def call_async(self, work: Callable[[App], Coroutine[Any, Any, T]]) -> T:
        """:meth:`call` awaited from another event loop."""
        return await asyncio.to_thread(self.call, work)

    def reset(self) -> Slackline:
        """End every session, empty the store, reload the workspace files: a clean test.

        In deterministic mode the clock and the id sequence start again, so every test sees
        the same ids and ``ts`` values whatever ran before it.
        """
        self.call(self._reset)
        self.events.clear()
        return Slackline(self)

    async def _reset(self, app: App) -> None:
        await reset_app(app)  # the control API's reset: one definition of a clean server

    def stop(self) -> None:
        """Stop the server."""
        self.thread.stop()
