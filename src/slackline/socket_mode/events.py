"""Workspace events to apps: the broker's events, as each connected app subscribes to them.

A subscriber of the broker beside the RTM hub, so RTM sessions get their frames unchanged
and first. An event reaches an app when its bot is in the event's audience (a member of the
conversation, or the whole team), the event falls under one of the app's subscriptions, and
the app's scopes allow it (checked when the app is declared). Events are handled in order,
one at a time, by one task: a message's conversation type may need a storage read.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from slackline.broker import BrokerMessage, DeliveryGap, Event
from slackline.clock import Clock, IdFactory
from slackline.domain import events_api as rules
from slackline.socket_mode.hub import ConnectedApp, SocketModeHub
from slackline.storage.base import StoreReader

logger = logging.getLogger("slackline.socket_mode")

MAX_QUEUED_EVENTS = 10_000
MAX_KNOWN_CHANNELS = 10_000


class AppEventRouter:
    """Turns broker events into ``events_api`` envelopes for connected apps."""

    def __init__(
        self, hub: SocketModeHub, reads: StoreReader, clock: Clock, ids: IdFactory
    ) -> None:
        self._hub = hub
        self._reads = reads
        self._clock = clock
        self._ids = ids
        self._queue: asyncio.Queue[Event] = asyncio.Queue(MAX_QUEUED_EVENTS)
        self._task: asyncio.Task[None] | None = None
        self._channel_types: dict[str, str | None] = {}
        self.busy = False

    def deliver(self, message: BrokerMessage | DeliveryGap) -> None:
        """The broker subscriber: keep the events of teams with a connected app."""
        if not isinstance(message, Event) or message.presence_of is not None:
            return
        if not self._hub.has_team(message.team_id):
            return
        try:
            self._queue.put_nowait(message)
        except asyncio.QueueFull:
            logger.warning("app event queue full: an event of %s not sent to apps", message.team_id)
            return
        if self._task is None:
            self._task = asyncio.get_running_loop().create_task(self._run())

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
        apps = [a for a in self._hub.apps(event.team_id) if a.subscriptions and a.bot_user_id]
        if not apps:
            return
        channel_type = await self._channel_type(event.payload)
        for app in apps:
            if event.reaches(app.bot_user_id):
                self._send(app, event, channel_type)

    def _send(self, app: ConnectedApp, event: Event, channel_type: str | None) -> None:
        for found in rules.app_events(event.payload, channel_type, app.bot_user_id):
            if found.subscription not in app.subscriptions:
                continue
            body = rules.event_callback(
                app_id=app.app_id, team_id=event.team_id, bot_user_id=app.bot_user_id,
                event=found.event, event_id=self._ids.object_id("Ev"),
                event_time=int(self._clock.now()),
            )  # fmt: skip
            self._hub.send(app.app_id, "events_api", body)

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
