"""Injected faults (issue 6): make Slackline misbehave on purpose so that a bot's reconnect
and back-off code is tested before production finds it. See :class:`FaultPlan`."""

from __future__ import annotations

from slackline.faults.plan import DEFAULT_REFUSE_STATUS, FaultPlan, SessionFilter, TicketAnswer

__all__ = ["DEFAULT_REFUSE_STATUS", "FaultPlan", "SessionFilter", "TicketAnswer"]
