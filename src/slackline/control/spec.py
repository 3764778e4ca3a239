"""What a control endpoint is: a name, its declared body, a handler and a summary. The router,
the OpenAPI document and the docs' tables all read the same :class:`Endpoint` values."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

from slackline.control.params import Param

if TYPE_CHECKING:
    from slackline.app import App
    from slackline.http.request import Request

Handler = Callable[["App", dict[str, Any], "Request"], Awaitable[dict[str, Any]]]
BodyKind = Literal["json", "document"]


@dataclass(frozen=True, slots=True)
class Endpoint:
    """``POST /_slackline/admin/<name>``.

    ``body`` is ``json`` (an object checked against ``params``) or ``document`` (YAML or JSON
    text, handed over as ``args["text"]``). ``answer`` names the keys of the answer besides
    ``ok``; ``errors`` the error codes particular to this endpoint, with their HTTP status.
    ``writes`` marks endpoints that change storage without a team of their own: in a cluster
    they count as writes in flight for every team (decisions E.8).
    """

    name: str
    summary: str
    handler: Handler
    params: tuple[Param, ...] = ()
    body: BodyKind = "json"
    answer: tuple[str, ...] = ()
    errors: tuple[tuple[int, str], ...] = ()
    writes: bool = False
