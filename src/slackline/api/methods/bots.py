"""``bots.info``: a bot of the caller's team.

Without ``bot``, a bot token gets its own bot; anything unknown, of another team, or
missing for a user token is ``bot_not_found``.
"""

from __future__ import annotations

from typing import Any

from slackline.api.call import Call
from slackline.api.registry import MethodSpec
from slackline.domain.ratelimit import Tier
from slackline.domain.shapes import bot_object
from slackline.errors import SlackError, SlackErrorCode


async def bots_info(call: Call) -> dict[str, Any]:
    """The ``bot`` object: id, deleted, name, updated, app_id, user_id, icons."""
    identity = call.identity
    bot_id = call.args.text("bot") or (identity.user.bot_id if identity.token.is_bot else "")
    bot = await call.services.reads.get_bot(bot_id) if bot_id else None
    if bot is None or bot.team_id != identity.team.id:
        raise SlackError(SlackErrorCode.BOT_NOT_FOUND)
    return {"bot": bot_object(bot)}


METHODS = [MethodSpec("bots.info", bots_info, Tier.TIER_3, ("users:read",), publishes=False)]
