"""What a method handler receives: the caller's identity, arguments and the services."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from slackline.api.args import ArgReader
from slackline.domain.models import Identity
from slackline.http.request import Request

if TYPE_CHECKING:
    from slackline.app import App


@dataclass(slots=True)
class Call:
    """One authenticated Web API call."""

    app: App
    identity: Identity
    args: ArgReader
    request: Request
