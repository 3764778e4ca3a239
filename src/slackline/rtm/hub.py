"""The fan-out hub: which sessions exist, who may see what, and one write per iteration.

Each event is encoded once (JSON and frame header) and the same bytes are queued on every
recipient; queued sessions are flushed together in one callback per loop iteration. The hub
is the broker's subscriber in this process, so it sees events from every process.

A journal of frames (the test toolkit's) is installed at composition as a subclass that
records what this one queues (:class:`slackline.testing.journal.JournaledHub`), so a server
without one checks nothing for it. Session ages are measured on the injected clock, so a
manual clock ages sessions when moved (:meth:`SessionHub.clock_moved`).
"""

from __future__ import annotations

import asyncio
import heapq
import logging
import math
import random
import time
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any

from slackline.broker import BrokerMessage, ControlAction, DeliveryGap, Event, SessionControl
from slackline.broker.base import addressed
from slackline.clock import Clock
from slackline.histogram import LagHistogram
from slackline.rtm.replies import HELLO_FRAME, encode_event
from slackline.rtm.session import NO_SUBSCRIPTIONS
from slackline.rtm.trim import HeapTrim
from slackline.shared.base import CatchUp

if TYPE_CHECKING:
    from slackline.rtm.client import FrameHandling
    from slackline.rtm.session import RtmSession

RecipientKey = tuple[str, frozenset[str] | None, str | None]
MAX_RECIPIENT_LISTS = 256
logger = logging.getLogger("slackline.rtm")

DEFAULT_MAX_OUTBOUND_BYTES = 1 << 20
DEFAULT_MAX_SESSION_AGE_SECS = 8 * 3600.0
SESSION_AGE_JITTER = 0.10
PRESENCE_BATCH_SECS = 0.1
MAX_CORK_SECS = 0.002
AGE_HEAP_SLACK = 1024
AGE_BUCKETS = 512  # buckets over the jitter's span: 8 h sessions end at most 11 s late


class SessionHub:
    """This process's RTM sessions, indexed by team and user."""

    def __init__(
        self,
        clock: Clock,
        *,
        max_outbound_bytes: int = DEFAULT_MAX_OUTBOUND_BYTES,
        max_session_age_secs: float = DEFAULT_MAX_SESSION_AGE_SECS,
    ) -> None:
        self._clock = clock
        self.max_outbound_bytes = max_outbound_bytes
        self.max_session_age_secs = max_session_age_secs
        # A user's sessions are a tuple (48 bytes for the usual one, a set is 216), rebuilt
        # on the rare open or close of a user's second session.
        self._teams: dict[str, dict[str, tuple[RtmSession, ...]]] = {}
        # Who receives an event, by (team, audience, exclude): a conversation's events reuse
        # one list until a session opens or closes (the audience sets are cached, hashed once).
        self._recipient_lists: dict[RecipientKey, list[RtmSession]] = {}
        self._watchers: dict[str, set[RtmSession]] = {}
        self._dirty: list[RtmSession] = []
        self._flush_handle: asyncio.Handle | None = None
        self._holds = 0
        self._corked = False
        # Sessions end in buckets of ``_age_step`` seconds (a heap of bucket numbers and a
        # list per bucket): one list slot per session instead of a tuple and a float each.
        self._age_step = max(max_session_age_secs * 2 * SESSION_AGE_JITTER / AGE_BUCKETS, 1e-6)
        self._age_buckets: dict[int, list[RtmSession]] = {}
        self._age_heap: list[int] = []
        self._aged_entries = 0
        self._age_timer: asyncio.TimerHandle | None = None
        self._age_timer_deadline = 0.0
        self._open_sessions = 0
        self._presence_batch: dict[tuple[str, str], list[str]] = {}
        self._presence_timer: asyncio.TimerHandle | None = None
        self._session_ids = 0
        self.overflow_closes = 0
        # Counters the metrics read (plain integers: the fan-out loop adds to them once).
        self.frames_in = 0
        self.frames_out = 0
        self.events_delivered = 0
        self.fan_out_lag = LagHistogram()
        self._lag_started: list[float] = []
        self.client_frames: FrameHandling
        self.on_open: Callable[[RtmSession], None] = _ignore
        self.on_close: Callable[[RtmSession], None] = _ignore
        # After a storm of sessions opening or closing, the freed heap goes back (W3).
        self.heap_trim = HeapTrim()

    # sessions

    def next_session_id(self) -> int:
        """A process-unique session number for logs."""
        self._session_ids += 1
        return self._session_ids

    def attach(self, session: RtmSession, caught_up: CatchUp, preamble: bytes = b"") -> None:
        """Register a new session: ``hello``, then the events kept since ``rtm.connect``
        (decisions E.2), then its ending if one came meanwhile. Call it in the same loop
        callback as the ticket's catch-up, so that no event falls between the two.

        ``preamble`` (the upgrade's ``101`` answer) goes out first, in the same ``write``
        as ``hello``: one system call per new session instead of two."""
        self._recipient_lists.clear()
        users = self._teams.setdefault(session.team_id, {})
        users[session.user_id] = (*users.get(session.user_id, ()), session)
        self._open_sessions += 1
        self.heap_trim.churned()
        if preamble:
            session.pending = [preamble]
            self._dirty.append(session)
        self.queue(session, HELLO_FRAME)
        for frame in caught_up.frames:
            self.queue(session, frame)
        if caught_up.ending is ControlAction.MIGRATION:
            session.migration_started()
            return
        if caught_up.ending is not None:
            session.goodbye()
            return
        jitter = 1 + random.uniform(-SESSION_AGE_JITTER, SESSION_AGE_JITTER)
        self._age_out_at(session, self.max_session_age_secs * jitter)
        self.on_open(session)

    def _age_out_at(self, session: RtmSession, delay_secs: float) -> None:
        """End the session after ``delay_secs``, rounded up to the next bucket (at most
        ``_age_step``, 1/512 of the jitter's span, late); one timer for all sessions."""
        bucket = math.ceil((self._clock.monotonic() + delay_secs) / self._age_step)
        sessions = self._age_buckets.get(bucket)
        if sessions is None:
            sessions = self._age_buckets[bucket] = []
            heapq.heappush(self._age_heap, bucket)
        sessions.append(session)
        self._aged_entries += 1
        if self._aged_entries > 2 * self._open_sessions + AGE_HEAP_SLACK:
            # Closed sessions wait in their bucket until its end: drop them now and then.
            self._drop_closed_from_ages()
        deadline = bucket * self._age_step
        if self._age_timer is None or deadline < self._age_timer_deadline:
            self._set_age_timer(deadline)

    def _drop_closed_from_ages(self) -> None:
        for bucket, sessions in list(self._age_buckets.items()):
            sessions[:] = [s for s in sessions if not s.closed]
            if not sessions:
                del self._age_buckets[bucket]
        self._age_heap = sorted(self._age_buckets)
        self._aged_entries = sum(len(s) for s in self._age_buckets.values())

    def _set_age_timer(self, deadline: float) -> None:
        if self._age_timer is not None:
            self._age_timer.cancel()
        delay = max(0.0, deadline - self._clock.monotonic())
        self._age_timer = asyncio.get_running_loop().call_later(delay, self._age_out)
        self._age_timer_deadline = deadline

    def _age_out(self) -> None:
        self._age_timer = None
        now = self._clock.monotonic()
        heap = self._age_heap
        while heap and heap[0] * self._age_step <= now:
            sessions = self._age_buckets.pop(heapq.heappop(heap))
            self._aged_entries -= len(sessions)
            for session in sessions:
                session.goodbye()  # nothing for a session already closed
        if heap:
            self._set_age_timer(heap[0] * self._age_step)

    def clock_moved(self) -> None:
        """The injected clock jumped (a manual clock was advanced): end the sessions whose
        age is now past the maximum, and time the next ending from the new time."""
        if self._age_timer is not None:
            self._age_timer.cancel()
        self._age_out()

    def detach(self, session: RtmSession) -> None:
        """Forget a closed session (idempotent)."""
        users = self._teams.get(session.team_id)
        sessions = users.get(session.user_id) if users else None
        if sessions is None or users is None or session not in sessions:
            return
        self._open_sessions -= 1
        self.heap_trim.churned()
        self._recipient_lists.clear()
        others = tuple(s for s in sessions if s is not session)
        if others:
            users[session.user_id] = others
        else:
            del users[session.user_id]
        self.set_subscriptions(session, NO_SUBSCRIPTIONS)
        self.client_frames.session_ended(session)
        self.on_close(session)

    def sessions(self, team_id: str | None = None) -> Iterator[RtmSession]:
        """Every open session (of one team)."""
        teams = [self._teams.get(team_id, {})] if team_id else list(self._teams.values())
        for users in teams:
            for sessions in list(users.values()):
                yield from sessions

    def session_count(self) -> int:
        """How many sessions are open in this process."""
        return self._open_sessions

    def user_session_count(self, team_id: str, user_id: str) -> int:
        """How many sessions a user has open in this process."""
        return len(self._teams.get(team_id, {}).get(user_id, ()))

    def set_subscriptions(self, session: RtmSession, users: frozenset[str]) -> frozenset[str]:
        """Replace a session's presence subscriptions; returns the newly added users."""
        added = users - session.subscriptions
        for user in session.subscriptions - users:
            watchers = self._watchers.get(user)
            if watchers is not None:
                watchers.discard(session)
                if not watchers:
                    del self._watchers[user]
        for user in added:
            self._watchers.setdefault(user, set()).add(session)
        session.subscriptions = users
        return added

    # writing

    def queue(self, session: RtmSession, frame: bytes) -> None:
        """Queue a frame; every queued session is flushed once at the end of this iteration."""
        if session.closed:
            return
        self.frames_out += 1
        pending = session.pending
        if pending is None:
            session.pending = [frame]
            self._dirty.append(session)
        else:
            pending.append(frame)
        if self._flush_handle is None:
            self._flush_handle = asyncio.get_running_loop().call_soon(self._flush)

    def hold(self) -> None:
        """A post is being stored: its event will follow soon (see :meth:`_flush`)."""
        self._holds += 1

    def release(self) -> None:
        """A post held by :meth:`hold` was published (or failed)."""
        self._holds -= 1
        if not self._holds and self._corked and self._flush_handle is not None:
            self._flush_handle.cancel()
            self._flush_handle = asyncio.get_running_loop().call_soon(self._flush)

    def _flush(self) -> None:
        """Write every queued session once.

        While posts are being stored, the flush waits for them (at most
        :data:`MAX_CORK_SECS`), so the frames of concurrent posts share one ``write`` per
        session instead of one each; with no post in flight it writes at once.
        """
        if self._holds and not self._corked:
            self._corked = True
            loop = asyncio.get_running_loop()
            self._flush_handle = loop.call_later(MAX_CORK_SECS, self._flush)
            return
        self._corked = False
        self._flush_handle = None
        dirty, self._dirty = self._dirty, []
        for session in dirty:
            session.flush()
        if self._lag_started:
            now = time.perf_counter()
            for started in self._lag_started:
                self.fan_out_lag.observe(now - started)
            self._lag_started.clear()

    def settled(self) -> bool:
        """Whether no frame waits anywhere: nothing queued or unwritten for any session and
        no client frame waiting for its handler (the toolkit's ``settle``)."""
        if self._dirty or self._flush_handle is not None or self.client_frames.busy():
            return False
        return all(
            not s.pending and s.transport.get_write_buffer_size() == 0 for s in self.sessions()
        )

    def count_overflow(self) -> None:
        """Count a session closed for overflowing its outbound buffer."""
        self.overflow_closes += 1

    # broker messages

    def deliver(self, message: BrokerMessage | DeliveryGap) -> None:
        """The broker subscriber: route an event or a session control.

        A delivery gap means events may be lost: every session is ended so that its client
        resynchronises (decisions E.8).
        """
        if isinstance(message, DeliveryGap):
            logger.warning("broker delivery gap (%s): ending every session", message.reason)
            self.goodbye_all()
        elif isinstance(message, SessionControl):
            self._control(message)
        elif message.presence_of is not None:
            self._presence(message)
        else:
            self.fan_out(message)

    def fan_out(self, event: Event) -> list[RtmSession]:
        """Queue an event's frame on every session it reaches; returns those sessions."""
        users = self._teams.get(event.team_id)
        if not users:
            return _NOBODY
        frame = encode_event(event.payload)
        # The hot loop of fan-out: queue() inlined, one pass over the smaller side.
        dirty = self._dirty
        queued = 0
        recipients = self._recipient_list(users, event)
        for session in recipients:
            if session.closed:
                continue
            pending = session.pending
            if pending is None:
                session.pending = [frame]
                dirty.append(session)
            else:
                pending.append(frame)
            queued += 1
        if queued:
            self.frames_out += queued
            self.events_delivered += queued
            self._lag_started.append(time.perf_counter())
            if self._flush_handle is None:
                self._flush_handle = asyncio.get_running_loop().call_soon(self._flush)
        return recipients

    def _recipient_list(
        self, users: dict[str, tuple[RtmSession, ...]], event: Event
    ) -> list[RtmSession]:
        key = (event.team_id, event.audience, event.exclude)
        found = self._recipient_lists.get(key)
        if found is None:
            if len(self._recipient_lists) >= MAX_RECIPIENT_LISTS:
                self._recipient_lists.clear()
            found = self._recipient_lists[key] = [
                session for sessions in addressed(users, event) for session in sessions
            ]
        return found

    def _presence(self, event: Event) -> None:
        user = event.presence_of
        assert user is not None
        presence = str(event.payload.get("presence", "away"))
        watchers = [s for s in self._watchers.get(user, ()) if s.team_id == event.team_id]
        single = presence_frame([user], presence, batched=False)
        for session in watchers:
            if not session.batch_presence_aware:
                self.queue(session, single)
        if any(s.batch_presence_aware for s in watchers):
            self._presence_batch.setdefault((event.team_id, presence), []).append(user)
            if self._presence_timer is None:
                loop = asyncio.get_running_loop()
                self._presence_timer = loop.call_later(PRESENCE_BATCH_SECS, self._flush_presence)

    def _flush_presence(self) -> None:
        self._presence_timer = None
        batch, self._presence_batch = self._presence_batch, {}
        for (team_id, presence), changed in batch.items():
            per_session: dict[RtmSession, list[str]] = {}
            for user in dict.fromkeys(changed):
                for session in self._watchers.get(user, ()):
                    if session.batch_presence_aware and session.team_id == team_id:
                        per_session.setdefault(session, []).append(user)
            for session, users in per_session.items():
                self.queue(session, presence_frame(users, presence, batched=True))

    def _control(self, control: SessionControl) -> None:
        for session in list(self.sessions(control.team_id)):
            if control.user_id is not None and session.user_id != control.user_id:
                continue
            if control.token_hash is not None and session.token_hash != control.token_hash:
                continue
            if control.action is ControlAction.MIGRATION:
                session.migration_started()
            else:
                session.goodbye()

    def end_sessions(
        self, team_id: str | None = None, user_id: str | None = None, *, goodbye: bool = True
    ) -> int:
        """End matching sessions: ``goodbye`` then 1001, or (``goodbye=False``) a bare
        connection drop as a network failure would; returns how many ended."""
        ended = 0
        for session in list(self.sessions(team_id)):
            if user_id is None or session.user_id == user_id:
                if goodbye:
                    session.goodbye()
                else:
                    session.transport.abort()
                ended += 1
        return ended

    def goodbye_all(self) -> None:
        """``goodbye`` and close every session (shutdown and drain)."""
        for session in list(self.sessions()):
            session.goodbye()


_NOBODY: list[RtmSession] = []


def _ignore(session: RtmSession) -> None:
    """The default open/close hook."""


def presence_frame(users: list[str], presence: str, *, batched: bool) -> bytes:
    """A ``presence_change`` in the single (``user``) or batched (``users``) shape."""
    payload: dict[str, Any] = {"type": "presence_change", "presence": presence}
    if batched:
        payload["users"] = users
    else:
        payload["user"] = users[0]
    return encode_event(payload)
