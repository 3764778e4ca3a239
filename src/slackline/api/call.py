"""What a method handler receives: the caller's identity, the arguments and the services."""

from __future__ import annotations

from dataclasses import dataclass

from slackline.api.args import ArgReader
from slackline.domain.models import Identity
from slackline.http.request import Request
from slackline.services.container import Services


@dataclass(slots=True)
class Call:
    """One authenticated Web API call (or one made by acting as a user)."""

    identity: Identity
    args: ArgReader
    request: Request
    services: Services

    def base_url(self) -> str:
        """The public HTTP base for URLs handed to this caller (decisions D.1)."""
        request = self.request
        return self.services.urls.base_url(request.scheme, request.header("host"), request.local)


def team_of(call: Call) -> str:
    """The caller's team (what writes in flight are counted under)."""
    return call.identity.team.id


@dataclass(slots=True)
class ClientCall:
    """A call an app makes with its client credentials (form fields or HTTP Basic) and no
    token: ``oauth.access``, ``oauth.v2.access``."""

    args: dict[str, str]
    request: Request
    services: Services
