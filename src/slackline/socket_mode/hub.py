"""This process's Socket Mode connections, by app, and the envelopes in flight.

Each envelope goes to exactly one of its app's connections (taken in turn). One that is not
acknowledged within the ack deadline is sent again, to the next connection, with
``retry_attempt`` one higher and ``retry_reason: timeout``, up to :data:`MAX_RETRIES` times;
then it is dropped and counted. Connections are pinged on one shared timer and asked to
reconnect (``refresh_requested``, after a ``warning``) when they reach their age.
"""

from __future__ import annotations

import asyncio
import itertools
import logging
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from slackline.domain import events_api as rules
from slackline.domain.apps import AppKind
from slackline.socket_mode.session import SocketModeSession
from slackline.websocket.protocol import CloseCode

logger = logging.getLogger("slackline.socket_mode")

MAX_CONNECTIONS_PER_APP = 10  # Slack's limit of an app's open Socket Mode connections
MAX_RETRIES = 3  # redeliveries of an unacknowledged envelope, as Slack retries events
WARNING_BEFORE_REFRESH_SECS = 10.0
HOST = "slackline"

AckCallback = Callable[[dict[str, Any] | None], None]


@dataclass(frozen=True, slots=True)
class ConnectedApp:
    """What a connection needs of its app: who it is, its bot and what it subscribes to."""

    app_id: str
    team_id: str
    kind: AppKind
    bot_user_id: str
    scopes: tuple[str, ...]
    subscriptions: tuple[str, ...]
    token_hash: str = ""  # the app-level token the connection opened with


@dataclass(slots=True)
class InFlight:
    """An envelope sent and not yet acknowledged."""

    envelope_id: str
    app_id: str
    kind: str
    payload: dict[str, Any]
    attempt: int = 0
    timer: asyncio.TimerHandle | None = None
    on_ack: AckCallback | None = None
    sent_to: SocketModeSession | None = field(default=None, repr=False)


@dataclass(slots=True)
class HubStats:
    """Counters the metrics and the inspector read."""

    opened: int = 0
    sent: int = 0
    acknowledged: int = 0
    retried: int = 0
    dropped: int = 0


class SocketModeHub:
    """Socket Mode connections and envelopes of one process."""

    def __init__(
        self,
        *,
        ack_secs: float,
        refresh_secs: float,
        ping_secs: float,
        max_retries: int = MAX_RETRIES,
    ) -> None:
        self.ack_secs = ack_secs
        self.refresh_secs = refresh_secs
        self.ping_secs = ping_secs
        self.max_retries = max_retries
        self.stats = HubStats()
        self._connections: dict[str, list[SocketModeSession]] = {}
        self._turns: dict[str, itertools.count[int]] = {}
        self._in_flight: dict[str, InFlight] = {}
        self._ids = itertools.count(1)
        self._ping_timer: asyncio.TimerHandle | None = None
        # Told when an envelope is sent, acknowledged, retried or dropped (the journal).
        self.on_envelope: Callable[[str, InFlight], None] = _ignore

    # connections

    def next_connection_id(self) -> int:
        """A process-unique connection number for logs."""
        return next(self._ids)

    def connection_count(self, app_id: str | None = None) -> int:
        """How many connections are open (of one app)."""
        if app_id is not None:
            return len(self._connections.get(app_id, ()))
        return sum(len(c) for c in self._connections.values())

    def full(self, app_id: str) -> bool:
        """Whether the app has Slack's maximum of open connections."""
        return self.connection_count(app_id) >= MAX_CONNECTIONS_PER_APP

    def apps(self, team_id: str) -> list[ConnectedApp]:
        """The connected apps of a team (one entry per app)."""
        found = []
        for sessions in self._connections.values():
            if sessions and sessions[0].app.team_id == team_id:
                found.append(sessions[0].app)
        return found

    def has_team(self, team_id: str) -> bool:
        """Whether any app of the team is connected."""
        return any(s and s[0].app.team_id == team_id for s in self._connections.values())

    def attach(self, session: SocketModeSession) -> None:
        """A new connection: ``hello``, its refresh scheduled, pings started; envelopes that
        were waiting for any connection of the app are sent to it."""
        sessions = self._connections.setdefault(session.app.app_id, [])
        sessions.append(session)
        self.stats.opened += 1
        secs = int(self.refresh_secs) if self.refresh_secs > 0 else 0
        session.send(rules.hello(session.app.app_id, len(sessions), HOST, secs))
        loop = asyncio.get_running_loop()
        if self.refresh_secs > 0:
            warn_at = max(0.0, self.refresh_secs - WARNING_BEFORE_REFRESH_SECS)
            session.refresh_timer = loop.call_later(warn_at, self._warn, session)
        if self._ping_timer is None and self.ping_secs > 0:
            self._ping_timer = loop.call_later(self.ping_secs, self._ping_all)
        for flight in list(self._in_flight.values()):
            if flight.app_id == session.app.app_id and flight.sent_to is None:
                self._send(flight, "timeout" if flight.attempt else "")

    def detach(self, session: SocketModeSession) -> None:
        """Forget a closed connection (idempotent); what it had not acknowledged is sent to
        another connection of the app at once."""
        sessions = self._connections.get(session.app.app_id)
        if sessions is None or session not in sessions:
            return
        sessions.remove(session)
        if not sessions:
            del self._connections[session.app.app_id]
        if session.refresh_timer is not None:
            session.refresh_timer.cancel()
        for flight in list(self._in_flight.values()):
            if flight.sent_to is session:
                flight.sent_to = None
                if flight.timer is not None:
                    flight.timer.cancel()
                self._retry(flight, "timeout")

    def _warn(self, session: SocketModeSession) -> None:
        session.send(rules.disconnect("warning", HOST))
        delay = min(WARNING_BEFORE_REFRESH_SECS, self.refresh_secs)
        session.refresh_timer = asyncio.get_running_loop().call_later(
            delay, self.disconnect, session, "refresh_requested"
        )

    def disconnect(self, session: SocketModeSession, reason: str) -> None:
        """Ask a connection to reconnect (a ``disconnect`` frame), then close it."""
        session.send(rules.disconnect(reason, HOST))
        session.close(CloseCode.NORMAL, reason)

    def disconnect_app(self, app_id: str, reason: str = "refresh_requested") -> int:
        """``disconnect`` every connection of an app; how many there were."""
        sessions = list(self._connections.get(app_id, ()))
        for session in sessions:
            self.disconnect(session, reason)
        return len(sessions)

    def end_for(self, team_id: str, user_id: str | None, token_hash: str | None) -> int:
        """``link_disabled`` and close the team's connections opened by this user's (the
        app's bot user's) tokens or this token: a revoked token, a deactivated bot, a
        deleted team; how many."""
        ended = 0
        for sessions in list(self._connections.values()):
            for session in list(sessions):
                app = session.app
                if app.team_id != team_id and team_id:
                    continue
                if user_id is not None and app.bot_user_id != user_id:
                    continue
                if token_hash is not None and app.token_hash != token_hash:
                    continue
                self.disconnect(session, "link_disabled")
                ended += 1
        return ended

    def drop_app(self, app_id: str) -> int:
        """Drop every connection of an app without a word, as a network failure would."""
        sessions = list(self._connections.get(app_id, ()))
        for session in sessions:
            session.transport.abort()
        return len(sessions)

    def close_all(self) -> None:
        """``disconnect`` every connection (shutdown) and forget what is in flight."""
        for sessions in list(self._connections.values()):
            for session in list(sessions):
                self.disconnect(session, "refresh_requested")
        for flight in self._in_flight.values():
            if flight.timer is not None:
                flight.timer.cancel()
        self._in_flight.clear()
        if self._ping_timer is not None:
            self._ping_timer.cancel()
            self._ping_timer = None

    def _ping_all(self) -> None:
        self._ping_timer = None
        for sessions in self._connections.values():
            for session in sessions:
                session.ping()
        if self._connections:
            loop = asyncio.get_running_loop()
            self._ping_timer = loop.call_later(self.ping_secs, self._ping_all)

    # envelopes

    def send(
        self, app_id: str, kind: str, payload: dict[str, Any], on_ack: AckCallback | None = None
    ) -> bool:
        """Send an envelope to one of the app's connections; False when it has none here
        (the caller decides what then)."""
        if not self._connections.get(app_id):
            return False
        flight = InFlight(str(uuid.uuid4()), app_id, kind, payload, on_ack=on_ack)
        self._in_flight[flight.envelope_id] = flight
        self._send(flight)
        return True

    def _send(self, flight: InFlight, reason: str = "") -> None:
        sessions = self._connections.get(flight.app_id)
        if not sessions:
            flight.sent_to = None  # waits for the app's next connection (or its deadline)
            self._arm(flight)
            return
        turn = next(self._turns.setdefault(flight.app_id, itertools.count()))
        session = sessions[turn % len(sessions)]
        flight.sent_to = session
        frame = rules.envelope(flight.envelope_id, flight.kind, flight.payload,
                               retry_attempt=flight.attempt, retry_reason=reason)  # fmt: skip
        session.send(frame)
        self.stats.sent += 1
        self.on_envelope("sent", flight)
        self._arm(flight)

    def _arm(self, flight: InFlight) -> None:
        if flight.timer is not None:
            flight.timer.cancel()
        loop = asyncio.get_running_loop()
        flight.timer = loop.call_later(self.ack_secs, self._timed_out, flight)

    def _timed_out(self, flight: InFlight) -> None:
        flight.timer = None
        if flight.envelope_id in self._in_flight:
            self._retry(flight, "timeout")

    def _retry(self, flight: InFlight, reason: str) -> None:
        if flight.attempt >= self.max_retries:
            self._in_flight.pop(flight.envelope_id, None)
            self.stats.dropped += 1
            self.on_envelope("dropped", flight)
            logger.warning("envelope %s of app %s dropped after %d retries",
                           flight.envelope_id, flight.app_id, flight.attempt)  # fmt: skip
            if flight.on_ack is not None:
                flight.on_ack(None)
            return
        flight.attempt += 1
        self.stats.retried += 1
        self._send(flight, reason)

    def acknowledge(
        self, session: SocketModeSession, envelope_id: str, payload: dict[str, Any] | None
    ) -> None:
        """An app acknowledged an envelope (from any of its connections)."""
        flight = self._in_flight.get(envelope_id)
        if flight is None or flight.app_id != session.app.app_id:
            return  # unknown, already acknowledged, or another app's
        del self._in_flight[envelope_id]
        if flight.timer is not None:
            flight.timer.cancel()
        self.stats.acknowledged += 1
        self.on_envelope("acknowledged", flight)
        if flight.on_ack is not None:
            flight.on_ack(payload if flight.kind != "events_api" else None)

    def settled(self) -> bool:
        """Whether no envelope waits for an acknowledgement."""
        return not self._in_flight


def _ignore(what: str, flight: InFlight) -> None:
    """The default envelope hook."""
