"""``team.info``."""

from __future__ import annotations

from typing import Any

from slackline.api.call import Call
from slackline.api.methods.common import workspace_url
from slackline.api.registry import MethodSpec
from slackline.domain.ratelimit import Tier
from slackline.domain.shapes import team_object
from slackline.errors import SlackError, SlackErrorCode


async def team_info(call: Call) -> dict[str, Any]:
    """The caller's team; another team (no shared channels here) is ``team_not_found``."""
    team = call.identity.team
    asked = call.args.text("team")
    domain = call.args.text("domain")
    if (asked and asked != team.id) or (domain and domain != team.domain):
        raise SlackError(SlackErrorCode.TEAM_NOT_FOUND)
    return {"team": {**team_object(team), "url": workspace_url(call, team)}}


METHODS = [MethodSpec("team.info", team_info, Tier.TIER_3, ("team:read",), publishes=False)]
