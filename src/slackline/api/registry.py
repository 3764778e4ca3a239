"""What a Web API method is (its name, handler, tier, scopes, argument checks), and the table
of them as served, decided once at start (:func:`build_method_table`)."""

from __future__ import annotations

import dataclasses
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from slackline.domain.ratelimit import BucketShape, Tier, bucket_shape
from slackline.errors import SlackError, SlackErrorCode

if TYPE_CHECKING:
    from slackline.api.call import Call, ClientCall
    from slackline.shared.base import WritesInFlight

Handler = Callable[["Call"], Awaitable[dict[str, Any]]]
# A method that answers without a token (``api.test``): it sees only the arguments.
AnonymousHandler = Callable[[dict[str, str]], dict[str, Any]]
# A method an app calls with its client credentials instead of a token (``oauth.access``).
ClientHandler = Callable[["ClientCall"], Awaitable[dict[str, Any]]]


@dataclass(frozen=True, slots=True)
class MethodSpec:
    """One Web API method.

    ``scopes`` are the scopes the method accepts (``x-accepted-oauth-scopes``);
    ``bool_args`` are validated before authentication (decisions B.1); ``rtm`` methods
    apply the RTM token rules of decisions B.2; ``legacy`` methods answer
    ``method_deprecated`` when legacy methods are off, and a method with a ``modern``
    handler runs that one instead (``rtm.start`` answers as ``rtm.connect``, B.5);
    ``publishes`` is false for methods that never cause an event (their calls are not
    counted as writes in flight, E.8); an ``anonymous`` method answers from its arguments
    alone, before any token is looked at (``api.test``); a ``client`` method authenticates
    the calling app by its client id and secret, never by a token (``oauth.v2.access``);
    an ``app_token`` method takes only app-level tokens (``apps.connections.open``).

    What follows from these alone is worked out once, when the spec is made, so no request
    works it out again: ``accepted_scopes`` (the header's text) and ``bucket`` (how its
    calls are rate limited, decisions C.3).
    """

    name: str
    handler: Handler
    tier: Tier | None
    scopes: tuple[str, ...] = ()
    bool_args: tuple[str, ...] = ()
    rtm: bool = False
    legacy: bool = False
    modern: Handler | None = None
    publishes: bool = True
    anonymous: AnonymousHandler | None = None
    client: ClientHandler | None = None
    app_token: bool = False  # called with an app-level (xapp-) token, and only with one
    accepted_scopes: str = field(init=False, repr=False, compare=False)
    bucket: BucketShape | None = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        # A frozen dataclass sets its derived fields through object.__setattr__.
        object.__setattr__(self, "accepted_scopes", ",".join(self.scopes))
        object.__setattr__(self, "bucket", bucket_shape(self.name, self.tier))


class MethodTable:
    """Methods by their exact Slack name."""

    def __init__(self, specs: Iterable[MethodSpec]) -> None:
        self._specs = {spec.name: spec for spec in specs}

    def get(self, name: str) -> MethodSpec | None:
        """The method of that name, if Slackline serves it."""
        return self._specs.get(name)

    def routes(self, prefix: str, aliases: Iterable[str]) -> dict[str, tuple[MethodSpec, bool]]:
        """Every path that names a method (``prefix`` and its name, or a deprecated alias
        such as ``/api/v1/rtm.connect``), with whether it is the alias: one lookup per
        request instead of taking the path apart."""
        routes = {f"{prefix}{name}": (spec, False) for name, spec in self._specs.items()}
        for path in aliases:
            spec = self._specs.get(path.rsplit("/", 1)[-1].removesuffix(".json"))
            if spec is not None:
                routes[path] = (spec, True)
        return routes

    def names(self) -> list[str]:
        """Every served method name, sorted."""
        return sorted(self._specs)


async def method_deprecated(call: Call) -> dict[str, Any]:
    """What a retired method answers while legacy methods are off (decisions B.5)."""
    raise SlackError(SlackErrorCode.METHOD_DEPRECATED)


def build_method_table(
    specs: Iterable[MethodSpec], *, legacy_methods: bool, writes: WritesInFlight
) -> MethodTable:
    """The methods as this server runs them: each handler chosen for the legacy setting and
    wrapped in the write count its shared state needs, once, so a request pays for neither."""
    from slackline.api.call import team_of  # noqa: PLC0415 (call imports the services)

    served = []
    for spec in specs:
        handler, publishes = spec.handler, spec.publishes
        if not legacy_methods and spec.legacy:
            handler, publishes = method_deprecated, False
        elif not legacy_methods and spec.modern is not None:
            handler = spec.modern
        if publishes:
            handler = writes.around(handler, team_of)
        served.append(dataclasses.replace(spec, handler=handler))
    return MethodTable(served)
