"""Composition: every component built once, at start, and the request router.

This is the one place that decides what kind of server this is: single process or cluster
(:func:`open_events`, from the broker URL), whether a journal and faults are installed, and
which implementation each interface gets. Nothing here is a module global: every component
is built by :func:`create_app` and reached through the :class:`App` instance, which only the
runner, the control API and the test toolkit hold; Web API handlers get
:class:`~slackline.services.container.Services`, never the application.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Coroutine
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from slackline.api.dispatch import API_PREFIX, ApiEndpoint, Dispatcher
from slackline.api.gate import CallGate, OpenGate, RateLimitGate
from slackline.api.methods import all_methods
from slackline.api.registry import build_method_table
from slackline.blobs import Blobs, default_blob_url, open_blob_store
from slackline.broker import Broker, broker_kind
from slackline.clock import Clock, IdFactory, RandomIdFactory, SystemClock
from slackline.config import Settings
from slackline.domain.permalinks import parse_permalink
from slackline.errors import BrokerError, StorageError
from slackline.faults import FaultPlan
from slackline.health import HealthProbe
from slackline.http.forwarding import PublicUrls, client_address, valid_host
from slackline.http.request import Request, Response
from slackline.http.response import permalink_response, plain_response
from slackline.http.server import MAX_BODY_BYTES
from slackline.lifecycle import Lifecycle
from slackline.rtm.client import ClientFrames
from slackline.rtm.endpoint import Redeem, SocketEndpoint
from slackline.rtm.handlers import RtmHandlers
from slackline.rtm.hub import SessionHub
from slackline.rtm.reconnect import ReconnectUrls
from slackline.rtm.session import RtmSession
from slackline.services.container import build_services
from slackline.services.identity import IdentityService, TokenHasher, load_or_create_secret
from slackline.services.web_sessions import WebSessionService
from slackline.services.workspace import WorkspaceService
from slackline.shared.base import SharedState
from slackline.socket_mode.commands import RESPONSE_PATH
from slackline.socket_mode.endpoint import LINK_PATHS, LinkEndpoint
from slackline.socket_mode.events import AppEventRouter
from slackline.socket_mode.http_delivery import EventsHttpSender
from slackline.socket_mode.hub import ConnectedApp, SocketModeHub
from slackline.storage import Store, open_store
from slackline.web import handle_web

if TYPE_CHECKING:
    from slackline.testing.journal import Journal

logger = logging.getLogger("slackline.app")

CONTROL_PREFIX = "/_slackline/"
# A file's private URL (url_private, url_private_download) and the external upload URLs.
FILES_PREFIX = "/files-pri/"
UPLOAD_PREFIX = "/upload/"
# Requests that carry a file's bytes may be larger than other bodies: the file plus this much
# for the other fields and the multipart framing (files.upload).
UPLOAD_TARGETS = (UPLOAD_PREFIX.encode(), f"{API_PREFIX}files.upload".encode())
UPLOAD_OVERHEAD_BYTES = 1024 * 1024


@dataclass
class Components:
    """The replaceable parts: tests and deterministic mode inject their own.

    ``journal`` installs a journal of calls and frames (the toolkit's); ``faults`` installs
    the fault plan (the toolkit's; ``--admin-token`` and ``--fault-scenario`` install both).
    """

    clock: Clock = field(default_factory=SystemClock)
    ids: IdFactory = field(default_factory=RandomIdFactory)
    store: Store | None = None
    secret: bytes | None = None
    journal: Journal | None = None
    faults: bool = False


def open_events(
    url: str, store: Store, identities: IdentityService, clock: Clock, ids: IdFactory
) -> tuple[Broker, SharedState]:
    """The broker a URL names and the shared state that goes with it: ``memory://`` is one
    process, ``redis://`` a cluster. The only place that decision is made; drivers are
    imported when used."""
    if broker_kind(url) == "memory":
        from slackline.broker.memory import MemoryBroker  # noqa: PLC0415
        from slackline.shared.local import LocalSharedState  # noqa: PLC0415

        memory = MemoryBroker()
        return memory, LocalSharedState(store, memory, clock, ids, identities)
    from slackline.broker.redis import RedisBroker  # noqa: PLC0415
    from slackline.cluster.state import RedisSharedState  # noqa: PLC0415

    redis = RedisBroker.from_url(url)
    return redis, RedisSharedState(redis, store, identities, clock, ids)


class App:
    """One Slackline server's state and services."""

    def __init__(self, settings: Settings, components: Components) -> None:
        self.settings = settings
        self.clock = components.clock
        self.ids = components.ids
        self.lifecycle = Lifecycle()
        self.store = components.store or open_store(settings.database)
        secret = components.secret or load_or_create_secret(settings.secret_file)
        self.identities = IdentityService(self.store, TokenHasher(secret))
        self.broker, self.shared = open_events(
            settings.broker, self.store, self.identities, self.clock, self.ids
        )
        self.workspaces = WorkspaceService(self.store, self.identities, self.clock, self.broker)
        signin_limits = self.shared.rate_limits if settings.rate_limits else None
        self.web_sessions = WebSessionService(
            self.store, self.identities, self.workspaces, signin_limits, self.clock
        )
        self.health = HealthProbe(self.store, self.broker)
        self.journal = components.journal or _control_journal(settings)
        self.blobs = open_blob_store(settings.blobs or default_blob_url(settings.database))
        self.socket_mode = SocketModeHub(
            ack_secs=settings.socket_mode_ack_secs,
            refresh_secs=settings.socket_mode_refresh_secs,
            ping_secs=settings.socket_mode_ping_secs,
        )
        self.events_http = EventsHttpSender(self.clock, settings.events_retry_secs)
        if self.journal is not None:
            self._journal_deliveries(self.journal)
        self.services = build_services(
            store=self.store,
            broker=self.broker,
            shared=self.shared,
            identities=self.identities,
            workspaces=self.workspaces,
            clock=self.clock,
            ids=self.ids,
            urls=PublicUrls(settings.public_url, settings.tls_public_url),
            blobs=Blobs(self.blobs, settings.max_file_bytes),
            socket_mode=self.socket_mode,
            events_http=self.events_http,
        )
        self.workspaces.app_declarer = self.services.apps.declare
        self.hub = self._build_hub()
        self.services.messages.window = self.hub
        with_faults = components.faults or bool(settings.admin_token or settings.fault_scenario)
        self.faults = FaultPlan(self.clock, self.hub, self.workspaces) if with_faults else None
        self.methods = build_method_table(
            all_methods(), legacy_methods=settings.legacy_methods, writes=self.shared.writes
        )
        self.api = self._build_api()
        self.reconnects = ReconnectUrls(
            self.hub, self.services.tickets, settings.reconnect_url_secs
        )
        self.socket_endpoint = SocketEndpoint(
            self.hub, self._redemption(), self.lifecycle, self.services.urls, self.reconnects
        )
        self.app_events = AppEventRouter(
            self.socket_mode,
            reads=self.services.reads,
            clock=self.clock,
            ids=self.ids,
            http=self.events_http,
            http_targets=self.services.apps.http_targets,
            claim=self.shared.app_claims.claim,
        )
        self.services.apps.on_change = self.app_events.apps_changed
        self.services.apps.on_socket_mode_off = self._socket_mode_off
        self.shared.app_dispatch.deliver_with(
            lambda app_id: self.socket_mode.connection_count(app_id) > 0,
            self.services.commands.send_here,
        )
        self.services.apps.on_declared = self.events_http.enable
        self.link_endpoint = LinkEndpoint(self.socket_mode, self._redeem_link, self.lifecycle)
        self._tasks: set[asyncio.Task[None]] = set()
        self._timers: set[asyncio.TimerHandle] = set()
        self._closing = False
        self._unsubscribe: Callable[[], None] | None = None
        self._unsubscribe_apps: Callable[[], None] | None = None

    # composition

    def _journal_deliveries(self, journal: Journal) -> None:
        """What apps are handed goes to the journal too (hooks, so without one nothing
        is checked on the way)."""
        from slackline.testing.journal import (  # noqa: PLC0415
            envelope_recorder,
            http_delivery_recorder,
        )

        self.socket_mode.on_envelope = envelope_recorder(journal)
        self.events_http.on_delivery = http_delivery_recorder(journal)

    def _build_hub(self) -> SessionHub:
        outbound, age = self.settings.max_outbound_bytes, self.settings.max_session_age_secs
        hub: SessionHub
        if self.journal is None:
            hub = SessionHub(self.clock, max_outbound_bytes=outbound, max_session_age_secs=age)
        else:
            from slackline.testing.journal import JournaledHub  # noqa: PLC0415

            hub = JournaledHub(
                self.clock, self.journal, max_outbound_bytes=outbound, max_session_age_secs=age
            )
        hub.on_open = self._session_opened
        hub.on_close = self._session_closed
        return hub

    def _build_frames(self) -> None:
        frames = ClientFrames(self.hub, self.clock, rate_limits=self.settings.rate_limits)
        self.client_frames = frames
        RtmHandlers(self.services, self.hub, self.shared.writes).register(frames)
        if self.faults is not None:
            from slackline.faults.install import silence_pings  # noqa: PLC0415

            silence_pings(frames, self.faults)
        if self.journal is None:
            self.hub.client_frames = frames
        else:
            from slackline.testing.journal import FrameTap  # noqa: PLC0415

            self.hub.client_frames = FrameTap(frames, self.journal)

    def _build_api(self) -> ApiEndpoint:
        self._build_frames()
        gate: CallGate = (
            RateLimitGate(self.shared.rate_limits) if self.settings.rate_limits else OpenGate()
        )
        if self.faults is not None:
            from slackline.faults.install import FaultGate  # noqa: PLC0415

            gate = FaultGate(gate, self.faults)
        dispatcher = Dispatcher(
            methods=self.methods,
            identities=self.identities,
            clock=self.clock,
            gate=gate,
            services=self.services,
            lifecycle=self.lifecycle,
            query_tokens=self.settings.query_tokens,
            deprecated_aliases=self.settings.deprecated_aliases,
        )
        self.api_stats = dispatcher.stats
        if self.journal is None:
            return dispatcher
        from slackline.testing.journal import JournaledDispatcher  # noqa: PLC0415

        return JournaledDispatcher(dispatcher, self.journal)

    def _redemption(self) -> Redeem:
        redeem: Redeem = self.services.tickets.redeem
        if self.faults is None:
            return redeem
        from slackline.faults.install import faulting_redemption  # noqa: PLC0415

        return faulting_redemption(redeem, self.faults)

    def _socket_mode_off(self, app_id: str) -> None:
        self.socket_mode.disconnect_app(app_id, "link_disabled")

    async def _redeem_link(self, ticket: str, peer: str) -> ConnectedApp | None:
        """A Socket Mode ticket's app, if the ticket and its app-level token still admit it."""
        redeemed = await self.services.tickets.redeem_link(ticket, peer)
        if redeemed is None:
            return None
        return await self.services.apps.connected_app(redeemed.token_hash)

    def upgrade(
        self, request: Request, transport: asyncio.Transport, rest: bytes
    ) -> Coroutine[Any, Any, None] | None:
        """A WebSocket upgrade: ``/link/`` is Socket Mode, anything else RTM's endpoint."""
        if request.path in LINK_PATHS:
            return self.link_endpoint.upgrade(request, transport, rest)
        return self.socket_endpoint.upgrade(request, transport, rest)

    # life

    async def start(self) -> None:
        """Migrate storage, load the workspace files and warm the identity cache."""
        await self.store.migrate()
        await self.blobs.start()
        await self.broker.start()
        await self.shared.start()
        deliver = self.shared.deliveries(self.hub.deliver)
        if self.faults is None:
            self._unsubscribe = self.broker.subscribe(deliver)
        else:
            self._unsubscribe = self.faults.events.connect(self.broker, deliver)
        self._unsubscribe_apps = self.broker.subscribe(self.app_events.deliver)
        for path in self.workspace_files():
            await self.workspaces.load_file(path)
        if self.settings.admin_token or self.settings.fault_scenario:
            from slackline.control import start_control  # noqa: PLC0415

            await start_control(self)
        # Before listening, so a connect storm never waits on cold lookups (bench W2, W3).
        await self.identities.warm()
        await self.health.probe()
        self.health.start()
        await self.services.scheduled.start()
        self.lifecycle.ready = True

    def workspace_files(self) -> list[str]:
        """The workspace files to load: ``--workspace`` ones, the demo first with ``--demo``."""
        files = list(self.settings.workspaces)
        if self.settings.demo:
            from slackline.demo import demo_workspace_path  # noqa: PLC0415

            files.insert(0, demo_workspace_path())
        return files

    def require_faults(self) -> FaultPlan:
        """The fault plan (a server started with faults has one)."""
        if self.faults is None:
            raise RuntimeError("this server was started without faults")
        return self.faults

    async def close(self) -> None:
        """Say goodbye to every session, then release storage and broker."""
        self.hub.goodbye_all()
        self.socket_mode.close_all()
        self.reconnects.close()
        self._closing = True
        if self._unsubscribe is not None:
            self._unsubscribe()
        if self._unsubscribe_apps is not None:
            self._unsubscribe_apps()
        await self.app_events.close()
        await self.events_http.close()
        if self.faults is not None:
            self.faults.schedule.clear()  # a scenario's timer and running step die with the app
        for timer in self._timers:
            timer.cancel()
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        await self.services.scheduled.close()
        await self.health.stop()
        await self.shared.close()
        await self.broker.close()
        await self.blobs.close()
        await self.store.close()

    def start_drain(self) -> None:
        """Refuse new work and send every session ``goodbye`` (decisions B.7)."""
        self.lifecycle.draining = True
        self.hub.goodbye_all()
        self.socket_mode.close_all()

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
        self._spawn(self.shared.presence.session_opened(session.team_id, session.user_id))

    def _session_closed(self, session: RtmSession) -> None:
        # Away only after a grace period, so a client reconnecting at once never flaps.
        def closed() -> None:
            self._timers.discard(timer)
            self._spawn(self.shared.presence.session_closed(session.team_id, session.user_id))

        if self._closing:
            return
        loop = asyncio.get_running_loop()
        timer = loop.call_later(self.settings.presence_grace_secs, closed)
        self._timers.add(timer)

    # routing

    def max_body_bytes(self, target: bytes) -> int:
        """The largest body the HTTP driver reads for a request target: uploads may carry a
        whole file (``--max-file-bytes``), everything else :data:`MAX_BODY_BYTES`."""
        if target.startswith(UPLOAD_TARGETS):
            return max(MAX_BODY_BYTES, self.settings.max_file_bytes + UPLOAD_OVERHEAD_BYTES)
        return MAX_BODY_BYTES

    async def handle(self, request: Request) -> Response:
        """Route a request to the Web API, the admin API or the health check."""
        request.peer = client_address(
            request.peer, request.header("x-forwarded-for"), self.settings.trusted_proxies
        )
        if not valid_host(request.header("host")):
            return plain_response(400, {"ok": False, "error": "invalid_host"}, request.request_id)
        if request.path.startswith(API_PREFIX):
            return await self.api.answer(request)
        if request.path.startswith(FILES_PREFIX):
            return await self.services.files.download(request)
        if request.path.startswith(UPLOAD_PREFIX):
            return await self.services.files.receive_upload(request)
        if request.path.startswith(CONTROL_PREFIX):
            from slackline.control import handle_control  # noqa: PLC0415

            return await handle_control(self, request)
        if request.path.startswith(RESPONSE_PATH) and request.method == "POST":
            return await self._command_response(request)
        if request.path == "/healthz":
            return self._health(request)
        page = await handle_web(self, request)
        if page is not None:
            return page
        target = parse_permalink(request.path, request.query.decode("latin-1"))
        if target is not None and request.method == "GET":
            return permalink_response(target, request.request_id)
        return plain_response(404, {"ok": False, "error": "not_found"}, request.request_id)

    async def _command_response(self, request: Request) -> Response:
        """An app's answer on a command's or a click's ``response_url`` (a JSON body)."""
        token = request.path[len(RESPONSE_PATH) :]
        status, document = await self.services.commands.respond(token, request.body)
        return plain_response(status, document, request.request_id)

    def _health(self, request: Request) -> Response:
        """200 ``ok``; 503 while starting, draining, or a dependency is down (with why)."""
        lifecycle = self.lifecycle
        if lifecycle.draining or not lifecycle.ready:
            status = "draining" if lifecycle.draining else "starting"
            return plain_response(503, {"status": status}, request.request_id)
        problems = self.health.problems()
        if problems:
            document = {"status": "unavailable", "reasons": problems}
            return plain_response(503, document, request.request_id)
        return plain_response(200, {"status": "ok"}, request.request_id)


def _control_journal(settings: Settings) -> Journal | None:
    """With the control API on, a bounded journal its journal and wait endpoints read."""
    if not settings.admin_token:
        return None
    from slackline.testing.control_journal import ControlJournal  # noqa: PLC0415

    return ControlJournal()


def create_app(settings: Settings, components: Components | None = None) -> App:
    """Build an :class:`App` from settings and (optionally) injected components."""
    return App(settings, components or Components())
