"""Observing a running server over HTTP: the journal of calls, frames, events and deliveries
to apps, and a long-poll ``wait`` for the first one matching a pattern.

With ``--admin-token`` the server keeps a
:class:`~slackline.testing.control_journal.ControlJournal`.
"""

from __future__ import annotations

import asyncio
import time
from typing import TYPE_CHECKING, Any

from slackline.control.errors import ControlError, ControlErrorCode
from slackline.control.params import Param
from slackline.control.spec import Endpoint
from slackline.testing.control_journal import ControlJournal, EventRecord
from slackline.testing.journal import (
    TOKEN_ID_CHARS,
    CallRecord,
    DeliveryRecord,
    FrameRecord,
    MemoryJournal,
)

if TYPE_CHECKING:
    from slackline.app import App
    from slackline.http.request import Request

DEFAULT_WAIT_SECS = 10.0
MAX_WAIT_SECS = 300.0
MAX_LIMIT = 10_000
Args = dict[str, Any]
Record = dict[str, Any]


def call_record(seq: int, call: CallRecord) -> Record:
    """A call as the control API shows it."""
    # ``at`` is kept on the monotonic clock; shown as wall-clock seconds.
    at = time.time() - (time.monotonic() - call.at)
    return {"seq": seq, "method": call.method, "user": call.user_id,
            "args": dict(call.args), "response": dict(call.response),
            "at": round(at, 3)}  # fmt: skip


def frame_record(frame: FrameRecord) -> Record:
    """A frame as the control API shows it."""
    return {"seq": frame.seq, "direction": frame.direction, "session": frame.session_id,
            "team": frame.team_id, "user": frame.user_id, "token_id": frame.token_id,
            "frame": dict(frame.frame), "at": round(frame.at, 3)}  # fmt: skip


def event_record(event: EventRecord) -> Record:
    """An event as the control API shows it."""
    record: Record = {"seq": event.seq, "team": event.team_id, "event": event.payload}
    if event.presence_of is not None:
        record["presence_of"] = event.presence_of
    return record


def delivery_record(record: DeliveryRecord) -> Record:
    """A delivery to an app as the control API shows it."""
    d = record.delivery
    return {"seq": record.seq, "app": d.app_id, "transport": d.transport, "kind": d.kind,
            "outcome": d.outcome, "attempt": d.attempt, "delivery_id": d.delivery_id,
            "status": d.status, "detail": d.detail, "payload": dict(d.payload),
            "at": round(record.at, 3)}  # fmt: skip


def matches(item: object, pattern: object) -> bool:
    """Whether ``item`` has everything ``pattern`` has (objects compared key by key, as
    subsets, at every depth; anything else by equality)."""
    if isinstance(pattern, dict):
        return isinstance(item, dict) and all(
            key in item and matches(item[key], value) for key, value in pattern.items()
        )
    return item == pattern


def _memory(app: App) -> MemoryJournal:
    if not isinstance(app.journal, MemoryJournal):
        raise ControlError(409, ControlErrorCode.JOURNAL_OFF, "this server keeps no journal")
    return app.journal


def _control(app: App) -> ControlJournal:
    if not isinstance(app.journal, ControlJournal):
        raise ControlError(409, ControlErrorCode.JOURNAL_OFF, "this server keeps no event journal")
    return app.journal


Found = tuple[list[Record], int]  # the records after ``since``, and the last kept seq


def _calls(app: App, since: int) -> Found:
    journal = _memory(app)
    if isinstance(journal, ControlJournal):
        numbered = journal.numbered_calls()
    else:
        numbered = list(enumerate(journal.calls(), start=1))
    last = numbered[-1][0] if numbered else since
    return [call_record(seq, call) for seq, call in numbered if seq > since], last


def _frames(app: App, since: int) -> Found:
    frames = _memory(app).frames()
    last = frames[-1].seq if frames else since
    return [frame_record(frame) for frame in frames if frame.seq > since], last


def _events(app: App, since: int) -> Found:
    events = _control(app).events()
    last = events[-1].seq if events else since
    return [event_record(event) for event in events if event.seq > since], last


def _deliveries(app: App, since: int) -> Found:
    deliveries = _memory(app).deliveries()
    last = deliveries[-1].seq if deliveries else since
    return [delivery_record(d) for d in deliveries if d.seq > since], last


_SOURCES = {"call": _calls, "frame": _frames, "event": _events, "delivery": _deliveries}


def _query(found: Found, args: Args, pattern: dict[str, Any]) -> tuple[list[Record], int]:
    records, last = found
    return [r for r in records if matches(r, pattern)][: args["limit"]], last


async def journal_calls(app: App, args: Args, request: Request) -> dict[str, Any]:
    """Kept Web API calls, filtered."""
    pattern: dict[str, Any] = {k: args[k] for k in ("method", "user") if k in args}
    records, last = _query(_calls(app, args["since"]), args, pattern)
    return {"calls": records, "last_seq": last}


async def journal_frames(app: App, args: Args, request: Request) -> dict[str, Any]:
    """Kept RTM frames, filtered."""
    pattern: dict[str, Any] = {k: args[k] for k in ("direction", "user", "session") if k in args}
    if "type" in args:
        pattern["frame"] = {"type": args["type"]}
    records, last = _query(_frames(app, args["since"]), args, pattern)
    return {"frames": records, "last_seq": last}


async def journal_events(app: App, args: Args, request: Request) -> dict[str, Any]:
    """Kept events, filtered."""
    pattern: dict[str, Any] = {"team": args["team"]} if "team" in args else {}
    if "type" in args:
        pattern["event"] = {"type": args["type"]}
    records, last = _query(_events(app, args["since"]), args, pattern)
    return {"events": records, "last_seq": last}


async def journal_deliveries(app: App, args: Args, request: Request) -> dict[str, Any]:
    """Kept deliveries to apps (Socket Mode envelopes, Events API requests), filtered."""
    keys = ("app", "transport", "kind", "outcome")
    pattern: dict[str, Any] = {k: args[k] for k in keys if k in args}
    records, last = _query(_deliveries(app, args["since"]), args, pattern)
    return {"deliveries": records, "last_seq": last}


async def sessions_list(app: App, args: Args, request: Request) -> dict[str, Any]:
    """The RTM sessions open on this process, with what the journal counted of each."""
    journal = _control(app)
    open_sessions = [
        s for s in app.hub.sessions(args.get("team"))
        if "user" not in args or s.user_id == args["user"]
    ]  # fmt: skip
    stats = journal.session_stats(s.session_id for s in app.hub.sessions())
    names: dict[str, str | None] = {}
    for user_id in {s.user_id for s in open_sessions}:
        user = await app.store.get_user(user_id)
        names[user_id] = user.name if user is not None else None
    # Which token: its type and hash prefix (the text is kept nowhere, so none is shown).
    types: dict[str, str | None] = {}
    for token_hash in {s.token_hash for s in open_sessions}:
        token = await app.store.get_token(token_hash)
        types[token_hash] = token.type.value if token is not None else None
    listed = []
    for session in sorted(open_sessions, key=lambda s: s.session_id):
        seen = stats.get(session.session_id)
        listed.append({
            "session": session.session_id, "team": session.team_id, "user": session.user_id,
            "name": names[session.user_id],
            "bot_id": session.bot_id, "token_id": session.token_hash[:TOKEN_ID_CHARS],
            "token_type": types[session.token_hash],
            "since": round(seen.since, 3) if seen else None,
            "frames_in": seen.frames_in if seen else 0,
            "frames_out": seen.frames_out if seen else 0,
        })  # fmt: skip
    return {"sessions": listed}


async def wait(app: App, args: Args, request: Request) -> dict[str, Any]:
    """The first kept or future record (after ``since``) matching the pattern."""
    source, pattern, since = _SOURCES[args["for"]], args.get("match") or {}, args["since"]
    journal = _memory(app)
    loop = asyncio.get_running_loop()
    deadline = loop.time() + args["timeout_secs"]
    while True:
        records, last = source(app, since)
        for record in records:
            if matches(record, pattern):
                return {"record": record}
        since = max(since, last)  # what was looked at once is not looked at again
        remaining = deadline - loop.time()
        if remaining <= 0:
            raise ControlError(
                408, ControlErrorCode.TIMEOUT, f"nothing matched within {args['timeout_secs']} s"
            )
        if isinstance(journal, ControlJournal):
            await journal.changed(remaining)
        else:  # an injected plain MemoryJournal wakes threads only
            await asyncio.to_thread(journal.wait_for_activity, min(remaining, 1.0))


_SINCE = Param("since", "integer", "only records with a greater seq", default=0, minimum=0)
_LIMIT = Param("limit", "integer", "at most this many records", default=1000, minimum=1,
               maximum=MAX_LIMIT)  # fmt: skip
_OFF = ((409, "journal_off"),)

ENDPOINTS: tuple[Endpoint, ...] = (
    Endpoint("journal.calls", "Web API calls answered (newest kept), filtered.", journal_calls,
             params=(Param("method", "string", "a method name"),
                     Param("user", "string", "the calling user id"), _SINCE, _LIMIT),
             answer=("calls", "last_seq"), errors=_OFF),
    Endpoint("journal.frames", "RTM text frames in and out, filtered.", journal_frames,
             params=(Param("direction", "string", "in or out", choices=("in", "out")),
                     Param("user", "string", "the session's user id"),
                     Param("session", "integer", "the session number"),
                     Param("type", "string", "the frame's type"), _SINCE, _LIMIT),
             answer=("frames", "last_seq"), errors=_OFF),
    Endpoint("journal.events", "Events published (what sessions are sent), filtered.",
             journal_events,
             params=(Param("team", "string", "team id"),
                     Param("type", "string", "the event's type"), _SINCE, _LIMIT),
             answer=("events", "last_seq"), errors=_OFF),
    Endpoint("journal.deliveries", "What apps were handed: Socket Mode envelopes (sent, "
             "acknowledged, dropped) and Events API requests (delivered, failed, dropped).",
             journal_deliveries,
             params=(Param("app", "string", "app id"),
                     Param("transport", "string", "socket_mode or http",
                           choices=("socket_mode", "http")),
                     Param("kind", "string", "events_api, slash_commands or interactive"),
                     Param("outcome", "string", "sent, acknowledged, delivered, failed or "
                           "dropped"), _SINCE, _LIMIT),
             answer=("deliveries", "last_seq"), errors=_OFF),
    Endpoint("sessions.list", "RTM sessions open on this process: who, which token (token_id), "
             "since when, text frames in and out.", sessions_list,
             params=(Param("team", "string", "team id"),
                     Param("user", "string", "the session's user id")),
             answer=("sessions",), errors=_OFF),
    Endpoint("wait", "Long-poll: the first call, frame, event or delivery (kept or future) "
             "matching a pattern; 408 timeout otherwise.", wait,
             params=(Param("for", "string", "what to wait for", required=True,
                           choices=("call", "frame", "event", "delivery")),
                     Param("match", "object", "a subset of the record (as journal.* shows "
                           "records) it must contain"),
                     _SINCE,
                     Param("timeout_secs", "number", "how long to wait",
                           default=DEFAULT_WAIT_SECS, minimum=0, maximum=MAX_WAIT_SECS)),
             answer=("record",), errors=(*_OFF, (408, "timeout"))),
)  # fmt: skip
