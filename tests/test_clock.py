"""Injected time and ids: the manual clock and the seeded id factory."""

from __future__ import annotations

import os

from slackline.clock import ManualClock, RandomIdFactory, SeededIdFactory


def test_a_manual_clock_moves_only_when_advanced() -> None:
    clock = ManualClock(start=1_000.0)
    assert (clock.now(), clock.monotonic()) == (1_000.0, 0.0)
    clock.advance(31)
    assert (clock.now(), clock.monotonic()) == (1_031.0, 31.0)


def test_the_same_seed_gives_the_same_ids_tickets_and_request_ids() -> None:
    first, second = SeededIdFactory(7), SeededIdFactory(7)
    made = [(f.object_id("C"), f.ticket(), f.request_id()) for f in (first, second)]
    assert made[0] == made[1]


def test_different_seeds_give_different_ids() -> None:
    assert SeededIdFactory(1).object_id("U") != SeededIdFactory(2).object_id("U")


def test_seeded_ids_have_slacks_shape() -> None:
    ids = SeededIdFactory(3)
    object_id, ticket = ids.object_id("U"), ids.ticket()
    assert object_id[0] == "U" and len(object_id) == 11 and object_id[1:].isalnum()
    assert len(ticket) == 32 and len(ids.request_id()) == 16


def test_random_ids_differ_every_time() -> None:
    ids = RandomIdFactory()
    assert ids.ticket() != ids.ticket()
    assert ids.object_id("C") != ids.object_id("C")


def test_a_forked_worker_does_not_repeat_the_parents_request_ids() -> None:
    ids = RandomIdFactory()
    read_end, write_end = os.pipe()
    child = os.fork()
    if child == 0:  # the child writes its next id and leaves at once
        os.write(write_end, ids.request_id().encode())
        os._exit(0)
    os.waitpid(child, 0)
    assert os.read(read_end, 16).decode() != ids.request_id()
