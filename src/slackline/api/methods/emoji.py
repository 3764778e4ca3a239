"""``emoji.list``: the standard set is the clients' own; custom emoji are the team's.

``emoji`` maps each custom emoji's name to its image URL or ``alias:<name>``;
``include_categories`` adds ``categories`` (Slack's Unicode categories, each with a few of
its emoji: Slackline ships no emoji table, clients carry their own) and
``categories_version``. ``cache_ts`` is when the team's custom emoji last changed (0 while
it has none). Events: :mod:`slackline.services.emoji`.
"""

from __future__ import annotations

from typing import Any

from slackline.api.call import Call
from slackline.api.registry import MethodSpec
from slackline.domain.emoji import CATEGORIES_VERSION, categories
from slackline.domain.ratelimit import Tier


async def emoji_list(call: Call) -> dict[str, Any]:
    """The team's custom emoji, by name."""
    custom = await call.services.reads.emoji.list_emoji(call.identity.team.id)
    answer: dict[str, Any] = {
        "emoji": {emoji.name: emoji.value for emoji in custom},
        "cache_ts": f"{max((emoji.created for emoji in custom), default=0)}.000000",
    }
    if call.args.flag("include_categories"):
        answer["categories_version"] = CATEGORIES_VERSION
        answer["categories"] = categories()
    return answer


METHODS = [
    MethodSpec(
        "emoji.list",
        emoji_list,
        Tier.TIER_2,
        ("emoji:read",),
        bool_args=("include_categories",),
        publishes=False,
    )
]
