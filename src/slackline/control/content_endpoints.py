"""Control endpoints on a team's content outside conversations: custom emoji.

(User groups are declared in workspace documents, ``workspace.apply``, and changed as a user
with ``act`` and ``usergroups.*``; see docs/admin.md.)
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from slackline.control.errors import ControlErrorCode, ControlInputError
from slackline.control.params import Param
from slackline.control.spec import Endpoint
from slackline.domain.emoji import EmojiError
from slackline.services.workspace import WorkspaceError, WorkspaceErrorCode

if TYPE_CHECKING:
    from slackline.app import App
    from slackline.http.request import Request

Args = dict[str, Any]


async def _require_team(app: App, team_id: str) -> None:
    if await app.store.get_team(team_id) is None:
        raise WorkspaceError(WorkspaceErrorCode.TEAM_NOT_FOUND, f"no team {team_id}")


async def emoji_add(app: App, args: Args, request: Request) -> dict[str, Any]:
    """Add a custom emoji to a team, or change its value; the team gets ``emoji_changed``
    (``subtype: add``) unless the value is the one it has."""
    await _require_team(app, args["team"])
    try:
        emoji = await app.services.emoji.add(args["team"], args["name"], args["value"])
    except EmojiError as exc:
        raise ControlInputError(ControlErrorCode.INVALID_ARGUMENTS, str(exc)) from exc
    return {"name": emoji.name, "value": emoji.value}


async def emoji_remove(app: App, args: Args, request: Request) -> dict[str, Any]:
    """Remove a custom emoji; the team gets ``emoji_changed`` (``subtype: remove``) when
    there was one."""
    await _require_team(app, args["team"])
    try:
        removed = await app.services.emoji.remove(args["team"], args["name"])
    except EmojiError as exc:
        raise ControlInputError(ControlErrorCode.INVALID_ARGUMENTS, str(exc)) from exc
    return {"removed": removed}


_TEAM = Param("team", "string", "team id", required=True)
_NAME = Param("name", "string", "the emoji's name (colons around it are dropped)", required=True)

ENDPOINTS: tuple[Endpoint, ...] = (
    Endpoint("emoji.add", "Add a custom emoji to a team (or change its value): an image URL "
             "or alias:<name>.", emoji_add,
             params=(_TEAM, _NAME,
                     Param("value", "string", "http(s) image URL or alias:<name>",
                           required=True)),
             answer=("name", "value"), errors=((404, "team_not_found"),), writes=True),
    Endpoint("emoji.remove", "Remove a custom emoji of a team.", emoji_remove,
             params=(_TEAM, _NAME), answer=("removed",), errors=((404, "team_not_found"),),
             writes=True),
)  # fmt: skip
