"""The control API's sign-in endpoints (docs/admin.md): set or clear a person's password and
end their web sessions. The password travels only in the request body; it is hashed at once
(argon2id) and never logged or echoed."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from slackline.control.errors import ControlError, ControlErrorCode
from slackline.control.params import Param
from slackline.control.spec import Endpoint
from slackline.domain.signin import PasswordError
from slackline.services.workspace import WorkspaceError, WorkspaceErrorCode

if TYPE_CHECKING:
    from slackline.app import App
    from slackline.http.request import Request

Args = dict[str, Any]


async def users_set_password(app: App, args: Args, request: Request) -> dict[str, Any]:
    """Give a person a password (replacing any); their open sessions stay."""
    user_id = args["user"]
    try:
        found = await app.web_sessions.set_password(user_id, args["password"])
    except PasswordError as exc:
        raise ControlError(400, ControlErrorCode.INVALID_ARGUMENTS, f"password: {exc}") from None
    if not found:
        raise WorkspaceError(WorkspaceErrorCode.USER_NOT_FOUND, f"no user {user_id}")
    return {"user": user_id, "password": True}


async def users_clear_password(app: App, args: Args, request: Request) -> dict[str, Any]:
    """Take a person's password away: they can no longer sign in."""
    user_id = args["user"]
    if await app.store.get_user(user_id) is None:
        raise WorkspaceError(WorkspaceErrorCode.USER_NOT_FOUND, f"no user {user_id}")
    return {"user": user_id, "cleared": await app.web_sessions.clear_password(user_id)}


async def users_revoke_sessions(app: App, args: Args, request: Request) -> dict[str, Any]:
    """End a person's web sessions: their cookies, their xoxc- tokens and those tokens'
    sockets (``goodbye``)."""
    user_id = args["user"]
    if await app.store.get_user(user_id) is None:
        raise WorkspaceError(WorkspaceErrorCode.USER_NOT_FOUND, f"no user {user_id}")
    return {"user": user_id, "revoked": await app.web_sessions.revoke_sessions(user_id)}


_USER = Param("user", "string", "user id", required=True)
_NOT_FOUND = ((404, "user_not_found"),)

ENDPOINTS: tuple[Endpoint, ...] = (
    Endpoint("users.setPassword", "Set a person's sign-in password (stored as argon2id).",
             users_set_password, params=(
                 _USER,
                 Param("password", "string", "the password (8 to 1024 characters)",
                       required=True),
             ), answer=("user", "password"),
             errors=((400, "invalid_arguments"), *_NOT_FOUND), writes=True),
    Endpoint("users.clearPassword", "Clear a person's password (they can no longer sign in).",
             users_clear_password, params=(_USER,), answer=("user", "cleared"),
             errors=_NOT_FOUND, writes=True),
    Endpoint("users.revokeSessions", "End a person's web sessions, their xoxc- tokens and "
             "those tokens' sockets (goodbye).", users_revoke_sessions, params=(_USER,),
             answer=("user", "revoked"), errors=_NOT_FOUND, writes=True),
)  # fmt: skip
