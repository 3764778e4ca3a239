"""The faults, by name: each is a control endpoint (``faults.<name>``) and a scenario step
(``fault: <name>``) with the same parameters, applied through :class:`FaultPlan`."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from slackline.control.errors import ControlErrorCode, ControlInputError
from slackline.control.params import COUNT_ONE, COUNT_OPEN, TEAM, USER, Param
from slackline.control.spec import Endpoint
from slackline.errors import SlackErrorCode

if TYPE_CHECKING:
    from slackline.app import App
    from slackline.http.request import Request

Args = dict[str, Any]
MAX_DELAY_MS = 600_000


@dataclass(frozen=True, slots=True)
class Fault:
    """One injectable fault: its parameters and how it is applied."""

    name: str
    summary: str
    params: tuple[Param, ...]
    apply: Callable[[App, Args], Awaitable[dict[str, Any]]]
    answer: tuple[str, ...] = ()


async def _fail_next(app: App, args: Args) -> dict[str, Any]:
    app.require_faults().fail_next(
        args["method"], args["error"], args["count"], args.get("retry_after")
    )
    return {"method": args["method"], "error": args["error"], "count": args["count"]}


async def _delay_calls(app: App, args: Args) -> dict[str, Any]:
    app.require_faults().delay_calls(args["method"], args["delay_ms"], args.get("count"))
    return {}


async def _refuse_tickets(app: App, args: Args) -> dict[str, Any]:
    app.require_faults().refuse_tickets(
        args["count"], status=args["status"], team_id=args.get("team"), user_id=args.get("user")
    )
    return {}


async def _expire_tickets(app: App, args: Args) -> dict[str, Any]:
    app.require_faults().expire_tickets(
        args["count"], team_id=args.get("team"), user_id=args.get("user")
    )
    return {}


async def _goodbye(app: App, args: Args) -> dict[str, Any]:
    return {"sessions": app.require_faults().send_goodbye(args.get("team"), args.get("user"))}


async def _end_sessions(app: App, args: Args) -> dict[str, Any]:
    ended = app.require_faults().end_sessions(
        args.get("team"), args.get("user"), goodbye=args["goodbye"]
    )
    return {"ended": ended}


async def _silence_pings(app: App, args: Args) -> dict[str, Any]:
    app.require_faults().silence_pings(args.get("team"), args.get("user"), args.get("session"))
    return {}


async def _answer_pings(app: App, args: Args) -> dict[str, Any]:
    app.require_faults().answer_pings()
    return {}


async def _delay_events(app: App, args: Args) -> dict[str, Any]:
    app.require_faults().delay_events(
        args["delay_ms"], team_id=args.get("team"), count=args.get("count")
    )
    return {}


async def _migrate_team(app: App, args: Args) -> dict[str, Any]:
    await app.require_faults().migrate_team(args["team"], args["secs"])
    return {}


async def _clear(app: App, args: Args) -> dict[str, Any]:
    app.require_faults().clear()
    return {}


_ERRORS = tuple(code.value for code in SlackErrorCode)
_METHOD = Param("method", "string", "a Web API method name, e.g. rtm.connect", required=True)
_DELAY_MS = Param("delay_ms", "number", "milliseconds", required=True, minimum=0,
                  maximum=MAX_DELAY_MS)  # fmt: skip
_SESSION = Param("session", "integer", "a session number (journal frames' session)")

FAULTS: dict[str, Fault] = {f.name: f for f in (
    Fault("fail_next", "The next calls of a method answer a Slack error (ratelimited: HTTP "
          "429 with Retry-After; service_unavailable: 503).", (
              _METHOD,
              Param("error", "string", "a Slack error code", required=True, choices=_ERRORS),
              COUNT_ONE,
              Param("retry_after", "integer", "Retry-After seconds (ratelimited: 1)",
                    minimum=0),
          ), _fail_next, ("method", "error", "count")),
    Fault("delay_calls", "Answer calls of a method late (real time).",
          (_METHOD, _DELAY_MS, COUNT_OPEN), _delay_calls),
    Fault("refuse_tickets", "Refuse the next socket upgrades with a valid ticket: an HTTP "
          "error, no upgrade; the ticket is used up.", (
              COUNT_ONE,
              Param("status", "integer", "the HTTP status", default=503, minimum=400,
                    maximum=599),
              TEAM, USER,
          ), _refuse_tickets),
    Fault("expire_tickets", "Treat the next valid tickets as expired: the upgrade, then "
          "error code 1 and close 1008.", (COUNT_ONE, TEAM, USER), _expire_tickets),
    Fault("goodbye", "Send goodbye only: sessions stay open until their clients close them.",
          (TEAM, USER), _goodbye, ("sessions",)),
    Fault("end_sessions", "End sessions: goodbye then close 1001, or a bare drop.", (
              TEAM, USER,
              Param("goodbye", "boolean", "send goodbye first (false: drop)", default=True),
          ), _end_sessions, ("ended",)),
    Fault("silence_pings", "Stop answering RTM ping frames and WebSocket pings (half-open); "
          "the socket stays open.", (TEAM, USER, _SESSION), _silence_pings),
    Fault("answer_pings", "Answer pings again.", (), _answer_pings),
    Fault("delay_events", "Deliver events to this server's sessions late, in order (real "
          "time).", (_DELAY_MS, TEAM, COUNT_OPEN), _delay_events),
    Fault("migrate_team", "team_migration_started then close 1001 for the team's sessions; "
          "its calls answer migration_in_progress for secs (injected clock).", (
              Param("team", "string", "team id", required=True),
              Param("secs", "number", "how long the migration lasts", required=True,
                    minimum=0.001),
          ), _migrate_team),
    Fault("clear", "Disarm every fault and drop scheduled scenario steps.", (), _clear),
)}  # fmt: skip


async def apply_fault(app: App, fault: Fault, args: Args) -> dict[str, Any]:
    """Apply a fault with checked arguments; a value FaultPlan refuses is bad input."""
    try:
        return await fault.apply(app, args)
    except ValueError as exc:
        raise ControlInputError(ControlErrorCode.INVALID_ARGUMENTS, str(exc)) from exc


def _endpoint(fault: Fault) -> Endpoint:
    async def handler(app: App, args: Args, request: Request) -> dict[str, Any]:
        return await apply_fault(app, fault, args)

    errors = ((404, "team_not_found"),) if fault.name == "migrate_team" else ()
    return Endpoint(f"faults.{fault.name}", fault.summary, handler, fault.params,
                    answer=fault.answer, errors=errors)  # fmt: skip


async def _list(app: App, args: Args, request: Request) -> dict[str, Any]:
    return {"faults": app.require_faults().describe()}


async def _scenario(app: App, args: Args, request: Request) -> dict[str, Any]:
    from slackline.control.scenario import parse_scenario_text, start_scenario  # noqa: PLC0415

    scenario = parse_scenario_text(args["text"])
    start_scenario(app, scenario)
    await (
        app.require_faults().scheduled_steps_done()
    )  # the steps at 0 are in force when this answers
    return {"steps": len(scenario.steps)}


ENDPOINTS: tuple[Endpoint, ...] = (
    *(_endpoint(fault) for fault in FAULTS.values()),
    Endpoint("faults.list", "What is armed now.", _list, answer=("faults",)),
    Endpoint("faults.scenario", "Run a YAML (or JSON) fault scenario from now.", _scenario,
             body="document", answer=("steps",), errors=((400, "invalid_scenario"),)),
)  # fmt: skip
