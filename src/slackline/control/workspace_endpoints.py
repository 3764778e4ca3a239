"""Control endpoints on the workspace: seed and change it, act as its people, reset it, and
move a manual clock. (The admin API of the first releases: same names, same answers.)"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from slackline.clock import ManualClock, SeededIdFactory
from slackline.control.errors import ControlError, ControlErrorCode
from slackline.control.params import TEAM, USER, Kind, Param
from slackline.control.spec import Endpoint
from slackline.domain.models import Team, Token
from slackline.domain.workspace_file import WorkspaceFileError
from slackline.http.args import json_args_text
from slackline.services.workspace import WorkspaceError, WorkspaceErrorCode, parse_workspace_text
from slackline.testing.acting import act_as
from slackline.testing.journal import MemoryJournal

if TYPE_CHECKING:
    from slackline.app import App
    from slackline.http.request import Request

logger = logging.getLogger("slackline.admin")

Args = dict[str, Any]


def team_object(team: Team) -> dict[str, Any]:
    """A team as the admin API shows it (the workspace-file keys)."""
    return {
        "id": team.id,
        "name": team.name,
        "domain": team.domain,
        "email_domain": team.email_domain,
        "enterprise": (
            {"id": team.enterprise_id, "name": team.enterprise_name or ""}
            if team.enterprise_id
            else None
        ),
        "state": team.state.value,
        "ekm_revoked": team.ekm_revoked,
        "require_2fa": team.require_2fa,
        "allowed_networks": list(team.allowed_networks),
        "rtm_denied": list(team.rtm_denied),
    }


def _token_object(text: str, token: Token) -> dict[str, Any]:
    return {
        "token": text,
        "team": token.team_id,
        "user": token.user_id,
        "type": token.type.value,
        "scopes": list(token.scopes),
        "expires_at": token.expires_at,
        "allowed_networks": list(token.allowed_networks),
    }


async def workspace_apply(app: App, args: Args, request: Request) -> dict[str, Any]:
    """Apply a workspace document (YAML or JSON body); returns the teams it declared."""
    try:
        teams = await app.workspaces.load_document(parse_workspace_text(args["text"]))
    except WorkspaceFileError as exc:
        raise ControlError(400, ControlErrorCode.INVALID_WORKSPACE, str(exc)) from exc
    logger.info("req=%s admin applied a workspace document: %s", request.request_id, teams)
    return {"teams": teams}


async def tokens_create(app: App, args: Args, request: Request) -> dict[str, Any]:
    """Create a token; the text is generated unless given and returned only here."""
    fields = {k: v for k, v in args.items() if k != "team"}
    text, token = await app.workspaces.create_token(args["team"], fields)
    return _token_object(text, token)


async def tokens_revoke(app: App, args: Args, request: Request) -> dict[str, Any]:
    """Revoke a token given by its text."""
    if not await app.workspaces.revoke_token(args["token"]):
        raise WorkspaceError(WorkspaceErrorCode.TOKEN_NOT_FOUND, "no such token")
    return {"revoked": True}


async def users_deactivate(app: App, args: Args, request: Request) -> dict[str, Any]:
    """Deactivate a user (a bot user's bot too)."""
    user_id = args["user"]
    if not await app.workspaces.deactivate_user(user_id):
        raise WorkspaceError(WorkspaceErrorCode.USER_NOT_FOUND, f"no user {user_id}")
    return {"user": user_id, "deleted": True}


async def teams_update(app: App, args: Args, request: Request) -> dict[str, Any]:
    """Change a team's state, policies or names (the team's own workspace-file keys)."""
    fields = {k: v for k, v in args.items() if k != "team"}
    team = await app.workspaces.update_team(args["team"], fields)
    return {"team": team_object(team)}


async def act(app: App, args: Args, request: Request) -> dict[str, Any]:
    """Run a Web API method, or ``typing``, as a user; Slack's own body under ``result``."""
    text_args = json_args_text(args.get("args") or {})
    return {"result": await act_as(app, args["as"], args["method"], text_args, request)}


async def sessions_end(app: App, args: Args, request: Request) -> dict[str, Any]:
    """End RTM sessions (of a ``team``, of a ``user``): ``goodbye`` then close, or a drop."""
    ended = app.hub.end_sessions(args.get("team"), args.get("user"), goodbye=args["goodbye"])
    return {"ended": ended}


async def reset(app: App, args: Args, request: Request) -> dict[str, Any]:
    """Back to the start: see :func:`reset_app`."""
    await reset_app(app)
    return {"teams": await app.workspaces.team_ids()}


async def reset_app(app: App) -> None:
    """End every session, disarm every fault, forget tickets, rate-limit state and the
    journal, empty the store and load the workspace files again; a manual clock and a seeded
    id factory start over."""
    if app.faults is not None:
        app.faults.clear()
    app.hub.goodbye_all()
    if isinstance(app.clock, ManualClock):
        app.clock.restart()
    if isinstance(app.ids, SeededIdFactory):
        app.ids.restart()
    app.shared.tickets.forget_all()
    app.shared.rate_limits.forget_all()
    if isinstance(app.journal, MemoryJournal):
        app.journal.clear()
    await app.workspaces.clear()
    for path in app.workspace_files():
        await app.workspaces.load_file(path)
    logger.info("control reset: store emptied, workspace files reloaded")


async def clock_advance(app: App, args: Args, request: Request) -> dict[str, Any]:
    """Move a manual clock forward; see :func:`advance_clock`."""
    await advance_clock(app, args["secs"])
    return {"now": app.clock.now(), "monotonic": app.clock.monotonic()}


async def advance_clock(app: App, secs: float) -> None:
    """Move the server's manual clock (deterministic mode) forward by ``secs``: tickets
    expire, sessions age, migrations end and scenario steps come due as if time had passed."""
    if not isinstance(app.clock, ManualClock):
        raise ControlError(
            409, ControlErrorCode.CLOCK_NOT_MANUAL, "the server runs on the system clock"
        )
    app.clock.advance(secs)
    app.hub.clock_moved()
    app.services.scheduled.clock_moved()
    await app.services.scheduled.idle()  # the scheduled messages now due are posted
    if app.faults is not None:
        app.faults.clock_moved()
        await app.faults.scheduled_steps_done()


def _field(name: str, kind: Kind, doc: str) -> Param:
    """A workspace-file field: the workspace parser checks it, with its own messages."""
    return Param(name, kind, doc, loose=True)


_DOCUMENT_ANSWER = ("teams",)
_TOKEN_ANSWER = ("token", "team", "user", "type", "scopes", "expires_at", "allowed_networks")
_STRINGS = _field("scopes", "array", "scopes (the type's default when absent)")
_NOT_FOUND = ((404, "team_not_found"), (404, "user_not_found"))

ENDPOINTS: tuple[Endpoint, ...] = (
    Endpoint("workspace.apply", "Apply a workspace document (YAML or JSON): create what is "
             "missing, update what it declares.", workspace_apply, body="document",
             answer=_DOCUMENT_ANSWER, errors=((400, "invalid_workspace"),), writes=True),
    Endpoint("seed", "The same as workspace.apply: seed the workspace a test needs.",
             workspace_apply, body="document", answer=_DOCUMENT_ANSWER,
             errors=((400, "invalid_workspace"),), writes=True),
    Endpoint("reset", "End every session, disarm every fault, forget tickets, rate limits and "
             "the journal, empty the store and reload the workspace files.", reset,
             answer=("teams",), writes=True),
    Endpoint("tokens.create", "Create a token; its text is returned only here.", tokens_create,
             params=(
                 Param("team", "string", "team id", required=True),
                 Param("user", "string", "user id (a bot's user id for bot tokens)",
                       required=True),
                 _field("type", "string", "classic_bot (default), user, granular_bot, app, "
                       "workspace or org"),
                 _STRINGS,
                 _field("token", "string", "the text (generated with the type's prefix)"),
                 _field("expires_at", "string", "ISO 8601 time the token expires at"),
                 _field("allowed_networks", "array", "CIDRs the token may be used from"),
                 _field("created_after_2021_11_30", "boolean", "rtm.start refuses it"),
             ), answer=_TOKEN_ANSWER, errors=(*_NOT_FOUND, (409, "token_exists")),
             writes=True),
    Endpoint("tokens.revoke", "Revoke a token (its sessions get goodbye).", tokens_revoke,
             params=(Param("token", "string", "the token text", required=True),),
             answer=("revoked",), errors=((404, "token_not_found"),), writes=True),
    Endpoint("users.deactivate", "Deactivate a user (its sessions get goodbye).",
             users_deactivate, params=(Param("user", "string", "user id", required=True),),
             answer=("user", "deleted"), errors=((404, "user_not_found"),), writes=True),
    Endpoint("teams.update", "Change a team's state, policies or names.", teams_update,
             params=(
                 Param("team", "string", "team id", required=True),
                 _field("name", "string", "team name"),
                 _field("domain", "string", "team domain"),
                 _field("email_domain", "string", "email domain"),
                 _field("enterprise", "object", "{id, name} of its grid (null: none)"),
                 _field("state", "string", "active, migrating, added_to_org, "
                       "org_login_required or deleted"),
                 _field("ekm_revoked", "boolean", "EKM key revoked"),
                 _field("require_2fa", "boolean", "users need 2FA"),
                 _field("allowed_networks", "array", "CIDRs the team may be reached from"),
                 _field("rtm_denied", "array", "user or bot ids refused rtm.connect"),
             ), answer=("team",), errors=((404, "team_not_found"),), writes=True),
    Endpoint("act", "Run a Web API method (or typing) as a user, without their token.", act,
             params=(
                 Param("as", "string", "the user id to act as", required=True),
                 Param("method", "string", "a Web API method, or typing", required=True),
                 Param("args", "object", "the method's arguments"),
             ), answer=("result",)),
    Endpoint("sessions.end", "End RTM sessions: goodbye then close 1001, or a bare drop.",
             sessions_end, params=(
                 TEAM, USER,
                 Param("goodbye", "boolean", "send goodbye first (false: drop)", default=True),
             ), answer=("ended",)),
    Endpoint("clock.advance", "Move the server's manual clock forward (deterministic mode).",
             clock_advance, params=(
                 Param("secs", "number", "seconds to move forward", required=True, minimum=0),
             ), answer=("now", "monotonic"), errors=((409, "clock_not_manual"),)),
)  # fmt: skip
