"""The control API's HTTP side: the admin-token guard, body checks, the error envelope.

Off unless ``--admin-token`` is set (every ``/_slackline/`` path then answers 404); otherwise
each request needs ``Authorization: Bearer <admin token>``, compared in constant time. Every
endpoint is ``POST /_slackline/admin/<name>`` and answers ``{"ok": true, ...}`` or
``{"ok": false, "error": code, "detail": message}``; ``GET /_slackline/openapi.json``
describes them all. See docs/admin.md.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
from typing import TYPE_CHECKING, Any

from slackline.broker.base import EVERY_TEAM
from slackline.control.errors import ControlError, ControlErrorCode, ControlInputError
from slackline.control.params import parse_params
from slackline.control.spec import Endpoint
from slackline.domain.text import UnusableJsonError, load_json
from slackline.domain.workspace_file import WorkspaceFileError
from slackline.errors import unexpected_error
from slackline.http.args import bearer_token
from slackline.http.request import Request, Response
from slackline.http.response import plain_response
from slackline.services.workspace import WorkspaceError, WorkspaceErrorCode

if TYPE_CHECKING:
    from slackline.app import App

logger = logging.getLogger("slackline.admin")

ADMIN_PREFIX = "/_slackline/admin/"
OPENAPI_PATH = "/_slackline/openapi.json"
# HTTP statuses of the WorkspaceError codes; anything else is bad input (400).
_WORKSPACE_ERROR_STATUS = {
    WorkspaceErrorCode.TEAM_NOT_FOUND: 404,
    WorkspaceErrorCode.USER_NOT_FOUND: 404,
    WorkspaceErrorCode.TOKEN_NOT_FOUND: 404,
    WorkspaceErrorCode.TOKEN_EXISTS: 409,
}


def _fail(
    status: int, code: ControlErrorCode | WorkspaceErrorCode, detail: str, request: Request
) -> Response:
    response = plain_response(status, {"ok": False, "error": code, "detail": detail},
                              request.request_id)  # fmt: skip
    response.error = code
    return response


def _authorized(request: Request, admin_token: str) -> bool:
    given = bearer_token(request.header("authorization")) or ""
    # Comparing digests keeps the comparison constant-time whatever the lengths.
    return hmac.compare_digest(
        hashlib.sha256(given.encode()).digest(), hashlib.sha256(admin_token.encode()).digest()
    )


async def route(app: App, request: Request, endpoints: dict[str, Endpoint]) -> Response:
    """Answer a ``/_slackline/`` request: 404 when the API is off, 401 without the token."""
    admin_token = app.settings.admin_token
    if not admin_token:
        return plain_response(
            404, {"ok": False, "error": ControlErrorCode.NOT_FOUND.value}, request.request_id
        )
    if not _authorized(request, admin_token):
        code = (
            ControlErrorCode.NOT_AUTHED
            if not request.header("authorization")
            else ControlErrorCode.INVALID_AUTH
        )
        response = _fail(401, code, "send Authorization: Bearer <admin token>", request)
        response.headers.append(("www-authenticate", 'Bearer realm="slackline-admin"'))
        return response
    if request.path == OPENAPI_PATH:
        return _openapi(request, endpoints)
    if not request.path.startswith(ADMIN_PREFIX):
        return _fail(
            404, ControlErrorCode.UNKNOWN_ENDPOINT, f"no control path {request.path}", request
        )
    name = request.path[len(ADMIN_PREFIX) :]
    endpoint = endpoints.get(name)
    if endpoint is None:
        known = ", ".join(sorted(endpoints))
        return _fail(
            404, ControlErrorCode.UNKNOWN_ENDPOINT, f"no admin endpoint {name!r} ({known})", request
        )
    if request.method != "POST":
        response = _fail(
            405, ControlErrorCode.METHOD_NOT_ALLOWED, "admin endpoints take POST", request
        )
        response.headers.append(("allow", "POST"))
        return response
    if request.body_incomplete:
        return _fail(
            400,
            ControlErrorCode.REQUEST_TIMEOUT,
            "the request body did not arrive in time",
            request,
        )
    return await _run(app, request, endpoint)


def _openapi(request: Request, endpoints: dict[str, Endpoint]) -> Response:
    if request.method != "GET":
        response = _fail(
            405, ControlErrorCode.METHOD_NOT_ALLOWED, "the description is read with GET", request
        )
        response.headers.append(("allow", "GET"))
        return response
    from slackline.control.openapi import openapi_document  # noqa: PLC0415

    return plain_response(200, openapi_document(endpoints.values()), request.request_id)


async def run_endpoint(app: App, request: Request, endpoint: Endpoint) -> Response:
    """Run one endpoint for a request already authorised another way (the inspector's
    cookie and CSRF token), with the same body checks and error envelope."""
    return await _run(app, request, endpoint)


async def _run(app: App, request: Request, endpoint: Endpoint) -> Response:
    try:
        arguments = _arguments(request, endpoint)
        if not endpoint.writes:
            result = await endpoint.handler(app, arguments, request)
        else:
            # Changes storage without a team of its own (``act`` counts its user's team
            # itself): a crash during one ends every team's sessions (decisions E.8).
            async with app.shared.writes.writing(EVERY_TEAM):
                result = await endpoint.handler(app, arguments, request)
    except ControlError as exc:
        return _fail(exc.status, exc.code, exc.detail, request)
    except WorkspaceFileError as exc:
        return _fail(400, ControlErrorCode.INVALID_ARGUMENTS, str(exc), request)
    except WorkspaceError as exc:
        status = _WORKSPACE_ERROR_STATUS.get(exc.code, 400)
        return _fail(status, exc.code, exc.detail, request)
    except Exception as exc:
        # The same code as the Web API gives (decisions B.6), under the control envelope.
        code = ControlErrorCode(unexpected_error(exc).code.value)
        logger.exception("req=%s admin %s: unexpected exception", request.request_id, code)
        return _fail(500, code, "unexpected error (see the server log)", request)
    return plain_response(200, {"ok": True, **result}, request.request_id)


def _arguments(request: Request, endpoint: Endpoint) -> dict[str, Any]:
    if endpoint.body == "document":
        try:
            return {"text": request.body.decode("utf-8")}
        except UnicodeDecodeError as exc:
            raise ControlInputError(
                ControlErrorCode.INVALID_WORKSPACE, "the body is not UTF-8 text"
            ) from exc
    return parse_params(endpoint.params, _json_object(request))


def _json_object(request: Request) -> dict[str, Any]:
    if not request.body.strip():
        return {}
    try:
        document = load_json(request.body)
    except UnusableJsonError as exc:
        raise ControlInputError(
            ControlErrorCode.INVALID_JSON, f"the body is not valid JSON: {exc}"
        ) from exc
    if not isinstance(document, dict):
        raise ControlInputError(ControlErrorCode.JSON_NOT_OBJECT, "the body must be a JSON object")
    return document
