"""Tickets between rtm.connect and their socket, and the events kept for them (E.2)."""

from __future__ import annotations

import asyncio
import gc
from typing import Any

from slackline.broker import ControlAction, Event
from slackline.clock import ManualClock, SeededIdFactory
from slackline.rtm.replies import encode_event
from slackline.shared.base import MAX_KEPT_FRAMES, TICKET_TTL_SECS, TicketGrant
from slackline.shared.local import LocalAdmission, LocalTickets


def _grant(user_id: str = "U1", team_id: str = "T1") -> TicketGrant:
    return TicketGrant(team_id, user_id, None, "hash", False, True)


def _event(
    text: str, audience: frozenset[str] | None, exclude: str | None = None, team_id: str = "T1"
) -> Event:
    return Event(team_id, {"type": "message", "text": text}, audience, exclude)


def _frame(text: str) -> bytes:
    return encode_event({"type": "message", "text": text})


def _run(coroutine: Any) -> Any:
    return asyncio.run(coroutine)


def _tickets() -> tuple[LocalTickets, ManualClock]:
    clock = ManualClock()
    return LocalTickets(clock, SeededIdFactory(0)), clock


def test_events_addressed_to_the_user_are_kept_in_order() -> None:
    tickets, _ = _tickets()
    text = _run(tickets.issue(_grant()))

    tickets.keep(_event("one", frozenset({"U1", "U2"})))
    tickets.keep(_event("not for U1", frozenset({"U2"})))
    tickets.keep(_event("two", None))
    tickets.keep(_event("other team", None, team_id="T2"))
    tickets.keep(_event("excluded", None, exclude="U1"))

    admitted = _run(tickets.redeem(text))
    assert isinstance(admitted, LocalAdmission)
    assert admitted.catch_up().frames == [_frame("one"), _frame("two")]
    assert admitted.catch_up().ending is None
    assert _run(tickets.redeem(text)) is None
    assert len(tickets) == 0


def test_each_ticket_of_a_user_keeps_its_own_copy() -> None:
    tickets, _ = _tickets()
    first = _run(tickets.issue(_grant()))
    second = _run(tickets.issue(_grant()))
    tickets.keep(_event("one", None))

    assert _run(tickets.redeem(second)).catch_up().frames == [_frame("one")]
    tickets.keep(_event("two", None))
    assert _run(tickets.redeem(first)).catch_up().frames == [_frame("one"), _frame("two")]


def test_too_many_events_end_the_session_after_hello() -> None:
    tickets, _ = _tickets()
    text = _run(tickets.issue(_grant()))
    for _ in range(MAX_KEPT_FRAMES + 1):
        tickets.keep(_event("x", None))

    kept = _run(tickets.redeem(text)).catch_up()
    assert kept.ending is ControlAction.GOODBYE and kept.frames == []


def test_expired_tickets_are_swept_when_new_ones_are_issued() -> None:
    tickets, clock = _tickets()
    old = _run(tickets.issue(_grant("U1")))
    clock.advance(TICKET_TTL_SECS + 1)
    new = _run(tickets.issue(_grant("U2")))

    assert len(tickets) == 1
    assert _run(tickets.redeem(old)) is None
    assert _run(tickets.redeem(new)).catch_up().frames == []


def test_an_event_sweeps_expired_tickets_that_nobody_redeemed() -> None:
    # A reconnect_url round's tickets, never used: they must not gather events until the
    # next round (bench W8 grew by the frames 10,000 such tickets kept).
    tickets, clock = _tickets()
    _run(tickets.issue(_grant("U1")))
    clock.advance(TICKET_TTL_SECS + 1)
    tickets.keep(_event("late", None))

    assert len(tickets) == 0


def test_an_expired_ticket_is_refused_even_before_a_sweep() -> None:
    tickets, clock = _tickets()
    text = _run(tickets.issue(_grant()))
    clock.advance(TICKET_TTL_SECS + 1)

    assert _run(tickets.redeem(text)) is None


def test_reserved_tickets_are_not_tracked_by_the_garbage_collector() -> None:
    tickets, _ = _tickets()
    _run(tickets.issue(_grant()))
    gc.collect()

    assert not any(gc.is_tracked(entry) for entry in tickets._tickets.values())
