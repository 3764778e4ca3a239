"""The admission step of the check order (decisions B.1): after authentication and
permission, before the workspace state. Rate limits live here (C.3); injected faults wrap it
at composition (:mod:`slackline.faults.install`), so a server without them checks nothing
for them."""

from __future__ import annotations

from typing import Protocol

from slackline.api.registry import MethodSpec
from slackline.domain.models import Identity
from slackline.domain.ratelimit import Rate
from slackline.errors import SlackError, SlackErrorCode
from slackline.shared.base import RateLimits


class CallGate(Protocol):
    """Admits an authenticated, authorized call, or raises the Slack error refusing it."""

    async def admit(self, spec: MethodSpec, identity: Identity, args: dict[str, str]) -> None:
        """Let the call through, or raise."""
        ...


def rate_bucket(
    spec: MethodSpec, identity: Identity, args: dict[str, str]
) -> tuple[tuple[str, ...], Rate] | None:
    """The bucket a call counts in (decisions C.3), or None for a method without a limit;
    its shape was decided with the method (:attr:`MethodSpec.bucket`)."""
    shape = spec.bucket
    if shape is None:
        return None
    if shape.per_channel:
        return (identity.token.hash, spec.name, args.get("channel", "")), shape.rate
    return (identity.token.hash, spec.name), shape.rate


class OpenGate:
    """Admits every call (``--rate-limits off``)."""

    async def admit(self, spec: MethodSpec, identity: Identity, args: dict[str, str]) -> None:
        """Let it through."""


class RateLimitGate:
    """Slack's tiers per token and method, counted wherever the shared state counts them."""

    def __init__(self, limits: RateLimits) -> None:
        self._limits = limits

    async def admit(self, spec: MethodSpec, identity: Identity, args: dict[str, str]) -> None:
        """Take a token from the call's bucket; ``ratelimited`` with ``Retry-After`` if none."""
        bucket = rate_bucket(spec, identity, args)
        if bucket is not None:
            retry_after = await self._limits.acquire(*bucket)
            if retry_after is not None:
                raise SlackError(SlackErrorCode.RATELIMITED, retry_after_secs=retry_after)
