"""The Events API over HTTP: each event POSTed to its app's request URL, signed as Slack
signs (docs/events-api.md).

Outbound requests go only to request URLs an operator configured (the workspace file, the
admin API). A delivery succeeds on any 2xx answer within the 3-second deadline; otherwise it
is retried after each of ``retry_secs`` (Slack's: at once, after a minute, after five) with
``X-Slack-Retry-Num`` and ``X-Slack-Retry-Reason``, then dropped and counted. Requests run
in worker threads (the standard library's client): deliveries are few next to the fan-out,
and a slow app never holds the event loop.

The failure state, as Slack's: each event counts once per app, delivered or failed (after its
retries), in a sliding window (:class:`~slackline.domain.events_api.DeliveryWindow`, 60
minutes on the clock's monotonic time). When more than 95% of at least 20 failed, the app's
event subscriptions are disabled on this process: its events are no longer sent (counted as
``suppressed``) nor retried, a warning is logged and ``stats.disabled`` counts it, until
:meth:`EventsHttpSender.enable` (declaring the app again). Slash commands and clicks still
reach its request URL, as Slack's do.
"""

from __future__ import annotations

import asyncio
import json
import logging
import socket
import ssl
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from slackline.clock import Clock
from slackline.domain import events_api as rules
from slackline.jsonbytes import dumps

logger = logging.getLogger("slackline.events_api")

DEADLINE_SECS = 3.0  # Slack's: an app answers within three seconds
USER_AGENT = "Slackbot 1.0 (+https://api.slack.com/robots)"


@dataclass(frozen=True, slots=True)
class HttpTarget:
    """An app that receives events at its request URL."""

    app_id: str
    request_url: str
    signing_secret: str


@dataclass(slots=True)
class DeliveryStats:
    """Counters the metrics and tests read."""

    delivered: int = 0
    retried: int = 0
    dropped: int = 0
    in_flight: int = 0
    disabled: int = 0  # times an app's event subscriptions were disabled for its failures
    suppressed: int = 0  # events not sent, or not retried, because their app's are disabled
    reasons: dict[str, int] = field(default_factory=dict)


class DeliveryError(Exception):
    """One attempt failed; ``reason`` is the ``X-Slack-Retry-Reason`` of the next one."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


Post = Callable[[str, bytes, dict[str, str], float], tuple[int, bytes]]


@dataclass(frozen=True, slots=True)
class HttpStep:
    """One step of a delivery: ``delivered``, ``failed`` (retried next), ``dropped`` or
    ``suppressed`` (its app's subscriptions are disabled), with the try's number, the
    answer's status (None without one) and why it failed."""

    outcome: str
    attempt: int
    status: int | None = None
    detail: str = ""


# Told each step of a delivery: the app, the body sent, the step.
DeliveryHook = Callable[[str, dict[str, Any], HttpStep], None]


def _ignore(*step: object) -> None:
    """The default delivery hook."""


def post_with_urllib(
    url: str, body: bytes, headers: dict[str, str], timeout: float
) -> tuple[int, bytes]:
    """POST ``body``; the status and body of the answer (raises :class:`DeliveryError`)."""
    request = urllib.request.Request(url, data=body, headers=headers, method="POST")  # noqa: S310 - operator-configured URL
    try:
        with urllib.request.urlopen(request, timeout=timeout) as answer:  # noqa: S310
            return int(answer.status), answer.read(1 << 16)
    except urllib.error.HTTPError as exc:
        return int(exc.code), b""
    except TimeoutError:
        raise DeliveryError("http_timeout") from None
    except urllib.error.URLError as exc:
        if isinstance(exc.reason, TimeoutError | socket.timeout):
            raise DeliveryError("http_timeout") from None
        if isinstance(exc.reason, ssl.SSLError):
            raise DeliveryError("ssl_error") from None
        raise DeliveryError("connection_failed") from None
    except OSError:
        raise DeliveryError("connection_failed") from None


class EventsHttpSender:
    """Signs, sends and retries the Events API's requests of one process."""

    def __init__(
        self,
        clock: Clock,
        retry_secs: tuple[float, ...],
        post: Post = post_with_urllib,
        *,
        failure_window_secs: float = rules.FAILURE_WINDOW_SECS,
        failure_min_deliveries: int = rules.MIN_DELIVERIES_TO_DISABLE,
    ) -> None:
        self._clock = clock
        self._retry_secs = retry_secs
        self._post = post
        self._tasks: set[asyncio.Task[None]] = set()
        self.stats = DeliveryStats()
        self._failure_window_secs = failure_window_secs
        self._failure_min_deliveries = failure_min_deliveries
        self._windows: dict[str, rules.DeliveryWindow] = {}
        self._disabled: dict[str, float] = {}  # app id: when (epoch seconds) it was disabled
        self.on_delivery: DeliveryHook = _ignore  # the journal's, installed at composition

    def send(self, target: HttpTarget, body: dict[str, Any]) -> None:
        """Deliver one ``event_callback`` (in the background, retried on failure); nothing
        is sent to an app whose event subscriptions are disabled."""
        if target.app_id in self._disabled:
            self.stats.suppressed += 1
            self.on_delivery(target.app_id, body, HttpStep("suppressed", 0))
            return
        data = dumps(body)
        task = asyncio.get_running_loop().create_task(self._deliver(target, body, data))
        self._tasks.add(task)
        self.stats.in_flight += 1
        task.add_done_callback(self._done)

    def _done(self, task: asyncio.Task[None]) -> None:
        self._tasks.discard(task)
        self.stats.in_flight -= 1
        if not task.cancelled() and task.exception() is not None:
            logger.error("an Events API delivery failed", exc_info=task.exception())

    async def _deliver(self, target: HttpTarget, body: dict[str, Any], data: bytes) -> None:
        reason = ""
        step = self.on_delivery
        for attempt in range(len(self._retry_secs) + 1):
            if attempt:
                await asyncio.sleep(self._retry_secs[attempt - 1])
                if target.app_id in self._disabled:
                    self.stats.suppressed += 1  # disabled meanwhile: Slack stops sending too
                    step(target.app_id, body, HttpStep("suppressed", attempt))
                    return
                self.stats.retried += 1
            status: int | None = None
            try:
                status, _ = await self._attempt(target, data, attempt, reason)
            except DeliveryError as failed:
                reason = failed.reason
            else:
                if 200 <= status < 300:
                    self.stats.delivered += 1
                    step(target.app_id, body, HttpStep("delivered", attempt, status))
                    self._outcome(target.app_id, delivered=True)
                    return
                reason = "http_error"
            self.stats.reasons[reason] = self.stats.reasons.get(reason, 0) + 1
            step(target.app_id, body, HttpStep("failed", attempt, status, reason))
        step(target.app_id, body, HttpStep("dropped", len(self._retry_secs), None, reason))
        self.stats.dropped += 1
        logger.warning("an event for app %s was dropped after %d retries (%s)",
                       target.app_id, len(self._retry_secs), reason)  # fmt: skip
        self._outcome(target.app_id, delivered=False)

    def _outcome(self, app_id: str, *, delivered: bool) -> None:
        """Count one event's delivery; disable the app's subscriptions when it fails too often."""
        window = self._windows.get(app_id)
        if window is None:
            window = rules.DeliveryWindow(self._failure_window_secs, self._failure_min_deliveries)
            self._windows[app_id] = window
        now = self._clock.monotonic()
        window.record(now, delivered=delivered)
        if delivered or app_id in self._disabled or not window.failing(now):
            return
        self._disabled[app_id] = self._clock.now()
        self.stats.disabled += 1
        succeeded, failed = window.counts(now)
        # The app's id and counts only: a request URL may carry a credential in its query.
        logger.warning(
            "event subscriptions of app %s disabled: %d of %d deliveries failed in the last "
            "%d minutes (declare the app again to re-enable them)", app_id, failed,
            succeeded + failed, round(self._failure_window_secs / 60),
        )  # fmt: skip

    def subscriptions_disabled(self, app_id: str) -> bool:
        """Whether the app's event subscriptions are disabled for its failures."""
        return app_id in self._disabled

    def disabled_apps(self) -> dict[str, float]:
        """The apps whose event subscriptions are disabled, and when (epoch seconds)."""
        return dict(self._disabled)

    def delivery_counts(self, app_id: str) -> tuple[int, int]:
        """The app's delivered and failed events in the failure window now."""
        window = self._windows.get(app_id)
        return window.counts(self._clock.monotonic()) if window is not None else (0, 0)

    def enable(self, app_id: str) -> bool:
        """Re-enable the app's event subscriptions and forget its past deliveries (a fresh
        window, so old failures cannot disable it again at once); whether they were disabled."""
        self._windows.pop(app_id, None)
        if self._disabled.pop(app_id, None) is None:
            return False
        logger.info("event subscriptions of app %s enabled again", app_id)
        return True

    async def _attempt(
        self, target: HttpTarget, data: bytes, attempt: int, reason: str
    ) -> tuple[int, bytes]:
        timestamp = int(self._clock.now())
        headers = {
            "Content-Type": "application/json",
            "User-Agent": USER_AGENT,
            "X-Slack-Request-Timestamp": str(timestamp),
            "X-Slack-Signature": rules.signature(target.signing_secret, timestamp, data),
        }
        if attempt:
            headers["X-Slack-Retry-Num"] = str(attempt)
            headers["X-Slack-Retry-Reason"] = reason
        return await asyncio.to_thread(self._post, target.request_url, data, headers, DEADLINE_SECS)

    async def post_signed(
        self, url: str, signing_secret: str, body: bytes, content_type: str
    ) -> tuple[int, bytes]:
        """One signed POST (a slash command): the answer's status and body; raises
        :class:`DeliveryError` when there is no answer within the deadline."""
        timestamp = int(self._clock.now())
        headers = {
            "Content-Type": content_type,
            "User-Agent": USER_AGENT,
            "X-Slack-Request-Timestamp": str(timestamp),
            "X-Slack-Signature": rules.signature(signing_secret, timestamp, body),
        }
        return await asyncio.to_thread(self._post, url, body, headers, DEADLINE_SECS)

    async def verify(self, target: HttpTarget, challenge: str) -> bool:
        """Send ``url_verification``: whether the app answered with the challenge (as the
        body, or as JSON ``{"challenge": ...}``), as Slack checks a new request URL."""
        body = rules.url_verification(target.app_id, challenge)
        data = dumps(body)
        try:
            status, answer = await self._attempt(target, data, 0, "")
        except DeliveryError:
            return False
        if not 200 <= status < 300:
            return False
        if answer.strip() == challenge.encode():
            return True
        try:
            document = json.loads(answer)
        except ValueError:
            return False
        return isinstance(document, dict) and document.get("challenge") == challenge

    def settled(self) -> bool:
        """Whether no delivery is in flight (retries waiting included)."""
        return not self._tasks

    async def close(self) -> None:
        """Abandon what is in flight (shutdown)."""
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
