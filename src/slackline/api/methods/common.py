"""Small pieces the method modules share."""

from __future__ import annotations

from typing import Any

from slackline.api.call import Call
from slackline.domain.models import Team
from slackline.domain.text import UnusableJsonError, load_json
from slackline.domain.ts import parse_ts_arg
from slackline.errors import SlackError, SlackErrorCode


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


def ts_arg(call: Call, name: str, error: SlackErrorCode) -> int | None:
    """A ts or Unix time argument (any decimals) in microseconds; None when absent, the
    ``error`` when it is not one."""
    raw = call.args.text(name)
    if not raw:
        return None
    micros = parse_ts_arg(raw)
    if micros is None:
        raise SlackError(error)
    return micros


def ts_bound(call: Call, name: str, default: int, error: SlackErrorCode) -> int:
    """A ``latest``/``oldest`` argument in microseconds; ``default`` when absent."""
    micros = ts_arg(call, name, error)
    return default if micros is None else micros


def next_cursor_metadata(cursor: str) -> dict[str, Any]:
    """``response_metadata`` with the cursor of the next page (empty on the last)."""
    return {"response_metadata": {"next_cursor": cursor}}


def json_list(raw: str, error: SlackErrorCode) -> list[Any] | None:
    """A JSON array argument (``blocks``, ``attachments``); absent is None, anything but an
    array (or unusable JSON) the ``error``."""
    if not raw:
        return None
    try:
        value = load_json(raw)
    except UnusableJsonError as exc:
        raise SlackError(error) from exc
    if not isinstance(value, list):
        raise SlackError(error)
    return value
