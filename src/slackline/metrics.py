"""Prometheus metrics (``--metrics-port``), read from the components' own counters.

Hot paths only add to plain integers (a dispatcher's count per method and code, the hub's
frames and deliveries); :class:`SlacklineCollector` turns them into metric families when
Prometheus scrapes, with ``prometheus_client``'s exposition. Label sets are bounded: methods
are Slackline's method names (an unknown one is ``unknown``), codes are Slack's error codes.
The endpoint is served on its own listener, on the server's loop, bound to 127.0.0.1 unless
``--metrics-host`` says otherwise. docs/operations.md says what to watch.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import TYPE_CHECKING

from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, generate_latest
from prometheus_client.core import (
    CounterMetricFamily,
    GaugeMetricFamily,
    HistogramMetricFamily,
    Metric,
)
from prometheus_client.registry import Collector

from slackline.http.request import Request, Response
from slackline.http.response import plain_response

if TYPE_CHECKING:
    from slackline.app import App


class SlacklineCollector(Collector):
    """Every Slackline metric, read from the application's components at scrape time."""

    def __init__(self, app: App) -> None:
        self._app = app

    def collect(self) -> Iterator[Metric]:
        """The metric families (called by ``prometheus_client`` on each scrape)."""
        yield from self._sessions()
        yield from self._api()
        yield from self._tickets()
        yield from self._apps()
        yield from self._dependencies()

    def _sessions(self) -> Iterable[Metric]:
        hub = self._app.hub
        yield GaugeMetricFamily("slackline_sessions_open", "RTM sessions open", hub.session_count())
        yield _counter("slackline_frames_in", "text frames received from RTM clients",
                       hub.frames_in)  # fmt: skip
        yield _counter("slackline_frames_out", "frames queued for RTM clients", hub.frames_out)
        yield _counter("slackline_events_delivered", "events queued on sessions (one per "
                       "session reached)", hub.events_delivered)  # fmt: skip
        yield _counter("slackline_overflow_closes", "sessions closed (1013) for not reading",
                       hub.overflow_closes)  # fmt: skip
        lag = hub.fan_out_lag
        yield HistogramMetricFamily(
            "slackline_fan_out_lag_seconds",
            "from an event reaching this process's hub to its first socket write",
            buckets=lag.cumulative(),
            sum_value=lag.sum_secs,
        )
        yield _counter("slackline_rtm_write_refusals", "RTM frames over the write bucket",
                       self._app.client_frames.write_refusals)  # fmt: skip

    def _api(self) -> Iterable[Metric]:
        calls = CounterMetricFamily(
            "slackline_api_calls", "Web API calls answered", labels=("method", "code")
        )
        refusals = 0
        for (method, code), count in sorted(dict(self._app.api_stats.calls).items()):
            calls.add_metric((method, code), count)
            if code == "ratelimited":
                refusals += count
        yield calls
        yield _counter("slackline_api_rate_limit_refusals", "calls answered ratelimited",
                       refusals)  # fmt: skip

    def _tickets(self) -> Iterable[Metric]:
        stats = self._app.services.tickets.stats
        yield _counter("slackline_tickets_issued", "socket tickets issued", stats.issued)
        yield _counter("slackline_tickets_redeemed", "tickets that opened a session",
                       stats.redeemed)  # fmt: skip
        yield _counter("slackline_tickets_refused", "socket URLs that were unknown, used, "
                       "expired or no longer admitted", stats.refused)  # fmt: skip

    def _apps(self) -> Iterable[Metric]:
        sockets, http = self._app.socket_mode, self._app.events_http.stats
        open_now = sockets.connection_count()
        yield GaugeMetricFamily(
            "slackline_socket_mode_connections_open", "Socket Mode connections open", open_now
        )
        for name, value in (
            ("sent", sockets.stats.sent), ("acknowledged", sockets.stats.acknowledged),
            ("retried", sockets.stats.retried), ("dropped", sockets.stats.dropped),
        ):  # fmt: skip
            yield _counter(f"slackline_socket_mode_envelopes_{name}",
                           f"Socket Mode envelopes {name}", value)  # fmt: skip
        yield _counter("slackline_app_events_claimed_elsewhere",
                       "app events another process delivered",
                       self._app.app_events.claimed_elsewhere)  # fmt: skip
        for name, value in (
            ("delivered", http.delivered), ("retried", http.retried), ("dropped", http.dropped),
            ("suppressed", http.suppressed),
        ):  # fmt: skip
            yield _counter(f"slackline_events_api_requests_{name}",
                           f"Events API requests {name}", value)  # fmt: skip
        yield _counter("slackline_events_api_subscriptions_disabled",
                       "times an app's event subscriptions were disabled for its failures",
                       http.disabled)  # fmt: skip

    def _dependencies(self) -> Iterable[Metric]:
        health = self._app.health
        up = GaugeMetricFamily("slackline_dependency_up", "1 while it answers", labels=("name",))
        latency = GaugeMetricFamily(
            "slackline_dependency_latency_seconds", "the last probe's time", labels=("name",)
        )
        for dependency in (health.database, health.broker):
            up.add_metric((dependency.name,), 1.0 if dependency.up else 0.0)
            latency.add_metric((dependency.name,), dependency.latency_secs)
        yield up
        yield latency


def _counter(name: str, documentation: str, value: float) -> CounterMetricFamily:
    return CounterMetricFamily(name, documentation, value=value)


def metrics_text(app: App) -> bytes:
    """The exposition of every metric, as Prometheus scrapes it."""
    registry = CollectorRegistry(auto_describe=False)
    registry.register(SlacklineCollector(app))
    return generate_latest(registry)


class MetricsEndpoint:
    """``GET /metrics`` on the metrics listener; anything else is 404."""

    def __init__(self, app: App) -> None:
        self._app = app

    async def handle(self, request: Request) -> Response:
        """The exposition, or 404."""
        if request.path != "/metrics" or request.method not in ("GET", "HEAD"):
            return plain_response(404, {"ok": False, "error": "not_found"}, request.request_id)
        return Response(200, metrics_text(self._app), content_type=CONTENT_TYPE_LATEST)
