"""Small pieces the method modules share."""

from __future__ import annotations

from typing import Any

from slackline.api.call import Call
from slackline.domain.models import Team


def team_brief(team: Team) -> dict[str, Any]:
    """``{"id", "name", "domain"}`` plus the Enterprise Grid fields when the team is on one."""
    brief: dict[str, Any] = {"id": team.id, "name": team.name, "domain": team.domain}
    if team.enterprise_id:
        brief["enterprise_id"] = team.enterprise_id
        brief["enterprise_name"] = team.enterprise_name or ""
    return brief


def workspace_url(call: Call, team: Team) -> str:
    """The workspace URL of decisions D.2: ``<public base>/<team domain>/``."""
    return f"{call.base_url()}/{team.domain}/"


def next_cursor_metadata(cursor: str) -> dict[str, Any]:
    """``response_metadata`` with the cursor of the next page (empty on the last)."""
    return {"response_metadata": {"next_cursor": cursor}}
