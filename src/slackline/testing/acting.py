"""Acting as any user of a workspace without a token: the control API's ``act`` endpoint.

A test (in any language) can make a human post, edit, react, join, type or change presence
exactly as that user's own client would: the call runs the same Web API handler with an
identity built for the user, so every rule and event is the one real calls get. Only
authentication is skipped, which is why ``act`` sits behind the admin token.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from slackline.api.args import ArgReader
from slackline.api.call import Call
from slackline.domain.models import DEFAULT_SCOPES, Identity, Token, TokenType
from slackline.errors import SlackError, SlackErrorCode, error_body
from slackline.http.args import check_storable
from slackline.http.request import Request

if TYPE_CHECKING:
    from slackline.app import App

TYPING = "typing"


async def identity_of(app: App, user_id: str) -> Identity:
    """The identity a user's own client would have: a user token, or a classic bot token."""
    user = await app.store.get_user(user_id)
    team = await app.store.get_team(user.team_id) if user is not None else None
    if user is None or team is None or user.deleted:
        raise SlackError(SlackErrorCode.USER_NOT_FOUND)
    bot = await app.store.get_bot(user.bot_id) if user.bot_id else None
    kind = TokenType.CLASSIC_BOT if bot is not None else TokenType.USER
    token = Token(
        hash=f"act:{user.id}", team_id=team.id, user_id=user.id, type=kind,
        scopes=DEFAULT_SCOPES[kind],
    )  # fmt: skip
    return Identity(token=token, team=team, user=user, bot=bot)


async def act_as(
    app: App, user_id: str, method: str, args: dict[str, str], request: Request
) -> dict[str, Any]:
    """Run a Web API method (or ``typing``) as the user; returns Slack's response body."""
    try:
        check_storable(args)
        identity = await identity_of(app, user_id)
        if method == TYPING:
            typing = app.services.typing
            channel = await typing.typing(identity.team.id, args.get("channel", ""), user_id)
            return {"ok": True, "channel": channel}
        spec = app.methods.get(method)
        if spec is None:
            raise SlackError(SlackErrorCode.UNKNOWN_METHOD)
        # The handler as served: counted as a write in flight where the server counts them.
        payload = await spec.handler(Call(identity, ArgReader(args), request, app.services))
    except SlackError as error:
        return error_body(error)
    return {"ok": True, **payload}
