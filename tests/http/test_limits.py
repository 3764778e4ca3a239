"""The connection budget (http/limits.py): admission, eviction of the oldest unproven
connection, refusal when every connection is proven, sessions counted, and the default bound.

The connections are stand-ins that record what the budget asks of them: the budget only
counts them and calls ``evict`` (the real driver's is exercised in test_attacks.py).
"""

from __future__ import annotations

import resource
from collections.abc import Iterator

import pytest

from slackline.http.limits import (
    FD_RESERVE,
    MIN_CONNECTIONS,
    ConnectionBudget,
    default_max_connections,
    raise_fd_limit,
)


class Connection:
    """A connection the budget may evict; remembers whether it was."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.evicted = False

    def evict(self) -> None:
        """Record the eviction."""
        self.evicted = True

    def shutdown(self) -> None:
        """Not used by the budget itself."""

    def __repr__(self) -> str:
        return self.name


def connections(count: int) -> list[Connection]:
    """``count`` fresh connections named c0, c1, ..."""
    return [Connection(f"c{index}") for index in range(count)]


def full_budget(size: int, sessions: int = 0) -> tuple[ConnectionBudget, list[Connection]]:
    """A budget of ``size`` filled with ``size - sessions`` unproven connections."""
    budget = ConnectionBudget(size, lambda: sessions)
    held = connections(size - sessions)
    for connection in held:
        assert budget.admit(connection)
    return budget, held


def evicted(held: list[Connection]) -> list[str]:
    """The names of the evicted connections."""
    return [c.name for c in held if c.evicted]


def test_connections_under_the_bound_are_admitted() -> None:
    budget = ConnectionBudget(3)
    held = connections(3)
    assert [budget.admit(c) for c in held] == [True, True, True]
    assert len(budget) == 3
    assert evicted(held) == []
    assert (budget.evictions, budget.refusals) == (0, 0)


def test_at_the_bound_a_new_connection_evicts_the_oldest_unproven_one() -> None:
    budget, held = full_budget(3)
    newcomer = Connection("new")
    assert budget.admit(newcomer)
    assert evicted(held) == ["c0"]
    assert list(budget) == [held[1], held[2], newcomer]
    assert budget.evictions == 1


def test_evictions_take_the_unproven_connections_oldest_first_and_spare_proven_ones() -> None:
    budget, held = full_budget(4)
    budget.proven(held[0])
    budget.proven(held[2])
    newcomers = connections(3)
    for newcomer in newcomers:
        newcomer.name = f"new-{newcomer.name}"
        assert budget.admit(newcomer)
    # c1 and c3 go first, then the oldest newcomer; the proven c0 and c2 stay.
    assert evicted(held) == ["c1", "c3"]
    assert evicted(newcomers) == ["new-c0"]
    assert list(budget) == [held[0], held[2], newcomers[1], newcomers[2]]


def test_when_every_connection_is_proven_a_new_one_is_refused() -> None:
    budget, held = full_budget(2)
    for connection in held:
        budget.proven(connection)
    newcomer = Connection("new")
    assert budget.admit(newcomer) is False
    assert evicted(held) == []
    assert list(budget) == held
    assert (budget.evictions, budget.refusals) == (0, 1)


def test_sessions_count_against_the_bound() -> None:
    budget, held = full_budget(3, sessions=2)
    assert len(budget) == 1
    assert budget.admit(Connection("new"))
    assert evicted(held) == ["c0"]


def test_when_sessions_fill_the_bound_a_new_connection_is_refused() -> None:
    budget = ConnectionBudget(2, lambda: 2)
    assert budget.admit(Connection("new")) is False
    assert (len(budget), budget.refusals) == (0, 1)


def test_a_discarded_connection_frees_its_place_and_is_never_evicted() -> None:
    budget, held = full_budget(3)
    budget.discard(held[0])
    assert budget.admit(Connection("a"))
    assert evicted(held) == []
    assert budget.admit(Connection("b"))
    assert evicted(held) == ["c1"]


def test_a_connection_that_became_a_session_is_no_longer_held() -> None:
    sessions = 0
    budget = ConnectionBudget(2, lambda: sessions)
    held = connections(2)
    for connection in held:
        budget.admit(connection)
    budget.discard(held[0])  # upgraded: now counted as a session
    sessions = 1
    assert list(budget) == [held[1]]
    assert budget.admit(Connection("new"))
    assert evicted(held) == ["c1"]


def test_discarding_an_unknown_or_already_discarded_connection_is_harmless() -> None:
    budget, held = full_budget(2)
    budget.discard(Connection("stranger"))
    budget.discard(held[0])
    budget.discard(held[0])
    assert list(budget) == [held[1]]


def test_iterating_lists_the_open_connections_oldest_first_and_survives_discards() -> None:
    budget, _ = full_budget(3)
    seen = []
    for connection in budget:
        seen.append(repr(connection))
        budget.discard(connection)  # as a connection closed at shutdown does
    assert seen == ["c0", "c1", "c2"]
    assert len(budget) == 0


def test_the_default_bound_keeps_a_reserve_below_the_file_limit() -> None:
    assert default_max_connections(1024) == 1024 - FD_RESERVE
    assert default_max_connections(FD_RESERVE) == MIN_CONNECTIONS


@pytest.fixture
def lowered_soft_limit() -> Iterator[int]:
    """The soft open-file limit lowered below the hard one; restored afterwards."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if hard == resource.RLIM_INFINITY or hard <= 256:
        pytest.skip("needs a finite hard open-file limit above 256")
    resource.setrlimit(resource.RLIMIT_NOFILE, (256, hard))
    try:
        yield hard
    finally:
        resource.setrlimit(resource.RLIMIT_NOFILE, (soft, hard))


def test_the_file_limit_is_raised_to_the_hard_limit(lowered_soft_limit: int) -> None:
    assert raise_fd_limit() == lowered_soft_limit
    assert resource.getrlimit(resource.RLIMIT_NOFILE)[0] == lowered_soft_limit
