"""The ``delay_events`` fault: the broker's deliveries to the RTM hub held back by a delay.

Off (always, outside such a test), the hub itself is the broker's subscriber, so fan-out pays
nothing for this feature. Armed, :class:`EventDelay` subscribes in the hub's place, keeps each
message with its due time in arrival order and hands them over once due; disarmed and empty,
it gives the subscription back to the hub. Replies to a session's own frames (``pong``,
acknowledgements, ``hello``) are not broker deliveries and are never delayed.
"""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import Callable

from slackline.broker import Broker, BrokerMessage, DeliveryGap, Subscriber


class EventDelay:
    """Holds broker messages (events, presence, session endings) for ``delay_secs``."""

    def __init__(self) -> None:
        self._broker: Broker | None = None
        self._deliver: Subscriber | None = None
        self._unsubscribe: Callable[[], None] | None = None
        self._intercepting = False
        self._held: deque[tuple[float, BrokerMessage | DeliveryGap]] = deque()
        self._timer: asyncio.TimerHandle | None = None
        self.delay_secs: float | None = None
        self.team_id: str | None = None
        self.remaining: int | None = None

    def connect(self, broker: Broker, deliver: Subscriber) -> Callable[[], None]:
        """Subscribe ``deliver`` (the hub) to the broker; returns the unsubscribe function."""
        self._broker, self._deliver = broker, deliver
        self._unsubscribe = broker.subscribe(deliver)
        return self.disconnect

    def disconnect(self) -> None:
        """Unsubscribe whichever of the hub and this object is subscribed; drop held ones."""
        if self._unsubscribe is not None:
            self._unsubscribe()
            self._unsubscribe = None
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        self._held.clear()

    @property
    def intercepting(self) -> bool:
        """Whether this object, not the hub, is the broker's subscriber now."""
        return self._intercepting

    @property
    def held(self) -> int:
        """Messages waiting for their time."""
        return len(self._held)

    def arm(self, delay_secs: float, team_id: str | None, count: int | None) -> None:
        """Delay the next ``count`` messages (all, until disarmed, when None) of a team (any)."""
        self.delay_secs, self.team_id, self.remaining = delay_secs, team_id, count
        self._swap(intercept=True)

    def disarm(self) -> None:
        """Delay no new message; those held are still delivered at their time, in order."""
        self.delay_secs = self.team_id = self.remaining = None
        if not self._held:
            self._swap(intercept=False)

    def _swap(self, *, intercept: bool) -> None:
        if intercept == self._intercepting or self._broker is None or self._deliver is None:
            return
        if self._unsubscribe is not None:
            self._unsubscribe()
        self._intercepting = intercept
        target: Subscriber = self._hold if intercept else self._deliver
        self._unsubscribe = self._broker.subscribe(target)

    def _hold(self, message: BrokerMessage | DeliveryGap) -> None:
        loop = asyncio.get_running_loop()
        now = loop.time()
        due = now
        if self.delay_secs is not None and self._applies(message):
            due = now + self.delay_secs
            if self.remaining is not None:
                self.remaining -= 1
                if self.remaining <= 0:
                    self.delay_secs = self.team_id = self.remaining = None
        if self._held:
            due = max(due, self._held[-1][0])  # one order for everything once anything waits
        elif due <= now:
            assert self._deliver is not None
            self._deliver(message)
            self._step_aside_if_idle()
            return
        self._held.append((due, message))
        if self._timer is None:
            self._timer = loop.call_later(self._held[0][0] - now, self._release)

    def _applies(self, message: BrokerMessage | DeliveryGap) -> bool:
        team_id = getattr(message, "team_id", None)
        return self.team_id is None or team_id is None or team_id == self.team_id

    def _release(self) -> None:
        self._timer = None
        loop = asyncio.get_running_loop()
        now = loop.time()
        assert self._deliver is not None
        while self._held and self._held[0][0] <= now:
            self._deliver(self._held.popleft()[1])
        if self._held:
            self._timer = loop.call_later(self._held[0][0] - now, self._release)
        else:
            self._step_aside_if_idle()

    def _step_aside_if_idle(self) -> None:
        if self.delay_secs is None and not self._held:
            self._swap(intercept=False)
