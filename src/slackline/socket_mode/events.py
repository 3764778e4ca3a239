"""Workspace events to apps: the broker's events, as each connected app subscribes to them.

A subscriber of the broker beside the RTM hub, so RTM sessions get their frames unchanged
and first. An event reaches an app when its bot is in the event's audience (a member of the
conversation, or the whole team), the event falls under one of the app's subscriptions, and
the app's scopes allow it (checked when the app is declared). Events are handled in order,
one at a time, by one task: a message's conversation type may need a storage read. Every
process sees every event, so each delivery is claimed first (``SharedState.app_claims``):
in a cluster only the first process to claim an event hands it to the app.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from slackline.broker import BrokerMessage, DeliveryGap, Event, SessionControl
from slackline.clock import Clock, IdFactory
from slackline.domain import events_api as rules
from slackline.socket_mode.http_delivery import EventsHttpSender, HttpTarget
from slackline.socket_mode.hub import ConnectedApp, SocketModeHub
from slackline.storage.base import StoreReader

HttpTargets = Callable[[str], Awaitable[list[tuple[ConnectedApp, HttpTarget]]]]
Claim = Callable[[str, Event], Awaitable[bool]]

logger = logging.getLogger("slackline.socket_mode")

MAX_QUEUED_EVENTS = 10_000
MAX_KNOWN_CHANNELS = 10_000
# How long a team's list of request-URL apps is kept: changes on this process clear it at
# once (AppService.on_change); another process's changes are seen within this long.
HTTP_TARGETS_TTL_SECS = 5.0


class AppEventRouter:
    """Turns broker events into ``events_api`` envelopes for connected apps."""

    def __init__(
        self,
        hub: SocketModeHub,
        *,
        reads: StoreReader,
        clock: Clock,
        ids: IdFactory,
        http: EventsHttpSender,
        http_targets: HttpTargets,
        claim: Claim,
    ) -> None:
        self._hub = hub
        self._claim = claim
        self.claimed_elsewhere = 0  # events another process handed to the app
        self._http = http
        self._http_targets = http_targets
        self._targets: dict[str, tuple[float, list[tuple[ConnectedApp, HttpTarget]]]] = {}
        self._reads = reads
        self._clock = clock
        self._ids = ids
        self._queue: asyncio.Queue[Event] = asyncio.Queue(MAX_QUEUED_EVENTS)
        self._task: asyncio.Task[None] | None = None
        self._channel_types: dict[str, str | None] = {}
        self.busy = False

    def deliver(self, message: BrokerMessage | DeliveryGap) -> None:
        """The broker subscriber: keep the events an app may receive, of teams that have
        an app connected or may have one with a request URL (every RTM event passes here,
        so what no app can get is dropped before any queue or task)."""
        if isinstance(message, SessionControl):
            # A revoked app token, a deactivated bot or team: their connections end too.
            self._hub.end_for(message.team_id, message.user_id, message.token_hash)
            return
        if not isinstance(message, Event) or message.presence_of is not None:
            return
        if not rules.may_reach_apps(message.payload) or self._no_apps(message.team_id):
            return
        try:
            self._queue.put_nowait(message)
        except asyncio.QueueFull:
            logger.warning("app event queue full: an event of %s not sent to apps", message.team_id)
            return
        if self._task is None:
            self._task = asyncio.get_running_loop().create_task(self._run())

    def _no_apps(self, team_id: str) -> bool:
        """Whether the team is known, for now, to have no app that could get its events."""
        if self._hub.has_team(team_id):
            return False
        cached = self._targets.get(team_id)
        return cached is not None and not cached[1] and cached[0] > self._clock.monotonic()

    def apps_changed(self) -> None:
        """Apps or installations changed: read the request-URL apps again."""
        self._targets.clear()

    def settled(self) -> bool:
        """Whether no event waits to be routed."""
        return self._queue.empty() and not self.busy

    async def close(self) -> None:
        """Stop routing."""
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)
            self._task = None

    async def _run(self) -> None:
        while True:
            event = await self._queue.get()
            self.busy = True
            try:
                await self._route(event)
            except Exception:
                logger.exception("routing an event to apps failed")
            finally:
                self.busy = self._queue.qsize() > 0

    async def _route(self, event: Event) -> None:
        sockets = [a for a in self._hub.apps(event.team_id) if a.subscriptions and a.bot_user_id]
        connected = {a.app_id for a in sockets}
        https = [t for t in await self._team_targets(event.team_id) if t[0].app_id not in connected]
        if not sockets and not https:
            return
        channel_type = await self._channel_type(event.payload)
        for app in sockets:
            for body in await self._claimed_bodies(app, event, channel_type):
                self._hub.send(app.app_id, "events_api", body)
        for app, target in https:
            for body in await self._claimed_bodies(app, event, channel_type):
                self._http.send(target, body)

    async def _claimed_bodies(
        self, app: ConnectedApp, event: Event, channel_type: str | None
    ) -> list[dict[str, Any]]:
        """What the app gets of the event, if this process is the one to hand it over."""
        if not event.reaches(app.bot_user_id):
            return []
        bodies = self._bodies(app, event, channel_type)
        if bodies and not await self._claim(app.app_id, event):
            self.claimed_elsewhere += 1
            return []
        return bodies

    async def _team_targets(self, team_id: str) -> list[tuple[ConnectedApp, HttpTarget]]:
        now = self._clock.monotonic()
        cached = self._targets.get(team_id)
        if cached is not None and cached[0] > now:
            return cached[1]
        targets = await self._http_targets(team_id)
        self._targets[team_id] = (now + HTTP_TARGETS_TTL_SECS, targets)
        return targets

    def _bodies(
        self, app: ConnectedApp, event: Event, channel_type: str | None
    ) -> list[dict[str, Any]]:
        bodies = []
        for found in rules.app_events(event.payload, channel_type, app.bot_user_id):
            if found.subscription in app.subscriptions:
                bodies.append(rules.event_callback(
                    app_id=app.app_id, team_id=event.team_id, bot_user_id=app.bot_user_id,
                    event=found.event, event_id=self._ids.object_id("Ev"),
                    event_time=int(self._clock.now()),
                ))  # fmt: skip
        return bodies

    async def _channel_type(self, payload: dict[str, Any]) -> str | None:
        """``channel``, ``group``, ``im`` or ``mpim`` of a message's conversation."""
        if payload.get("type") != "message":
            return None
        channel = payload.get("channel")
        if not isinstance(channel, str):
            return None
        if channel in self._channel_types:
            return self._channel_types[channel]
        conversation = await self._reads.get_conversation(channel)
        kind: str | None = None
        if conversation is not None:
            if conversation.is_im:
                kind = "im"
            elif conversation.is_mpim:
                kind = "mpim"
            else:
                kind = "group" if conversation.is_private else "channel"
        if len(self._channel_types) >= MAX_KNOWN_CHANNELS:
            self._channel_types.clear()
        self._channel_types[channel] = kind
        return kind
