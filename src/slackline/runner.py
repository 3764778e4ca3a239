"""Running a server: listeners (plain and TLS), readiness, and the SIGTERM drain (B.7)."""

from __future__ import annotations

import asyncio
import logging
import signal
from collections.abc import Callable

from slackline.app import App
from slackline.http.limits import ConnectionBudget, default_max_connections, raise_fd_limit
from slackline.http.server import HttpProtocol, UpgradeHandler, make_ssl_context
from slackline.rtm.trim import trim_heap

logger = logging.getLogger("slackline.server")


class Listeners:
    """The plain listener and the optional TLS one, serving the same application.

    WebSocket upgrade requests go to ``upgrade``, by default the
    app's (Socket Mode under ``/link/``, RTM elsewhere).
    Connections and the sessions they become share one bound (``--max-connections``, or the
    open-file limit less a reserve: :mod:`slackline.http.limits`).
    With ``reuse_port`` the ports are bound with ``SO_REUSEPORT``, so that several worker
    processes listen on the same ports and the kernel spreads connections over them
    (:mod:`slackline.cluster.workers`).
    """

    def __init__(
        self, app: App, upgrade: UpgradeHandler | None = None, *, reuse_port: bool = False
    ) -> None:
        self.app = app
        self._upgrade = upgrade or app.upgrade
        self._reuse_port = reuse_port or None
        limit = app.settings.max_connections or default_max_connections(raise_fd_limit())
        self.connections = ConnectionBudget(limit, app.hub.session_count)
        self._servers: list[asyncio.Server] = []
        self.port: int | None = None
        self.tls_port: int | None = None
        self.metrics_port: int | None = None

    def _factory(self, scheme: str) -> Callable[[], HttpProtocol]:
        def make() -> HttpProtocol:
            return HttpProtocol(
                self.app,
                scheme=scheme,
                new_request_id=self.app.ids.request_id,
                body_timeout_secs=self.app.settings.body_timeout_secs,
                header_timeout_secs=self.app.settings.header_timeout_secs,
                upgrade=self._upgrade,
                connections=self.connections,
            )

        return make

    async def open(self) -> None:
        """Bind the configured ports (0 picks a free one; the chosen ports are recorded)."""
        loop = asyncio.get_running_loop()
        settings = self.app.settings
        plain = await loop.create_server(
            self._factory("http"),
            settings.host,
            settings.port,
            backlog=settings.listen_backlog,
            reuse_port=self._reuse_port,
        )
        self._servers.append(plain)
        self.port = plain.sockets[0].getsockname()[1]
        if settings.tls_port is not None:
            if not settings.tls_cert or not settings.tls_key:
                raise ValueError("--tls-port needs --tls-cert and --tls-key")
            tls = await loop.create_server(
                self._factory("https"),
                settings.host,
                settings.tls_port,
                ssl=make_ssl_context(settings.tls_cert, settings.tls_key),
                backlog=settings.listen_backlog,
                reuse_port=self._reuse_port,
            )
            self._servers.append(tls)
            self.tls_port = tls.sockets[0].getsockname()[1]
        if settings.metrics_port is not None:
            await self._open_metrics(settings.metrics_host, settings.metrics_port)

    async def _open_metrics(self, host: str, port: int) -> None:
        """The metrics listener: ``GET /metrics`` only, no WebSocket, outside the budget."""
        from slackline.metrics import MetricsEndpoint  # noqa: PLC0415

        endpoint = MetricsEndpoint(self.app)

        def make() -> HttpProtocol:
            return HttpProtocol(
                endpoint,
                scheme="http",
                new_request_id=self.app.ids.request_id,
                body_timeout_secs=self.app.settings.body_timeout_secs,
                header_timeout_secs=self.app.settings.header_timeout_secs,
            )

        server = await asyncio.get_running_loop().create_server(
            make, host, port, reuse_port=self._reuse_port
        )
        self._servers.append(server)
        self.metrics_port = server.sockets[0].getsockname()[1]

    async def close(self) -> None:
        """Stop listening and close every connection."""
        for server in self._servers:
            server.close()
        for connection in self.connections:
            connection.shutdown()
        for server in self._servers:
            await server.wait_closed()
        self._servers.clear()


class Drain:
    """SIGTERM handling: the first starts the drain, a second ends the process at once."""

    def __init__(self, app: App, stop: asyncio.Event) -> None:
        self._app = app
        self._stop = stop
        self._timer: asyncio.TimerHandle | None = None

    def on_sigterm(self) -> None:
        """Start draining, or stop now if already draining."""
        if self._app.lifecycle.draining:
            logger.info("second SIGTERM: exiting now")
            self._stop.set()
            return
        logger.info("SIGTERM: draining for %.1fs", self._app.settings.drain_secs)
        self._app.start_drain()
        loop = asyncio.get_running_loop()
        self._timer = loop.call_later(self._app.settings.drain_secs, self._stop.set)


async def serve_until_stopped(
    app: App,
    on_ready: Callable[[Listeners], None] | None = None,
    upgrade: UpgradeHandler | None = None,
    *,
    reuse_port: bool = False,
) -> None:
    """Start the app and listeners, run until SIGINT or the end of a SIGTERM drain."""
    await app.start()
    listeners = Listeners(app, upgrade, reuse_port=reuse_port)
    await listeners.open()
    # What starting freed (the workspace's loading, the identity warm-up) goes back at once,
    # as what a connect storm frees does later (rtm/trim.py).
    trim_heap()
    stop = asyncio.Event()
    drain = Drain(app, stop)
    loop = asyncio.get_running_loop()
    loop.add_signal_handler(signal.SIGTERM, drain.on_sigterm)
    loop.add_signal_handler(signal.SIGINT, stop.set)
    try:
        if on_ready is not None:
            on_ready(listeners)
        await stop.wait()
    finally:
        loop.remove_signal_handler(signal.SIGTERM)
        loop.remove_signal_handler(signal.SIGINT)
        await listeners.close()
        app.hub.heap_trim.close()
        await app.close()
