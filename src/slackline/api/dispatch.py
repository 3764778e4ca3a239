"""Web API dispatch: every request runs the check order of decisions B.1, in one place.

draining -> request format -> unknown method -> argument types -> authentication ->
token type and permission -> rate limit -> workspace state -> the method itself ->
the handler, whose storage and broker failures become ``internal_error`` and whose unexpected
exceptions become ``fatal_error`` (logged with traceback and request id, never shown).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from slackline.api.args import ArgReader
from slackline.api.call import Call
from slackline.api.registry import MethodSpec
from slackline.domain import auth
from slackline.domain.models import Identity
from slackline.domain.ratelimit import Rate
from slackline.errors import BrokerError, SlackError, SlackErrorCode, SlackWarningCode, StorageError
from slackline.http.args import bearer_token, charset_warnings, parse_arguments, parse_bool
from slackline.http.request import Request, Response
from slackline.http.response import error_response, ok_response
from slackline.journal import CallRecord

if TYPE_CHECKING:
    from slackline.app import App

logger = logging.getLogger("slackline.api")

API_PREFIX = "/api/"
POST_MESSAGE_RATE = Rate(per_minute=60, burst=20)


@dataclass(slots=True)
class _Outcome:
    """What the response headers need to know, filled in as the checks pass."""

    scopes: str | None = None
    accepted_scopes: str | None = None
    method: str = ""
    user_id: str | None = None
    args: dict[str, str] | None = None


def method_name(path: str, aliases: tuple[str, ...]) -> tuple[str, bool]:
    """The method a path names, and whether it was reached through a deprecated alias."""
    if path in aliases:
        name = path.rsplit("/", 1)[-1].removesuffix(".json")
        return name, True
    return path[len(API_PREFIX) :], False


async def dispatch(app: App, request: Request) -> Response:
    """Answer one ``/api/<method>`` request, counted in ``app.requests_in_flight``."""
    app.requests_in_flight += 1
    try:
        return await _answer(app, request)
    finally:
        app.requests_in_flight -= 1


async def _answer(app: App, request: Request) -> Response:
    warnings = charset_warnings(request.header("content-type"))
    outcome = _Outcome()
    try:
        payload = await _run(app, request, outcome)
    except SlackError as error:
        _journal(app, outcome, {"ok": False, "error": error.code.value, **error.fields})
        return _error(error, request, warnings, outcome)
    except (StorageError, BrokerError):
        logger.exception("req=%s internal_error: storage or broker failed", request.request_id)
        _journal(app, outcome, {"ok": False, "error": SlackErrorCode.INTERNAL_ERROR.value})
        return _error(SlackError(SlackErrorCode.INTERNAL_ERROR), request, warnings, outcome)
    except Exception:
        logger.exception("req=%s fatal_error: unexpected exception", request.request_id)
        _journal(app, outcome, {"ok": False, "error": SlackErrorCode.FATAL_ERROR.value})
        return _error(SlackError(SlackErrorCode.FATAL_ERROR), request, warnings, outcome)
    _journal(app, outcome, {"ok": True, **payload})
    return ok_response(
        payload,
        request_id=request.request_id,
        warnings=warnings,
        scopes=outcome.scopes,
        accepted_scopes=outcome.accepted_scopes,
    )


def _journal(app: App, outcome: _Outcome, response: dict[str, Any]) -> None:
    """Report an answered call (known methods only) to the injected journal."""
    if outcome.method:
        record = CallRecord(outcome.method, outcome.user_id, outcome.args or {}, response)
        app.journal.record_call(record)


def _error(
    error: SlackError, request: Request, warnings: list[SlackWarningCode], outcome: _Outcome
) -> Response:
    return error_response(
        error,
        request_id=request.request_id,
        warnings=warnings,
        scopes=outcome.scopes,
        accepted_scopes=outcome.accepted_scopes,
    )


async def _run(app: App, request: Request, outcome: _Outcome) -> dict[str, Any]:
    if app.draining:
        raise SlackError(SlackErrorCode.SERVICE_UNAVAILABLE)
    if request.body_incomplete:
        raise SlackError(SlackErrorCode.REQUEST_TIMEOUT)
    parsed = parse_arguments(
        request.method,
        request.query,
        request.body,
        request.header("content-type"),
        query_tokens=app.settings.query_tokens,
    )
    name, via_alias = method_name(request.path, app.settings.deprecated_aliases)
    spec = app.methods.get(name)
    if spec is None:
        raise SlackError(SlackErrorCode.UNKNOWN_METHOD)
    outcome.accepted_scopes = ",".join(spec.scopes)
    outcome.method, outcome.args = name, parsed.args
    for arg in spec.bool_args:
        if arg in parsed.args:
            parse_bool(parsed.args[arg])
    token = bearer_token(request.header("authorization")) or parsed.body_token
    token = token or parsed.query_token
    if not token:
        raise SlackError(SlackErrorCode.NOT_AUTHED)
    identity = await _authenticate(app, token, request.peer)
    outcome.user_id = identity.user.id
    outcome.scopes = ",".join(identity.token.scopes)
    auth.authorize(identity, accepted_scopes=spec.scopes, rtm=spec.rtm, caller_ip=request.peer)
    if app.cluster is None:
        _rate_limit(app, spec, identity, parsed.args)
    else:
        await _rate_limit_shared(app, spec, identity, parsed.args)
    if app.faults.calls_armed:
        await app.faults.before_call(spec.name, identity.team.id)
    auth.check_team_state(identity)
    if via_alias:
        raise SlackError(SlackErrorCode.DEPRECATED_ENDPOINT)
    if spec.legacy and not app.settings.legacy_methods:
        raise SlackError(SlackErrorCode.METHOD_DEPRECATED)
    call = Call(app, identity, ArgReader(parsed.args), request)
    if app.writes is None or not app.writes.covers(spec.name):
        return await spec.handler(call)
    async with app.writes.writing(identity.team.id):
        return await spec.handler(call)


async def _authenticate(app: App, token: str, peer: str) -> Identity:
    now = app.clock.now()
    record = await app.identities.resolve(token)
    auth.authenticate_token(record.token if record else None, caller_ip=peer, now=now)
    assert record is not None  # authenticate_token raised otherwise
    auth.authenticate_identity(record, now=now)
    return record


def _bucket(
    spec: MethodSpec, identity: Identity, args: dict[str, str]
) -> tuple[tuple[str, ...], Rate] | None:
    """The bucket a call counts in (decisions C.3), or None for a method without a limit."""
    token_hash = identity.token.hash
    if spec.name == "chat.postMessage":
        return (token_hash, spec.name, args.get("channel", "")), POST_MESSAGE_RATE
    if spec.tier is not None:
        return (token_hash, spec.name), Rate(per_minute=int(spec.tier), burst=int(spec.tier))
    return None


def _rate_limit(app: App, spec: MethodSpec, identity: Identity, args: dict[str, str]) -> None:
    """Count the call in this process's buckets."""
    if not app.settings.rate_limits:
        return
    bucket = _bucket(spec, identity, args)
    if bucket is not None:
        retry_after = app.rate_limiter.acquire(*bucket, app.clock.monotonic())
        if retry_after is not None:
            raise SlackError(SlackErrorCode.RATELIMITED, retry_after_secs=retry_after)


async def _rate_limit_shared(
    app: App, spec: MethodSpec, identity: Identity, args: dict[str, str]
) -> None:
    """Count the call in the buckets every process shares (Redis)."""
    if not app.settings.rate_limits:
        return
    bucket = _bucket(spec, identity, args)
    if bucket is not None:
        assert app.cluster is not None
        retry_after = await app.cluster.rate_limits.acquire(*bucket)
        if retry_after is not None:
            raise SlackError(SlackErrorCode.RATELIMITED, retry_after_secs=retry_after)
