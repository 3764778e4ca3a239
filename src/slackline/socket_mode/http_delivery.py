"""The Events API over HTTP: each event POSTed to its app's request URL, signed as Slack
signs (docs/events-api.md).

Outbound requests go only to request URLs an operator configured (the workspace file, the
admin API). A delivery succeeds on any 2xx answer within the 3-second deadline; otherwise it
is retried after each of ``retry_secs`` (Slack's: at once, after a minute, after five) with
``X-Slack-Retry-Num`` and ``X-Slack-Retry-Reason``, then dropped and counted. Requests run
in worker threads (the standard library's client): deliveries are few next to the fan-out,
and a slow app never holds the event loop.
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
    reasons: dict[str, int] = field(default_factory=dict)


class DeliveryError(Exception):
    """One attempt failed; ``reason`` is the ``X-Slack-Retry-Reason`` of the next one."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


Post = Callable[[str, bytes, dict[str, str], float], tuple[int, bytes]]


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
        self, clock: Clock, retry_secs: tuple[float, ...], post: Post = post_with_urllib
    ) -> None:
        self._clock = clock
        self._retry_secs = retry_secs
        self._post = post
        self._tasks: set[asyncio.Task[None]] = set()
        self.stats = DeliveryStats()

    def send(self, target: HttpTarget, body: dict[str, Any]) -> None:
        """Deliver one ``event_callback`` (in the background, retried on failure)."""
        data = json.dumps(body, separators=(",", ":"), ensure_ascii=False).encode()
        task = asyncio.get_running_loop().create_task(self._deliver(target, data))
        self._tasks.add(task)
        self.stats.in_flight += 1
        task.add_done_callback(self._done)

    def _done(self, task: asyncio.Task[None]) -> None:
        self._tasks.discard(task)
        self.stats.in_flight -= 1
        if not task.cancelled() and task.exception() is not None:
            logger.error("an Events API delivery failed", exc_info=task.exception())

    async def _deliver(self, target: HttpTarget, data: bytes) -> None:
        reason = ""
        for attempt in range(len(self._retry_secs) + 1):
            if attempt:
                self.stats.retried += 1
                await asyncio.sleep(self._retry_secs[attempt - 1])
            try:
                status, _ = await self._attempt(target, data, attempt, reason)
            except DeliveryError as failed:
                reason = failed.reason
            else:
                if 200 <= status < 300:
                    self.stats.delivered += 1
                    return
                reason = "http_error"
            self.stats.reasons[reason] = self.stats.reasons.get(reason, 0) + 1
        self.stats.dropped += 1
        logger.warning("an event for app %s was dropped after %d retries (%s)",
                       target.app_id, len(self._retry_secs), reason)  # fmt: skip

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
        data = json.dumps(body, separators=(",", ":")).encode()
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
