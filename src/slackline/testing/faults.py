"""The toolkit's fault injection: make the local Slack misbehave the ways the real one does,
so a bot's reconnect and back-off code runs in a test before production finds it.

Each call arms a fault of the server's :class:`slackline.faults.FaultPlan` (or acts on the
sessions at once) on the server's loop; every fault is disarmed by the next test's reset.
"""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from slackline.errors import SlackErrorCode

if TYPE_CHECKING:
    from slackline.app import App
    from slackline.testing.toolkit import Member, SlacklineServer

T = TypeVar("T")


def _user_id(member: Member | str | None) -> str | None:
    return member if member is None or isinstance(member, str) else member.id


def _team_id(member: Member | str | None) -> str | None:
    return None if member is None or isinstance(member, str) else member.team_id


class FaultControls:
    """Fault injection, mixed into :class:`slackline.testing.toolkit.Slackline`.

    ``member`` narrows a fault to one person's sessions or tickets (a user id string or a
    factory member); without it the fault covers everyone.
    """

    def __init__(self, server: SlacklineServer) -> None:
        self._faults_server = server

    def _on_loop(self, work: Callable[[App], T]) -> T:
        async def run(app: App) -> T:
            return work(app)

        return self._faults_server.call(run)

    def _awaiting(self, work: Callable[[App], Coroutine[Any, Any, T]]) -> T:
        return self._faults_server.call(work)

    # Web API calls

    def fail_next(
        self, method: str, error: str, count: int = 1, retry_after: int | None = None
    ) -> None:
        """Make the bot's next ``count`` calls of ``method`` answer Slack's ``error``
        (``ratelimited`` comes as HTTP 429 with ``Retry-After: retry_after``, 1 by default;
        ``service_unavailable`` as 503)."""
        code = SlackErrorCode(error)
        self._on_loop(lambda app: app.require_faults().fail_next(method, code, count, retry_after))

    def delay_calls(self, method: str, delay_ms: float, count: int | None = None) -> None:
        """Answer the next ``count`` calls of ``method`` (all, until :meth:`clear_faults`,
        when None) ``delay_ms`` late, in real time."""
        self._on_loop(lambda app: app.require_faults().delay_calls(method, delay_ms, count))

    # socket tickets

    def refuse_tickets(
        self, count: int = 1, *, member: Member | str | None = None, status: int = 503
    ) -> None:
        """Refuse the next ``count`` socket upgrades with HTTP ``status`` (the ticket is
        used up: the client must call ``rtm.connect`` again)."""
        user_id = _user_id(member)
        self._on_loop(
            lambda app: app.require_faults().refuse_tickets(count, status=status, user_id=user_id)
        )

    def expire_tickets(self, count: int = 1, *, member: Member | str | None = None) -> None:
        """Treat the next ``count`` tickets as expired: the upgrade, then the ``error`` frame
        with code 1 (``Socket URL has expired``) and close 1008."""
        user_id = _user_id(member)
        self._on_loop(lambda app: app.require_faults().expire_tickets(count, user_id=user_id))

    # open sessions

    def end_sessions(self, member: Member | str | None = None, *, goodbye: bool = True) -> int:
        """End RTM sessions (of one member): ``goodbye`` then close 1001, or a bare drop as
        a network failure would (``goodbye=False``); returns how many ended."""
        user_id = _user_id(member)
        return self._on_loop(
            lambda app: app.require_faults().end_sessions(None, user_id, goodbye=goodbye)
        )

    def send_goodbye(self, member: Member | str | None = None) -> int:
        """Send ``goodbye`` only, leaving the sockets open until the clients close them;
        returns how many sessions got it."""
        user_id = _user_id(member)
        return self._on_loop(lambda app: app.require_faults().send_goodbye(None, user_id))

    def silence_pings(self, member: Member | str | None = None) -> None:
        """Stop answering RTM and WebSocket pings (of one member's sessions, later ones
        too): a half-open connection, which a client with a keepalive must notice."""
        user_id = _user_id(member)
        self._on_loop(lambda app: app.require_faults().silence_pings(None, user_id))

    def answer_pings(self) -> None:
        """Answer every ping again."""
        self._on_loop(lambda app: app.require_faults().answer_pings())

    # events and the workspace

    def delay_events(
        self, delay_ms: float, *, team_id: str | None = None, count: int | None = None
    ) -> None:
        """Deliver the next ``count`` events (all, until :meth:`clear_faults`, when None) to
        the sockets ``delay_ms`` late, in order, in real time."""
        self._on_loop(
            lambda app: app.require_faults().delay_events(delay_ms, team_id=team_id, count=count)
        )

    def migrate_team(self, team_id: str, secs: float) -> None:
        """Put a team into migration: its sessions get ``team_migration_started`` and a
        close, and its calls (``rtm.connect`` too) answer ``migration_in_progress`` for
        ``secs`` seconds of the server's clock (use ``advance`` in deterministic mode)."""
        self._awaiting(lambda app: app.require_faults().migrate_team(team_id, secs))

    def run_scenario(self, scenario: str | Path) -> int:
        """Run a fault scenario (YAML text, or a file) from now: its steps come due on the
        server's clock (``advance`` moves them in deterministic mode); returns how many
        steps were scheduled. Format: docs/admin.md ("Scenarios")."""
        from slackline.control.scenario import (  # noqa: PLC0415 - only for scenarios
            load_scenario_file,
            parse_scenario_text,
            start_scenario,
        )

        if isinstance(scenario, Path):
            parsed = load_scenario_file(str(scenario))
        else:
            parsed = parse_scenario_text(scenario)

        def start(app: App) -> int:
            start_scenario(app, parsed)
            return len(parsed.steps)

        return self._on_loop(start)

    def clear_faults(self) -> None:
        """Disarm every fault now (each test starts with none anyway)."""
        self._on_loop(lambda app: app.require_faults().clear())
