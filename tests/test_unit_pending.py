"""Tickets between rtm.connect and their socket, and the events kept for them (E.2)."""

from __future__ import annotations

import gc

from slackline.broker import Event
from slackline.rtm.pending import MAX_PENDING_FRAMES, PENDING_TTL_SECS, PendingTickets


def _event(audience: frozenset[str] | None, exclude: str | None = None) -> Event:
    return Event("T1", {"type": "message"}, audience, exclude)


def test_events_addressed_to_the_user_are_kept_in_order() -> None:
    pending = PendingTickets()
    pending.add("t1", "T1", "U1", now=0.0)

    pending.keep(_event(frozenset({"U1", "U2"})), b"one")
    pending.keep(_event(frozenset({"U2"})), b"not for U1")
    pending.keep(_event(None), b"two")
    pending.keep(Event("T2", {}, None), b"other team")
    pending.keep(_event(None, exclude="U1"), b"excluded")

    assert pending.take("t1") == ([b"one", b"two"], False)
    assert pending.take("t1") is None
    assert len(pending) == 0


def test_each_ticket_of_a_user_keeps_its_own_copy() -> None:
    pending = PendingTickets()
    pending.add("t1", "T1", "U1", now=0.0)
    pending.add("t2", "T1", "U1", now=0.0)
    pending.keep(_event(None), b"one")

    assert pending.take("t2") == ([b"one"], False)
    pending.keep(_event(None), b"two")
    assert pending.take("t1") == ([b"one", b"two"], False)


def test_too_many_events_mark_the_ticket_overflowed() -> None:
    pending = PendingTickets()
    pending.add("t1", "T1", "U1", now=0.0)
    for _ in range(MAX_PENDING_FRAMES + 1):
        pending.keep(_event(None), b"x")

    frames, overflowed = pending.take("t1") or ([], False)
    assert overflowed and len(frames) == MAX_PENDING_FRAMES


def test_expired_tickets_are_swept_when_new_ones_are_added() -> None:
    pending = PendingTickets()
    pending.add("old", "T1", "U1", now=0.0)
    pending.add("new", "T1", "U2", now=PENDING_TTL_SECS + 1)

    assert pending.take("old") is None
    assert pending.take("new") == ([], False)


def test_reserved_tickets_are_not_tracked_by_the_garbage_collector() -> None:
    pending = PendingTickets()
    pending.add("t1", "T1", "U1", now=0.0)
    gc.collect()

    assert not any(gc.is_tracked(entry) for entry in pending._tickets.values())
