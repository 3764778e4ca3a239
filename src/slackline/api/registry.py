"""What a Web API method is: its name, handler, tier, scopes and argument checks."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from slackline.domain.ratelimit import Tier

if TYPE_CHECKING:
    from slackline.api.call import Call

Handler = Callable[["Call"], Awaitable[dict[str, Any]]]


@dataclass(frozen=True, slots=True)
class MethodSpec:
    """One Web API method.

    ``scopes`` are the scopes the method accepts (``x-accepted-oauth-scopes``);
    ``bool_args`` are validated before authentication (decisions B.1); ``rtm`` methods
    apply the RTM token rules of decisions B.2; ``legacy`` methods answer
    ``method_deprecated`` when legacy methods are off.
    """

    name: str
    handler: Handler
    tier: Tier | None
    scopes: tuple[str, ...] = ()
    bool_args: tuple[str, ...] = ()
    rtm: bool = False
    legacy: bool = False


class MethodTable:
    """Methods by their exact Slack name."""

    def __init__(self, specs: Iterable[MethodSpec]) -> None:
        self._specs = {spec.name: spec for spec in specs}

    def get(self, name: str) -> MethodSpec | None:
        """The method of that name, if Slackline serves it."""
        return self._specs.get(name)

    def names(self) -> list[str]:
        """Every served method name, sorted."""
        return sorted(self._specs)
