"""The control API under ``/_slackline/`` (the admin API grown for tests in any language):
seed and reset the workspace, act as its people, read the journal, wait for what a bot did,
inject faults, move a manual clock. The endpoint table here is the one the router serves and
the OpenAPI document describes. See docs/admin.md.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from slackline.control import (
    apps_endpoints,
    content_endpoints,
    fault_endpoints,
    observe,
    signin_endpoints,
    workspace_endpoints,
)
from slackline.control.spec import Endpoint
from slackline.control.workspace_endpoints import advance_clock, reset_app
from slackline.testing.control_journal import ControlJournal

if TYPE_CHECKING:
    from slackline.app import App
    from slackline.http.request import Request, Response

logger = logging.getLogger("slackline.admin")

ENDPOINTS: dict[str, Endpoint] = {
    e.name: e
    for e in (
        *workspace_endpoints.ENDPOINTS,
        *content_endpoints.ENDPOINTS,
        *fault_endpoints.ENDPOINTS,
        *observe.ENDPOINTS,
        *signin_endpoints.ENDPOINTS,
        *apps_endpoints.ENDPOINTS,
    )
}

__all__ = ["ENDPOINTS", "advance_clock", "handle_control", "reset_app", "start_control"]


async def handle_control(app: App, request: Request) -> Response:
    """Answer any ``/_slackline/`` request."""
    from slackline.control.router import route  # noqa: PLC0415

    return await route(app, request, ENDPOINTS)


async def start_control(app: App) -> None:
    """At start: feed the broker's events to the control journal, and start the
    ``--fault-scenario`` file (its offsets count from now)."""
    if isinstance(app.journal, ControlJournal):
        app.broker.subscribe(app.journal.record_event)
    if app.settings.fault_scenario:
        from slackline.control.scenario import load_scenario_file, start_scenario  # noqa: PLC0415

        scenario = load_scenario_file(app.settings.fault_scenario)
        start_scenario(app, scenario)
        logger.info(
            "fault scenario %s: %d steps scheduled", app.settings.fault_scenario,
            len(scenario.steps),
        )  # fmt: skip
