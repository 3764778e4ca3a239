"""A journal of Web API calls and RTM frames, for tests that wait on what a bot did.

Injected through :class:`slackline.app.Components` (the toolkit's :class:`MemoryJournal`) or
kept by the control API (:class:`~slackline.testing.control_journal.ControlJournal`), and
installed at composition as wrappers: :class:`JournaledDispatcher` around the Web API
dispatcher, :class:`JournaledHub` in place of the RTM hub (what it queues for sessions) and
:class:`FrameTap` around the client-frame handler (what clients send). A server without a
journal has none of them, so it checks nothing for one on any request or frame. Every
reading method of :class:`MemoryJournal` may be called from any thread.
"""

from __future__ import annotations

import itertools
import threading
import time
from collections import deque
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Generic, Literal, Protocol, TypeVar

from slackline.api.dispatch import Dispatcher, respond
from slackline.broker import Event
from slackline.clock import Clock
from slackline.domain.apps import mask, masked
from slackline.domain.text import MAX_JSON_DEPTH, UnusableJsonError, load_json
from slackline.http.request import Request, Response
from slackline.rtm.hub import SessionHub
from slackline.rtm.replies import encode_event
from slackline.websocket.protocol import text_payload

if TYPE_CHECKING:
    from slackline.rtm.client import FrameHandling
    from slackline.rtm.session import RtmSession
    from slackline.socket_mode.http_delivery import DeliveryHook, HttpStep
    from slackline.socket_mode.hub import InFlight

DEFAULT_MAX_CALLS = 10_000
DEFAULT_MAX_FRAMES = 50_000
# Each kind (calls, frames) keeps at most about this much text, whatever the entry count.
DEFAULT_MAX_BYTES = 32 * 1024 * 1024
TOKEN_ID_CHARS = 12
# Frames are decoded at most this deep (a server frame nests a message's blocks a few levels
# down); a deeper one, or one holding NUL or a lone surrogate, is kept unparsed.
MAX_FRAME_DEPTH = 2 * MAX_JSON_DEPTH

R = TypeVar("R")
T = TypeVar("T")
Direction = Literal["in", "out"]


@dataclass(frozen=True, slots=True)
class CallRecord:
    """One answered Web API call: who called what with which arguments, and the answer.

    ``args`` never holds the token; ``user_id`` is None when the call did not authenticate;
    ``at`` is when it was answered, on this process's monotonic clock (real time, also in
    deterministic mode), to measure a client's back-off between attempts.
    """

    method: str
    user_id: str | None
    args: Mapping[str, str]
    response: Mapping[str, Any]
    at: float = field(default_factory=time.monotonic)
    size: int = 0  # bytes it stands for (arguments and response), for the journal's bound


@dataclass(frozen=True, slots=True)
class FrameRecord:
    """One RTM text frame, ``"in"`` (from the client) or ``"out"`` (to it), in journal order.

    ``seq`` orders every frame of the journal; ``session_id`` is the server's session number;
    ``token_id`` names the session's token by a prefix of its keyed hash, never the token.
    ``frame`` is the decoded JSON (``{"unparsed": text}`` for a frame that is not an object);
    ``at`` is when it was recorded, in wall-clock seconds (for timelines, not for measuring).
    """

    seq: int
    direction: Direction
    session_id: int
    team_id: str
    user_id: str
    token_id: str
    frame: Mapping[str, Any]
    at: float = 0.0


@dataclass(frozen=True, slots=True)
class Delivery:
    """One step of handing something to an app.

    ``transport`` is ``socket_mode`` (an envelope on a connection) or ``http`` (a request to
    the app's request URL); ``kind`` what was handed (``events_api``, ``slash_commands``,
    ``interactive``); ``outcome`` what happened: ``sent``, ``acknowledged`` or ``dropped``
    for an envelope, ``delivered``, ``failed`` (to be retried) or ``dropped`` for a request.
    ``attempt`` counts retries (0 for the first try); ``delivery_id`` is the envelope id or
    the event id; ``status`` an HTTP answer's status (None without one); ``payload`` what
    the app got, its secrets masked (``response_url``'s capability, the verification token).
    """

    app_id: str
    transport: Literal["socket_mode", "http"]
    kind: str
    outcome: str
    attempt: int
    delivery_id: str
    payload: Mapping[str, Any]
    status: int | None = None
    detail: str = ""  # why a request failed (``X-Slack-Retry-Reason``'s words)


@dataclass(frozen=True, slots=True)
class DeliveryRecord:
    """A delivery as kept: numbered in journal order, at a wall-clock time."""

    seq: int
    delivery: Delivery
    at: float


def masked_payload(payload: Mapping[str, Any]) -> dict[str, Any]:
    """What an app was handed, fit for a journal: a ``response_url`` keeps its path but not
    the capability at its end, the verification ``token`` its first characters."""
    shown = dict(masked(dict(payload)))
    url = shown.get("response_url")
    if isinstance(url, str) and "/" in url:
        base, capability = url.rsplit("/", 1)
        shown["response_url"] = f"{base}/{mask(capability)}"
    token = shown.get("token")
    if isinstance(token, str):
        shown["token"] = mask(token)
    return shown


class FrameSource(Protocol):
    """What a frame record says about its session (an RTM session has these)."""

    @property
    def session_id(self) -> int:
        """The server's session number."""
        ...

    @property
    def team_id(self) -> str:
        """The session's team."""
        ...

    @property
    def user_id(self) -> str:
        """The session's user."""
        ...

    @property
    def token_hash(self) -> str:
        """The keyed hash of the session's token."""
        ...


class BoundedLog(Generic[T]):
    """The newest records, at most ``max_entries`` and about ``max_bytes`` (each record's
    size is given when it is added); the oldest go first."""

    def __init__(self, max_entries: int, max_bytes: int) -> None:
        self._records: deque[tuple[T, int]] = deque()
        self._max_entries = max_entries
        self._max_bytes = max_bytes
        self.bytes = 0

    def __len__(self) -> int:
        return len(self._records)

    def __iter__(self) -> Iterator[T]:
        return (record for record, _ in self._records)

    def append(self, record: T, size: int) -> None:
        """Keep ``record``, dropping the oldest past either bound."""
        self._records.append((record, size))
        self.bytes += size
        while self._records and (
            len(self._records) > self._max_entries or self.bytes > self._max_bytes
        ):
            self.bytes -= self._records.popleft()[1]

    def clear(self) -> None:
        """Forget everything."""
        self._records.clear()
        self.bytes = 0


class Journal(Protocol):
    """Where the journaled dispatcher reports every call and the journaled hub every frame."""

    def call_started(self) -> None:
        """A Web API request is being answered (on the server's loop)."""
        ...

    def record_call(self, record: CallRecord | None) -> None:
        """That request was answered: the call, or None for one that named no method."""
        ...

    def record_frame(self, direction: Direction, source: FrameSource, payload: bytes) -> None:
        """Note one frame: ``payload`` is the JSON text (``"in"``) or the encoded frame."""
        ...

    def record_delivery(self, delivery: Delivery) -> None:
        """Note one step of handing something to an app (on the server's loop)."""
        ...


class MemoryJournal:
    """The last ``max_calls`` calls and ``max_frames`` frames in memory, waitable from any
    thread; it also notes when anything was last recorded (:meth:`quiet_for`) and how many
    Web API requests are being answered (:attr:`calls_in_flight`)."""

    def __init__(
        self,
        max_calls: int = DEFAULT_MAX_CALLS,
        max_frames: int = DEFAULT_MAX_FRAMES,
        max_bytes: int = DEFAULT_MAX_BYTES,
    ) -> None:
        self._calls: BoundedLog[CallRecord] = BoundedLog(max_calls, max_bytes)
        self._frames: BoundedLog[FrameRecord] = BoundedLog(max_frames, max_bytes)
        self._deliveries: BoundedLog[DeliveryRecord] = BoundedLog(max_calls, max_bytes)
        self._seq = itertools.count(1)
        self._changed = threading.Condition()
        self._last_activity = time.monotonic()
        self.calls_in_flight = 0  # changed on the server's loop only

    def call_started(self) -> None:
        """Count a request being answered (the toolkit's ``settle`` waits for none)."""
        self.calls_in_flight += 1

    def record_call(self, record: CallRecord | None) -> None:
        """Keep the call and wake every waiter."""
        self.calls_in_flight -= 1
        if record is None:
            return
        with self._changed:
            self._calls.append(record, record.size)
            self._touch()

    def record_frame(self, direction: Direction, source: FrameSource, payload: bytes) -> None:
        """Keep a text frame (control frames and pongs to websocket pings are skipped)."""
        text = payload if direction == "in" else text_payload(payload)
        if text is None:
            return
        frame = _decode(text)
        token_id = source.token_hash[:TOKEN_ID_CHARS]
        with self._changed:
            record = FrameRecord(
                next(self._seq),
                direction,
                source.session_id,
                source.team_id,
                source.user_id,
                token_id,
                frame,
                time.time(),
            )
            self._frames.append(record, len(text))
            self._touch()

    def record_delivery(self, delivery: Delivery) -> None:
        """Keep a delivery (numbered with the frames) and wake every waiter."""
        size = len(repr(delivery.payload))
        with self._changed:
            self._deliveries.append(DeliveryRecord(next(self._seq), delivery, time.time()), size)
            self._touch()

    def deliveries(self, app_id: str | None = None) -> list[DeliveryRecord]:
        """Every kept delivery (of one app), oldest first."""
        with self._changed:
            kept = list(self._deliveries)
        return [r for r in kept if app_id is None or r.delivery.app_id == app_id]

    def touch(self) -> None:
        """Note activity that is neither a call nor a frame (an event published)."""
        with self._changed:
            self._touch()

    def _touch(self) -> None:
        self._last_activity = time.monotonic()
        self._changed.notify_all()

    def calls(self) -> list[CallRecord]:
        """Every kept call, oldest first."""
        with self._changed:
            return list(self._calls)

    def frames(
        self,
        *,
        direction: Direction | None = None,
        session_id: int | None = None,
        user_id: str | None = None,
        token_id: str | None = None,
    ) -> list[FrameRecord]:
        """Every kept frame matching the given fields, in order."""
        with self._changed:
            kept = list(self._frames)
        return [
            record
            for record in kept
            if _frame_matches(
                record,
                direction=direction,
                session_id=session_id,
                user_id=user_id,
                token_id=token_id,
                fields=None,
            )
        ]

    def clear(self) -> None:
        """Forget every call, frame and delivery (a new test starts)."""
        with self._changed:
            self._calls.clear()
            self._frames.clear()
            self._deliveries.clear()
            self._touch()

    def wait_for(self, match: Callable[[CallRecord], bool], timeout: float) -> CallRecord:
        """The first kept call, past or future, that matches; TimeoutError after ``timeout``."""
        found = self._wait(lambda: next((c for c in self._calls if match(c)), None), timeout)
        if found is None:
            raise TimeoutError("no matching call arrived in time")
        return found

    def wait_for_frame(
        self,
        *,
        direction: Direction | None = None,
        session_id: int | None = None,
        user_id: str | None = None,
        token_id: str | None = None,
        timeout: float,
        after_seq: int = 0,
        **fields: Any,
    ) -> FrameRecord:
        """The first kept frame, past or future, with ``seq > after_seq`` matching the given
        record fields and whose JSON has every one of ``fields`` (``type="pong"``);
        TimeoutError after ``timeout``."""

        def find() -> FrameRecord | None:
            for record in self._frames:
                if record.seq > after_seq and _frame_matches(
                    record,
                    direction=direction,
                    session_id=session_id,
                    user_id=user_id,
                    token_id=token_id,
                    fields=fields,
                ):
                    return record
            return None

        found = self._wait(find, timeout)
        if found is None:
            raise TimeoutError(f"no frame matching {fields} arrived in time")
        return found

    def quiet_for(self) -> float:
        """Seconds since anything was last recorded."""
        with self._changed:
            return time.monotonic() - self._last_activity

    def wait_for_activity(self, timeout: float) -> bool:
        """Wait up to ``timeout`` for anything to be recorded; whether something was."""
        with self._changed:
            before = self._last_activity
            return self._changed.wait_for(lambda: self._last_activity != before, timeout)

    def _wait(self, find: Callable[[], R | None], timeout: float) -> R | None:
        with self._changed:
            return self._changed.wait_for(find, timeout)


def _frame_matches(
    record: FrameRecord,
    *,
    direction: Direction | None,
    session_id: int | None,
    user_id: str | None,
    token_id: str | None,
    fields: Mapping[str, Any] | None,
) -> bool:
    if direction is not None and record.direction != direction:
        return False
    if session_id is not None and record.session_id != session_id:
        return False
    if user_id is not None and record.user_id != user_id:
        return False
    if token_id is not None and record.token_id != token_id[:TOKEN_ID_CHARS]:
        return False
    return not fields or all(record.frame.get(k) == v for k, v in fields.items())


def _decode(text: bytes) -> Mapping[str, Any]:
    # A client frame is anything a client sends: nested past the recursion limit (json.loads
    # would raise RecursionError in the session's reader), or with a lone surrogate escape
    # that no UTF-8 encoder could write back in the journal's answers.
    try:
        document = load_json(text, MAX_FRAME_DEPTH)
    except UnusableJsonError:
        document = None
    if isinstance(document, dict):
        return document
    return {"unparsed": text.decode("utf-8", "replace")}


class JournaledDispatcher:
    """The Web API dispatcher with every answered call reported to a journal."""

    def __init__(self, inner: Dispatcher, journal: Journal) -> None:
        self._inner = inner
        self._journal = journal

    async def answer(self, request: Request) -> Response:
        """Answer as the dispatcher does, and journal the call."""
        self._journal.call_started()
        record: CallRecord | None = None
        try:
            outcome = await self._inner.decide(request)
            response = respond(outcome, request)
            if outcome.method:
                # A call that did not authenticate is kept without its arguments: anyone can
                # send those, and as large as a body may be.
                args = (outcome.args or {}) if outcome.user_id is not None else {}
                size = len(response.body) + sum(len(k) + len(v) for k, v in args.items())
                body = masked(outcome.body())
                record = CallRecord(outcome.method, outcome.user_id, masked(args), body, size=size)
        finally:
            self._journal.record_call(record)
        return response


class JournaledHub(SessionHub):
    """The RTM hub with every text frame it queues for a session reported to a journal."""

    def __init__(
        self,
        clock: Clock,
        journal: Journal,
        *,
        max_outbound_bytes: int,
        max_session_age_secs: float,
    ) -> None:
        super().__init__(
            clock, max_outbound_bytes=max_outbound_bytes, max_session_age_secs=max_session_age_secs
        )
        self._journal = journal

    def queue(self, session: RtmSession, frame: bytes) -> None:
        """Journal the frame, then queue it."""
        if not session.closed:
            self._journal.record_frame("out", session, frame)
        super().queue(session, frame)

    def fan_out(self, event: Event) -> list[RtmSession]:
        """Fan out, then journal the event's frame once per session it reached."""
        recipients = super().fan_out(event)
        if recipients:
            frame = encode_event(event.payload)
            for session in recipients:
                if not session.closed:
                    self._journal.record_frame("out", session, frame)
        return recipients


class FrameTap:
    """The client-frame handler with every text frame a client sends reported to a journal."""

    def __init__(self, inner: FrameHandling, journal: Journal) -> None:
        self._inner = inner
        self._journal = journal

    def handle(self, session: RtmSession, text: str) -> None:
        """Journal the message, then handle it."""
        self._journal.record_frame("in", session, text.encode())
        self._inner.handle(session, text)

    def answer_ws_ping(self, session: RtmSession, payload: bytes) -> None:
        """Pings are not journaled (control frames)."""
        self._inner.answer_ws_ping(session, payload)

    def busy(self) -> bool:
        """Whether the inner handler is busy."""
        return self._inner.busy()

    def session_ended(self, session: RtmSession) -> None:
        """Tell the inner handler."""
        self._inner.session_ended(session)


def envelope_recorder(journal: Journal) -> Callable[[str, InFlight], None]:
    """The Socket Mode hub's ``on_envelope`` that journals each step of an envelope."""

    def record(outcome: str, flight: InFlight) -> None:
        journal.record_delivery(Delivery(
            flight.app_id, "socket_mode", flight.kind, outcome, flight.attempt,
            flight.envelope_id, masked_payload(flight.payload),
        ))  # fmt: skip

    return record


def http_delivery_recorder(journal: Journal) -> DeliveryHook:
    """The Events API sender's ``on_delivery`` that journals each step of a request."""

    def record(app_id: str, body: dict[str, Any], step: HttpStep) -> None:
        journal.record_delivery(Delivery(
            app_id, "http", "events_api", step.outcome, step.attempt,
            str(body.get("event_id", "")), masked_payload(body), step.status, step.detail,
        ))  # fmt: skip

    return record
