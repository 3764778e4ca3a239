"""The admin HTTP API under ``/_slackline/admin/``: what Slack's Web API has no method for.

Off unless ``--admin-token`` is set (every admin path then answers 404); otherwise each
request needs ``Authorization: Bearer <admin token>``, compared in constant time. Every
endpoint is ``POST /_slackline/admin/<name>`` with a JSON object body (``workspace.apply``
also takes YAML) and answers ``{"ok": true, ...}`` or ``{"ok": false, "error": code,
"detail": message}``. Changes apply at once: the services invalidate the identity cache.
See docs/admin.md.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import urllib.error
import urllib.request
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any

from slackline.acting import act_as
from slackline.domain.models import Team, Token
from slackline.domain.workspace_file import WorkspaceFileError
from slackline.errors import SlackErrorCode, StorageError
from slackline.http.args import bearer_token, json_args_text
from slackline.http.request import Request, Response
from slackline.http.response import plain_response
from slackline.services.workspace import WorkspaceError, parse_workspace_text

if TYPE_CHECKING:
    from slackline.app import App

logger = logging.getLogger("slackline.admin")

ADMIN_PREFIX = "/_slackline/admin/"
# HTTP statuses of the WorkspaceError codes; bad input is 400.
_ERROR_STATUS = {
    "team_not_found": 404,
    "user_not_found": 404,
    "token_not_found": 404,
    "token_exists": 409,
}


class AdminInputError(ValueError):
    """A request body the endpoint cannot use; answered 400 with ``code`` and the message."""

    def __init__(self, code: str, detail: str) -> None:
        super().__init__(detail)
        self.code = code


Endpoint = Callable[["App", Request], Awaitable[dict[str, Any]]]


def _fail(status: int, code: str, detail: str, request: Request) -> Response:
    body = {"ok": False, "error": code, "detail": detail}
    response = plain_response(status, body, request.request_id)
    response.error = code
    return response


def _authorized(request: Request, admin_token: str) -> bool:
    given = bearer_token(request.header("authorization")) or ""
    # Comparing digests keeps the comparison constant-time whatever the lengths.
    return hmac.compare_digest(
        hashlib.sha256(given.encode()).digest(), hashlib.sha256(admin_token.encode()).digest()
    )


async def handle_admin(app: App, request: Request) -> Response:
    """Answer an admin request: 404 when the API is off, 401 without the admin token."""
    admin_token = app.settings.admin_token
    if not admin_token:
        return plain_response(404, {"ok": False, "error": "not_found"}, request.request_id)
    if not _authorized(request, admin_token):
        code = "not_authed" if not request.header("authorization") else "invalid_auth"
        response = _fail(401, code, "send Authorization: Bearer <admin token>", request)
        response.headers.append(("www-authenticate", 'Bearer realm="slackline-admin"'))
        return response
    name = request.path[len(ADMIN_PREFIX) :]
    endpoint = ENDPOINTS.get(name)
    if endpoint is None:
        known = ", ".join(sorted(ENDPOINTS))
        return _fail(404, "unknown_endpoint", f"no admin endpoint {name!r} ({known})", request)
    if request.method != "POST":
        response = _fail(405, "method_not_allowed", "admin endpoints take POST", request)
        response.headers.append(("allow", "POST"))
        return response
    if request.body_incomplete:
        return _fail(400, "request_timeout", "the request body did not arrive in time", request)
    return await _run(app, request, endpoint)


async def _run(app: App, request: Request, endpoint: Endpoint) -> Response:
    try:
        result = await endpoint(app, request)
    except AdminInputError as exc:
        return _fail(400, exc.code, str(exc), request)
    except WorkspaceFileError as exc:
        return _fail(400, "invalid_arguments", str(exc), request)
    except WorkspaceError as exc:
        return _fail(_ERROR_STATUS.get(exc.code, 400), exc.code, exc.detail, request)
    except StorageError:
        logger.exception("req=%s admin internal_error: storage failed", request.request_id)
        return _fail(500, "internal_error", "storage failed (see the server log)", request)
    except Exception:
        logger.exception("req=%s admin fatal_error: unexpected exception", request.request_id)
        return _fail(500, "fatal_error", "unexpected error (see the server log)", request)
    return plain_response(200, {"ok": True, **result}, request.request_id)


def _json_object(request: Request) -> dict[str, Any]:
    if not request.body.strip():
        return {}
    try:
        document = json.loads(request.body)
    except (ValueError, UnicodeDecodeError) as exc:
        raise AdminInputError("invalid_json", f"the body is not valid JSON: {exc}") from exc
    if not isinstance(document, dict):
        raise AdminInputError("json_not_object", "the body must be a JSON object")
    return document


def _required(body: dict[str, Any], key: str) -> str:
    value = body.pop(key, None)
    if not isinstance(value, str) or not value:
        raise AdminInputError("invalid_arguments", f"{key}: required, a non-empty string")
    return value


def _only(body: dict[str, Any], *keys: str) -> None:
    unknown = sorted(set(body) - set(keys))
    if unknown:
        raise AdminInputError(
            "invalid_arguments", f"unknown key {unknown[0]!r} (allowed: {', '.join(keys)})"
        )


def team_object(team: Team) -> dict[str, Any]:
    """A team as the admin API shows it (the workspace-file keys)."""
    return {
        "id": team.id,
        "name": team.name,
        "domain": team.domain,
        "email_domain": team.email_domain,
        "enterprise": (
            {"id": team.enterprise_id, "name": team.enterprise_name or ""}
            if team.enterprise_id
            else None
        ),
        "state": team.state.value,
        "ekm_revoked": team.ekm_revoked,
        "require_2fa": team.require_2fa,
        "allowed_networks": list(team.allowed_networks),
        "rtm_denied": list(team.rtm_denied),
    }


def _token_object(text: str, token: Token) -> dict[str, Any]:
    return {
        "token": text,
        "team": token.team_id,
        "user": token.user_id,
        "type": token.type.value,
        "scopes": list(token.scopes),
        "expires_at": token.expires_at,
        "allowed_networks": list(token.allowed_networks),
    }


async def workspace_apply(app: App, request: Request) -> dict[str, Any]:
    """Apply a workspace document (YAML or JSON body); returns the teams it declared."""
    try:
        text = request.body.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise AdminInputError("invalid_workspace", "the body is not UTF-8 text") from exc
    try:
        teams = await app.workspaces.load_document(parse_workspace_text(text))
    except WorkspaceFileError as exc:
        raise AdminInputError("invalid_workspace", str(exc)) from exc
    logger.info("req=%s admin applied a workspace document: %s", request.request_id, teams)
    return {"teams": teams}


async def tokens_create(app: App, request: Request) -> dict[str, Any]:
    """Create a token; the text is generated unless given and returned only here."""
    body = _json_object(request)
    team_id = _required(body, "team")
    text, token = await app.workspaces.create_token(team_id, body)
    return _token_object(text, token)


async def tokens_revoke(app: App, request: Request) -> dict[str, Any]:
    """Revoke a token given by its text."""
    body = _json_object(request)
    text = _required(body, "token")
    _only(body)
    if not await app.workspaces.revoke_token(text):
        raise WorkspaceError("token_not_found", "no such token")
    return {"revoked": True}


async def users_deactivate(app: App, request: Request) -> dict[str, Any]:
    """Deactivate a user (a bot user's bot too)."""
    body = _json_object(request)
    user_id = _required(body, "user")
    _only(body)
    if not await app.workspaces.deactivate_user(user_id):
        raise WorkspaceError("user_not_found", f"no user {user_id}")
    return {"user": user_id, "deleted": True}


async def teams_update(app: App, request: Request) -> dict[str, Any]:
    """Change a team's state, policies or names (the team's own workspace-file keys)."""
    body = _json_object(request)
    team_id = _required(body, "team")
    team = await app.workspaces.update_team(team_id, body)
    return {"team": team_object(team)}


async def act(app: App, request: Request) -> dict[str, Any]:
    """Run a Web API method, or ``typing``, as a user: ``{"as", "method", "args"}``.

    The answer carries the method's own Slack body under ``result``.
    """
    body = _json_object(request)
    user_id = _required(body, "as")
    method = _required(body, "method")
    args = body.pop("args", {})
    _only(body)
    if not isinstance(args, dict):
        raise AdminInputError("invalid_arguments", "args: an object of Web API arguments")
    text_args = json_args_text(args)
    return {"result": await act_as(app, user_id, method, text_args, request)}


async def faults_fail_next(app: App, request: Request) -> dict[str, Any]:
    """Make the next ``count`` calls of ``method`` fail with ``error`` (a Slack code)."""
    body = _json_object(request)
    method = _required(body, "method")
    code = _required(body, "error")
    count, retry_after = body.pop("count", 1), body.pop("retry_after", None)
    _only(body)
    try:
        error = SlackErrorCode(code)
    except ValueError as exc:
        raise AdminInputError(
            "invalid_arguments", f"error: not a Slack error code: {code}"
        ) from exc
    if not isinstance(count, int) or isinstance(count, bool) or count < 1:
        raise AdminInputError("invalid_arguments", "count: a whole number of at least 1")
    if retry_after is not None and (not isinstance(retry_after, int) or retry_after < 0):
        raise AdminInputError("invalid_arguments", "retry_after: whole seconds")
    app.faults.fail_next(method, error, count, retry_after)
    return {"method": method, "error": error.value, "count": count}


async def faults_clear(app: App, request: Request) -> dict[str, Any]:
    """Disarm every injected fault."""
    _only(_json_object(request))
    app.faults.clear()
    return {}


async def sessions_end(app: App, request: Request) -> dict[str, Any]:
    """End RTM sessions (of a ``team``, of a ``user``): ``goodbye`` then close, or a drop."""
    body = _json_object(request)
    team, user, goodbye = body.pop("team", None), body.pop("user", None), body.pop("goodbye", True)
    _only(body)
    if not all(v is None or isinstance(v, str) for v in (team, user)):
        raise AdminInputError("invalid_arguments", "team and user: ids")
    if not isinstance(goodbye, bool):
        raise AdminInputError("invalid_arguments", "goodbye: true or false")
    return {"ended": app.hub.end_sessions(team, user, goodbye=goodbye)}


ENDPOINTS: dict[str, Endpoint] = {
    "act": act,
    "faults.clear": faults_clear,
    "faults.fail_next": faults_fail_next,
    "sessions.end": sessions_end,
    "workspace.apply": workspace_apply,
    "tokens.create": tokens_create,
    "tokens.revoke": tokens_revoke,
    "users.deactivate": users_deactivate,
    "teams.update": teams_update,
}


class AdminClientError(Exception):
    """An admin call that failed: the server's error code and message, or no answer."""

    def __init__(self, code: str, detail: str) -> None:
        super().__init__(f"{code}: {detail}" if detail else code)
        self.code = code


class AdminClient:
    """Calls a running server's admin API (what ``slackline admin ...`` uses)."""

    def __init__(self, base_url: str, admin_token: str, timeout_secs: float = 30.0) -> None:
        self._base_url = base_url.rstrip("/")
        self._admin_token = admin_token
        self._timeout_secs = timeout_secs

    def call(
        self, endpoint: str, body: bytes, content_type: str = "application/json"
    ) -> dict[str, Any]:
        """POST a body to an endpoint; the ``ok: true`` answer, else AdminClientError."""
        url = f"{self._base_url}{ADMIN_PREFIX}{endpoint}"
        if not url.startswith(("http://", "https://")):
            raise AdminClientError("bad_url", f"{self._base_url!r} is not an http(s) URL")
        request = urllib.request.Request(  # noqa: S310 - the scheme is checked above
            url,
            data=body,
            method="POST",
            headers={
                "Authorization": f"Bearer {self._admin_token}",
                "Content-Type": content_type,
            },
        )
        try:
            with urllib.request.urlopen(request, timeout=self._timeout_secs) as response:  # noqa: S310
                answer = json.loads(response.read())
        except urllib.error.HTTPError as exc:
            answer = _error_answer(exc)
        except (urllib.error.URLError, OSError) as exc:
            reason = getattr(exc, "reason", exc)
            raise AdminClientError(
                "unreachable", f"cannot reach {self._base_url}: {reason}"
            ) from exc
        if not isinstance(answer, dict) or not answer.get("ok"):
            error = answer if isinstance(answer, dict) else {}
            raise AdminClientError(str(error.get("error", "bad_answer")), error.get("detail", ""))
        return answer

    def call_json(self, endpoint: str, body: dict[str, Any]) -> dict[str, Any]:
        """POST a JSON object."""
        return self.call(endpoint, json.dumps(body).encode())


def _error_answer(exc: urllib.error.HTTPError) -> dict[str, Any]:
    try:
        answer = json.loads(exc.read())
    except ValueError:
        answer = None
    if isinstance(answer, dict):
        return answer
    return {"ok": False, "error": f"http_{exc.code}", "detail": str(exc.reason)}
