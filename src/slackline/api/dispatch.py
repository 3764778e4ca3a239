"""Web API dispatch: every request runs the check order of decisions B.1, in one place.

draining -> request format -> unknown method -> argument types -> authentication ->
token type and permission -> admission (rate limits, and injected faults when installed) ->
workspace state -> the method itself -> the handler, whose failures become Slack errors
through :func:`slackline.errors.unexpected_error` (logged with traceback and request id,
never shown). What depends only on the method was decided before the first request: the
path each method is reached by (its deprecated aliases included) is one lookup, its legacy
status and write counting were settled when the method table was built, and its accepted
scopes' header text and rate-limit bucket shape when its spec was made. A request pays
only for what depends on it.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Any, Protocol

from slackline.api.args import ArgReader
from slackline.api.call import Call, ClientCall
from slackline.api.gate import CallGate
from slackline.api.registry import MethodTable
from slackline.clock import Clock
from slackline.domain import auth
from slackline.domain.models import Identity
from slackline.errors import (
    SlackError,
    SlackErrorCode,
    SlackWarningCode,
    error_body,
    unexpected_error,
)
from slackline.http.args import bearer_token, charset_warnings, parse_arguments, parse_bool
from slackline.http.request import Request, Response
from slackline.http.response import error_response, ok_response
from slackline.lifecycle import Lifecycle
from slackline.services.container import Services
from slackline.services.identity import IdentityService

logger = logging.getLogger("slackline.api")

API_PREFIX = "/api/"


@dataclass(slots=True)
class Outcome:
    """How a call ended, filled in as the checks pass: what the response and a journal need."""

    warnings: list[SlackWarningCode] = field(default_factory=list)
    method: str = ""
    user_id: str | None = None
    args: dict[str, str] | None = None
    scopes: str | None = None
    accepted_scopes: str | None = None
    payload: dict[str, Any] | None = None
    error: SlackError | None = None

    def body(self) -> dict[str, Any]:
        """The response body as a document (before the warnings are added)."""
        if self.error is not None:
            return error_body(self.error)
        return {"ok": True, **(self.payload or {})}


class CallStats:
    """Calls answered, by method (``unknown`` for a name Slackline does not serve) and code
    (``ok`` or the Slack error): what the metrics read; the label set is bounded."""

    def __init__(self) -> None:
        self.calls: dict[tuple[str, str], int] = {}

    def count(self, outcome: Outcome) -> None:
        """Count one answered call."""
        code = "ok" if outcome.error is None else outcome.error.code.value
        key = (outcome.method or "unknown", code)
        self.calls[key] = self.calls.get(key, 0) + 1


class ApiEndpoint(Protocol):
    """What the router sends ``/api/`` requests to: the dispatcher, or a journal around it."""

    async def answer(self, request: Request) -> Response:
        """Answer one Web API request."""
        ...


def respond(outcome: Outcome, request: Request) -> Response:
    """The HTTP response for an outcome (decisions A.1, A.8, A.9)."""
    if outcome.error is not None:
        return error_response(
            outcome.error,
            request_id=request.request_id,
            warnings=outcome.warnings,
            scopes=outcome.scopes,
            accepted_scopes=outcome.accepted_scopes,
        )
    return ok_response(
        outcome.payload or {},
        request_id=request.request_id,
        warnings=outcome.warnings,
        scopes=outcome.scopes,
        accepted_scopes=outcome.accepted_scopes,
    )


class Dispatcher:
    """Runs the check order and the method for every ``/api/<method>`` request."""

    def __init__(
        self,
        *,
        methods: MethodTable,
        identities: IdentityService,
        clock: Clock,
        gate: CallGate,
        services: Services,
        lifecycle: Lifecycle,
        query_tokens: bool,
        deprecated_aliases: tuple[str, ...],
    ) -> None:
        self._identities = identities
        self._clock = clock
        self._gate = gate
        self._services = services
        self._lifecycle = lifecycle
        self._query_tokens = query_tokens
        self._routes = methods.routes(API_PREFIX, deprecated_aliases)
        self.stats = CallStats()

    async def answer(self, request: Request) -> Response:
        """Answer one request."""
        return respond(await self.decide(request), request)

    async def decide(self, request: Request) -> Outcome:
        """Run the checks and the method; how it ended (never raises)."""
        outcome = Outcome(charset_warnings(request.headers.get("content-type")))
        try:
            outcome.payload = await self._run(request, outcome)
        except SlackError as error:
            outcome.error = error
        except Exception as exc:
            outcome.error = unexpected_error(exc)
            code = outcome.error.code.value
            logger.exception("req=%s %s: unexpected exception", request.request_id, code)
        self.stats.count(outcome)
        return outcome

    async def _run(self, request: Request, outcome: Outcome) -> dict[str, Any]:
        if self._lifecycle.draining:
            raise SlackError(SlackErrorCode.SERVICE_UNAVAILABLE)
        if request.body_incomplete:
            raise SlackError(SlackErrorCode.REQUEST_TIMEOUT)
        headers = request.headers
        parsed = parse_arguments(
            request.method,
            request.query,
            request.body,
            headers.get("content-type"),
            query_tokens=self._query_tokens,
        )
        route = self._routes.get(request.path)
        if route is None:
            raise SlackError(SlackErrorCode.UNKNOWN_METHOD)
        spec, via_alias = route
        args = parsed.args
        outcome.accepted_scopes = spec.accepted_scopes
        outcome.method, outcome.args = spec.name, args
        for arg in spec.bool_args:
            if arg in args:
                parse_bool(args[arg])
        if spec.anonymous is not None:
            return spec.anonymous(args)
        if spec.client is not None:
            return await spec.client(ClientCall(args, request, self._services))
        token = bearer_token(headers.get("authorization")) or parsed.body_token
        token = token or parsed.query_token
        if not token:
            raise SlackError(SlackErrorCode.NOT_AUTHED)
        if not self._identities.cookie_allows(token, headers.get("cookie")):
            # A web session's token without its own cookie (docs/web-client.md).
            raise SlackError(SlackErrorCode.INVALID_AUTH)
        identity = await self._authenticate(token, request.peer)
        outcome.user_id = identity.user.id
        outcome.scopes = ",".join(identity.token.scopes)
        auth.authorize(
            identity,
            accepted_scopes=spec.scopes,
            rtm=spec.rtm,
            caller_ip=request.peer,
            app_token=spec.app_token,
        )
        await self._gate.admit(spec, identity, args)
        auth.check_team_state(identity)
        if via_alias:
            raise SlackError(SlackErrorCode.DEPRECATED_ENDPOINT)
        return await spec.handler(Call(identity, ArgReader(args), request, self._services))

    async def _authenticate(self, token: str, peer: str) -> Identity:
        now = self._clock.now()
        identities = self._identities
        token_hash = identities.hash(token)
        identity = identities.cached(token_hash) or await identities.resolve_hash(token_hash)
        auth.authenticate_token(identity.token if identity else None, caller_ip=peer, now=now)
        assert identity is not None  # authenticate_token raised otherwise
        auth.authenticate_identity(identity, now=now)
        return identity
