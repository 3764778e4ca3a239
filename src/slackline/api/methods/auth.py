"""``auth.test`` and ``auth.revoke``."""

from __future__ import annotations

from typing import Any

from slackline.api.call import Call
from slackline.api.methods.common import workspace_url
from slackline.api.registry import MethodSpec
from slackline.domain.ratelimit import Tier


async def auth_test(call: Call) -> dict[str, Any]:
    """Who the token is: user, team, URL, and ``bot_id`` for bot tokens (rtm_v2 needs it)."""
    identity = call.identity
    team, user = identity.team, identity.user
    result: dict[str, Any] = {
        "url": workspace_url(call, team),
        "team": team.name,
        "user": user.name,
        "team_id": team.id,
        "user_id": user.id,
    }
    if identity.token.is_bot and user.bot_id:
        result["bot_id"] = user.bot_id
    if team.enterprise_id:
        result["enterprise_id"] = team.enterprise_id
    result["is_enterprise_install"] = False
    return result


async def auth_revoke(call: Call) -> dict[str, Any]:
    """Revoke the calling token, unless ``test`` is true."""
    if call.args.flag("test"):
        return {"revoked": False}
    await call.services.workspaces.revoke_token_hash(call.identity.token.hash)
    return {"revoked": True}


METHODS = [
    MethodSpec("auth.test", auth_test, Tier.TIER_4, publishes=False),
    MethodSpec("auth.revoke", auth_revoke, Tier.TIER_3, bool_args=("test",)),
]
