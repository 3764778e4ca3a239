"""Messages scheduled for later (``chat.scheduleMessage``): stored, then posted by the
clock (the injected one, so deterministic mode advances to them).

Scheduling checks what posting checks now (the conversation, the content) and the schedule's
own rules: ``post_at`` later than now and at most 120 days ahead (``time_in_past``,
``time_too_far``), and at most 30 messages of a channel due within any 5 minutes
(``restricted_too_many``). When ``post_at`` comes the message is taken from storage (a
deletion, so one process takes it; :mod:`slackline.storage.scheduled`) and posted through
:class:`~slackline.services.messages.MessageService` exactly as ``chat.postMessage`` would
post it, threads and events included. It is checked again first: a conversation the author
may no longer post in (left, archived) drops the message, as Slack does, with a log line.

Timing: a loop timer wakes this service when the earliest pending message it knows of is
due, and at least every :data:`POLL_SECS` (messages scheduled by another process of a
cluster, or left by one that stopped). A manual clock does not move by itself: the timer
then finds it unmoved and does nothing, and :meth:`ScheduledMessages.clock_moved` (called
when the clock is advanced) posts what is due; :meth:`ScheduledMessages.idle` returns once
that is done.
"""

from __future__ import annotations

import asyncio
import bisect
import dataclasses
import logging

from slackline.errors import BrokerError, SlackError, SlackErrorCode, StorageError
from slackline.services.deps import ServiceDeps
from slackline.storage.scheduled import ScheduledMessage

logger = logging.getLogger("slackline.scheduled")

MAX_AHEAD_SECS = 120 * 86_400
WINDOW_SECS = 300
MAX_PER_WINDOW = 30
POLL_SECS = 30.0
RETRY_SECS = 1.0
BATCH = 100


def crowded(post_at: int, pending: list[int]) -> bool:
    """Whether one more message at ``post_at`` would put more than :data:`MAX_PER_WINDOW`
    of the channel's pending messages (``pending``, sorted) in some 5-minute window
    ``[t, t + 300)``."""
    times = sorted([*pending, post_at])
    for start in times:
        if start > post_at:
            break
        if start + WINDOW_SECS <= post_at:
            continue
        count = bisect.bisect_left(times, start + WINDOW_SECS) - bisect.bisect_left(times, start)
        if count > MAX_PER_WINDOW:
            return True
    return False


class ScheduledMessages:
    """See the module docstring."""

    def __init__(self, deps: ServiceDeps) -> None:
        self._store = deps.store
        self._clock = deps.clock
        self._ids = deps.ids
        self._access = deps.access
        self._messages = deps.messages
        self._timer: asyncio.TimerHandle | None = None
        self._worker: asyncio.Task[None] | None = None
        self._again = False
        self._started = False
        self._next: int | None = None

    # scheduling

    def new_id(self) -> str:
        """A fresh scheduled message id (``Q`` and ten letters or digits)."""
        return self._ids.object_id("Q")

    def check_post_at(self, post_at: int) -> None:
        """``time_in_past`` unless ``post_at`` is later than now, ``time_too_far`` beyond
        120 days from now."""
        now = self._clock.now()
        if post_at <= now:
            raise SlackError(SlackErrorCode.TIME_IN_PAST)
        if post_at > now + MAX_AHEAD_SECS:
            raise SlackError(SlackErrorCode.TIME_TOO_FAR)

    async def schedule(self, scheduled: ScheduledMessage) -> None:
        """Check ``post_at`` and the channel's window, store the message, and time it."""
        self.check_post_at(scheduled.post_at)
        low, high = scheduled.post_at - WINDOW_SECS + 1, scheduled.post_at + WINDOW_SECS - 1
        pending = await self._store.scheduled.post_times(scheduled.channel, low, high)
        if crowded(scheduled.post_at, pending):
            raise SlackError(SlackErrorCode.RESTRICTED_TOO_MANY)
        await self._store.scheduled.add(scheduled)
        if self._next is None or scheduled.post_at < self._next:
            self._next = scheduled.post_at
            if self._started and self._worker is None:
                self._arm()

    async def delete(self, scheduled_id: str, channel_id: str, user_id: str) -> None:
        """Remove the user's pending message in that channel; ``invalid_scheduled_message_id``
        when there is none (already posted, removed, another's or another channel's)."""
        found = await self._store.scheduled.get(scheduled_id)
        if found is None or found.channel != channel_id or found.user != user_id:
            raise SlackError(SlackErrorCode.INVALID_SCHEDULED_MESSAGE_ID)
        if await self._store.scheduled.remove(scheduled_id) is None:
            raise SlackError(SlackErrorCode.INVALID_SCHEDULED_MESSAGE_ID)

    # the clock

    async def start(self) -> None:
        """Begin posting due messages (called once at start)."""
        self._started = True
        self._kick()

    async def close(self) -> None:
        """Stop: no timer, no posting in progress."""
        self._started = False
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        worker, self._worker = self._worker, None
        if worker is not None:
            worker.cancel()
            await asyncio.gather(worker, return_exceptions=True)

    def clock_moved(self) -> None:
        """A manual clock was advanced: post what is now due."""
        if self._started:
            self._kick()

    async def idle(self) -> None:
        """Return once every message due now has been posted."""
        while (worker := self._worker) is not None and worker is not asyncio.current_task():
            await asyncio.wait({worker})

    def _kick(self) -> None:
        if self._worker is not None:
            self._again = True
            return
        self._worker = asyncio.get_running_loop().create_task(self._work())

    async def _work(self) -> None:
        retry = False
        try:
            while self._started:
                self._again = False
                taken = await self._store.scheduled.take_due(int(self._clock.now()), BATCH)
                for index, scheduled in enumerate(taken):
                    try:
                        await self._post(scheduled)
                    except StorageError:
                        # Not posted (or not known to be): put it and the rest back.
                        await self._put_back(taken[index:])
                        raise
                    except BrokerError:
                        await self._put_back(taken[index + 1 :])  # stored: only the event failed
                        raise
                if len(taken) < BATCH and not self._again:
                    break
            self._next = await self._store.scheduled.next_post_at()
        except (StorageError, BrokerError) as exc:
            retry = True
            logger.warning("scheduled messages: %s; trying again in %g s", exc, RETRY_SECS)
        except Exception:
            retry = True
            logger.exception("scheduled messages failed")
        finally:
            if self._worker is asyncio.current_task():
                self._worker = None
        if self._started:
            self._arm(RETRY_SECS if retry else None)

    async def _put_back(self, scheduled: list[ScheduledMessage]) -> None:
        for message in scheduled:
            await self._store.scheduled.add(message)

    def _arm(self, delay: float | None = None) -> None:
        if self._timer is not None:
            self._timer.cancel()
        now = self._clock.now()
        if delay is None:
            wait = POLL_SECS if self._next is None else self._next - now
            delay = min(max(0.0, wait), POLL_SECS)
        self._timer = asyncio.get_running_loop().call_later(delay, self._woke, now)

    def _woke(self, armed_at: float) -> None:
        self._timer = None
        now = self._clock.now()
        due = self._next is not None and self._next <= now
        if now == armed_at and not due:
            return  # a manual clock: clock_moved() posts what comes due
        self._kick()

    async def _post(self, scheduled: ScheduledMessage) -> None:
        draft = scheduled.draft
        try:
            conversation = await self._access.postable(
                draft.team_id, draft.user, draft.channel, public_without_membership=scheduled.public
            )
        except SlackError as refused:
            logger.info("scheduled message %s dropped: %s", scheduled.id, refused.code.value)
            return
        draft = dataclasses.replace(draft, channel=conversation.id)
        await self._messages.post_message(draft, broadcast=scheduled.broadcast)
