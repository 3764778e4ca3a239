"""The application: live state created at start-up and the request router.

Nothing here is a module global: every component is built by :func:`create_app` and
reached through the :class:`App` instance.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable, Coroutine
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from slackline.api.dispatch import API_PREFIX, dispatch
from slackline.api.methods import all_methods
from slackline.api.registry import MethodTable
from slackline.broker import Broker, open_broker
from slackline.broker.memory import MemoryBroker
from slackline.clock import Clock, IdFactory, RandomIdFactory, SystemClock
from slackline.config import Settings
from slackline.domain.ratelimit import RateLimiter
from slackline.errors import BrokerError, StorageError
from slackline.faults import FaultPlan
from slackline.http.forwarding import client_address, request_base_url
from slackline.http.request import Request, Response
from slackline.http.response import plain_response
from slackline.journal import Journal, NullJournal
from slackline.rtm.client import ClientFrames
from slackline.rtm.endpoint import SocketEndpoint
from slackline.rtm.handlers import RtmHandlers
from slackline.rtm.hub import SessionHub
from slackline.rtm.session import RtmSession
from slackline.services.identity import IdentityService, TokenHasher, load_or_create_secret
from slackline.services.messages import ConversationCache, MessageService
from slackline.services.presence import create_presence
from slackline.services.tickets import TicketRegistry
from slackline.services.typing import TypingService
from slackline.services.workspace import WorkspaceService
from slackline.storage import Store, open_store

if TYPE_CHECKING:
    from slackline.cluster.state import ClusterState
    from slackline.cluster.writes import WritesInFlight

logger = logging.getLogger("slackline.app")

CONTROL_PREFIX = "/_slackline/"


@dataclass
class Components:
    """The replaceable parts: tests and deterministic mode inject their own."""

    clock: Clock = field(default_factory=SystemClock)
    ids: IdFactory = field(default_factory=RandomIdFactory)
    store: Store | None = None
    broker: Broker | None = None
    secret: bytes | None = None
    journal: Journal | None = None  # None: a ControlJournal with --admin-token, else none


class App:
    """One Slackline server's state and services."""

    def __init__(self, settings: Settings, components: Components) -> None:
        self.settings = settings
        self.clock = components.clock
        self.journal = components.journal or _default_journal(settings)
        self.ids = components.ids
        self.store = components.store or open_store(settings.database)
        self.broker = components.broker or open_broker(settings.broker)
        secret = components.secret or load_or_create_secret(settings.secret_file)
        self.identities = IdentityService(self.store, TokenHasher(secret))
        self.workspaces = WorkspaceService(self.store, self.identities, self.clock, self.broker)
        # Only this process changes the database when events stay in it (memory broker).
        conversations = ConversationCache(self.store, enabled=isinstance(self.broker, MemoryBroker))
        self.identities.on_invalidate(conversations.clear)
        self.messages = MessageService(self.store, self.broker, self.clock, conversations)
        self.typing = TypingService(self.broker, self.messages)
        # Counted in this process with the in-process broker, in Redis with the Redis one.
        self.presence = create_presence(self.store, self.broker, self.clock, self.identities)
        self.tickets = TicketRegistry(self.clock, self.ids)
        self.rate_limiter = RateLimiter()
        # Tickets, rate limits and cache invalidation shared by processes (Redis broker).
        self.cluster: ClusterState | None = None
        # Teams this process may be writing for, so that a crash ends their sessions (E.8).
        self.writes: WritesInFlight | None = None
        if not isinstance(self.broker, MemoryBroker):
            from slackline.cluster.state import open_cluster_state  # noqa: PLC0415
            from slackline.cluster.writes import writes_in_flight  # noqa: PLC0415

            self.cluster = open_cluster_state(self.broker, self.identities, self.clock, self.ids)
            self.writes = writes_in_flight(self.presence)
        self.methods = MethodTable(all_methods())
        self.hub = SessionHub(
            self.clock,
            max_outbound_bytes=settings.max_outbound_bytes,
            max_session_age_secs=settings.max_session_age_secs,
        )
        self.messages.window = self.hub
        self.faults = FaultPlan(self.clock, self.hub, self.workspaces)
        self.hub.journal = self.journal if self.journal.records_frames else None
        self.requests_in_flight = 0  # Web API requests being answered (the toolkit's settle)
        self.hub.client_frames = ClientFrames(self)
        RtmHandlers(self).register(self.hub.client_frames)
        self.hub.on_open = self._session_opened
        self.hub.on_close = self._session_closed
        self.socket_endpoint = SocketEndpoint(self)
        self.draining = False
        self.ready = False
        self._tasks: set[asyncio.Task[None]] = set()
        self._timers: set[asyncio.TimerHandle] = set()
        self._closing = False
        self._unsubscribe: Callable[[], None] | None = None

    async def start(self) -> None:
        """Migrate storage, load the workspace files and warm the identity cache."""
        await self.store.migrate()
        await self.broker.start()
        await self.presence.start()
        self._unsubscribe = self.faults.events.connect(self.broker, self.hub.deliver)
        for path in self.workspace_files():
            await self.workspaces.load_file(path)
        if self.settings.admin_token or self.settings.fault_scenario:
            from slackline.control import start_control  # noqa: PLC0415

            await start_control(self)
        # Before listening, so a connect storm never waits on cold lookups (bench W2, W3).
        await self.identities.warm()
        self.ready = True

    def workspace_files(self) -> list[str]:
        """The workspace files to load: ``--workspace`` ones, the demo first with ``--demo``."""
        files = list(self.settings.workspaces)
        if self.settings.demo:
            from slackline.demo import demo_workspace_path  # noqa: PLC0415

            files.insert(0, demo_workspace_path())
        return files

    async def close(self) -> None:
        """Say goodbye to every session, then release storage and broker."""
        self.hub.goodbye_all()
        self._closing = True
        if self._unsubscribe is not None:
            self._unsubscribe()
        self.faults.schedule.clear()  # a scenario's timer and running step die with the app
        for timer in self._timers:
            timer.cancel()
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        if self.cluster is not None:
            await self.cluster.close()
        if self.writes is not None:
            await self.writes.close()
        await self.presence.close()
        await self.broker.close()
        await self.store.close()

    def start_drain(self) -> None:
        """Refuse new work and send every session ``goodbye`` (decisions B.7)."""
        self.draining = True
        self.hub.goodbye_all()

    def _spawn(self, work: Coroutine[Any, Any, None]) -> None:
        if self._closing:
            work.close()
            return
        task = asyncio.get_running_loop().create_task(work)
        self._tasks.add(task)
        task.add_done_callback(self._background_done)

    def _background_done(self, task: asyncio.Task[None]) -> None:
        """Forget a finished background task; a failure is logged, never left unretrieved.

        A presence announcement that cannot be published (the broker is down) is already
        covered: the broker's outage ends every session (decisions E.8).
        """
        self._tasks.discard(task)
        if not task.cancelled() and (error := task.exception()) is not None:
            level = (
                logging.WARNING if isinstance(error, BrokerError | StorageError) else logging.ERROR
            )
            logger.log(level, "background task failed: %s", error, exc_info=level == logging.ERROR)

    def _session_opened(self, session: RtmSession) -> None:
        self._spawn(self.presence.session_opened(session.team_id, session.user_id))

    def _session_closed(self, session: RtmSession) -> None:
        # Away only after a grace period, so a client reconnecting at once never flaps.
        def closed() -> None:
            self._timers.discard(timer)
            self._spawn(self.presence.session_closed(session.team_id, session.user_id))

        if self._closing:
            return
        loop = asyncio.get_running_loop()
        timer = loop.call_later(self.settings.presence_grace_secs, closed)
        self._timers.add(timer)

    def writing(self, team_id: str) -> AbstractAsyncContextManager[None]:
        """Around work that may commit and then publish for ``team_id``: counted in Redis in
        a cluster (cluster/writes.py), nothing in a single process."""
        return contextlib.nullcontext() if self.writes is None else self.writes.writing(team_id)

    def base_url(self, request: Request) -> str:
        """The public HTTP base for URLs handed to this caller (decisions D.1)."""
        configured = (
            self.settings.tls_public_url if request.scheme == "https" else self.settings.public_url
        )
        if configured:
            return configured.rstrip("/")
        return request_base_url(request.scheme, request.header("host"), request.local)

    async def handle(self, request: Request) -> Response:
        """Route a request to the Web API, the admin API or the health check."""
        request.peer = client_address(
            request.peer, request.header("x-forwarded-for"), self.settings.trusted_proxies
        )
        if request.path.startswith(API_PREFIX):
            return await dispatch(self, request)
        if request.path.startswith(CONTROL_PREFIX):
            from slackline.control import handle_control  # noqa: PLC0415

            return await handle_control(self, request)
        if request.path == "/healthz":
            healthy = self.ready and not self.draining
            status = "ok" if healthy else ("draining" if self.draining else "starting")
            return plain_response(200 if healthy else 503, {"status": status}, request.request_id)
        return plain_response(404, {"ok": False, "error": "not_found"}, request.request_id)


def _default_journal(settings: Settings) -> Journal:
    """With the control API on, a bounded journal its journal and wait endpoints read."""
    if not settings.admin_token:
        return NullJournal()
    from slackline.control.observe import ControlJournal  # noqa: PLC0415

    return ControlJournal()


def create_app(settings: Settings, components: Components | None = None) -> App:
    """Build an :class:`App` from settings and (optionally) injected components."""
    return App(settings, components or Components())
