"""Installing the fault plan at composition: wrappers around the parts it makes misbehave.

Each wrapper replaces a part only in a server built with faults; a server without them
keeps the plain part and checks nothing for faults on any request or frame.

- :class:`FaultGate` wraps the call gate (after authentication and the rate limit, where
  decisions B.1 puts them): delayed calls, injected errors, an injected migration.
- :func:`faulting_redemption` wraps ticket redemption: a refused upgrade, an expired ticket.
- :func:`silence_pings` replaces the ping answers of :class:`~slackline.rtm.client.ClientFrames`.
- The event delay takes the broker subscription itself (``FaultPlan.events.connect``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from slackline.api.gate import CallGate
from slackline.api.registry import MethodSpec
from slackline.domain.models import Identity
from slackline.faults.plan import FaultPlan
from slackline.rtm.endpoint import Redeem, Refusal

if TYPE_CHECKING:
    from slackline.rtm.client import ClientFrames
    from slackline.rtm.session import RtmSession
    from slackline.shared.base import Admission


class FaultGate:
    """A call gate that lets the fault plan delay or fail calls it has admitted."""

    def __init__(self, inner: CallGate, plan: FaultPlan) -> None:
        self._inner = inner
        self._plan = plan

    async def admit(self, spec: MethodSpec, identity: Identity, args: dict[str, str]) -> None:
        """The inner gate's check, then the plan's."""
        await self._inner.admit(spec, identity, args)
        if self._plan.calls_armed:
            await self._plan.before_call(spec.name, identity.team.id)


def faulting_redemption(redeem: Redeem, plan: FaultPlan) -> Redeem:
    """``redeem`` with the plan's ticket faults applied to valid tickets."""

    async def redeem_with_faults(text: str, peer: str) -> Admission | Refusal | None:
        admitted = await redeem(text, peer)
        if admitted is None or isinstance(admitted, Refusal) or not plan.tickets_armed:
            return admitted
        ticket = admitted.ticket
        answer = plan.take_ticket(ticket.team_id, ticket.user_id)
        if answer is None:
            return admitted
        # "expire": answered as any expired ticket (the upgrade, code 1, close 1008).
        return Refusal(answer.status) if answer.action == "refuse" else None

    return redeem_with_faults


def silence_pings(frames: ClientFrames, plan: FaultPlan) -> None:
    """Make both ping answers of ``frames`` go unanswered for the sessions the plan silences
    (a half-open connection, as the client sees it)."""
    answer_ping, answer_ws_ping = frames.answer_ping, frames.answer_ws_ping

    def silenced(session: RtmSession) -> bool:
        return plan.pings_silenced and plan.silences(session)

    def ping(session: RtmSession, document: dict[str, Any], reply_to: int | None) -> None:
        if not silenced(session):
            answer_ping(session, document, reply_to)

    def ws_ping(session: RtmSession, payload: bytes) -> None:
        if not silenced(session):
            answer_ws_ping(session, payload)

    frames.answer_ping, frames.answer_ws_ping = ping, ws_ping
