"""The one place where Web API results and Slack errors become HTTP responses."""

from __future__ import annotations

from typing import Any

from slackline.domain.permalinks import PermalinkTarget, permalink_page
from slackline.errors import SlackError, SlackErrorCode, SlackWarningCode
from slackline.http.request import Response
from slackline.jsonbytes import dumps

# Statuses other than 200 for ok:false bodies (decisions A.1).
_ERROR_STATUS = {
    SlackErrorCode.RATELIMITED: 429,
    SlackErrorCode.SERVICE_UNAVAILABLE: 503,
}
_COMMON_HEADERS = (
    ("cache-control", "private, no-cache, no-store, must-revalidate"),
    ("pragma", "no-cache"),
    ("access-control-allow-origin", "*"),
    ("access-control-expose-headers", "x-slack-req-id, retry-after"),
)
# Every Web API answer's fixed headers, rendered once (Response.head).
_COMMON_HEAD = "".join(f"{name}: {value}\r\n" for name, value in _COMMON_HEADERS)


def encode_json(document: dict[str, Any]) -> bytes:
    """Compact JSON bytes, non-ASCII kept as UTF-8."""
    return dumps(document)


def _with_warnings(document: dict[str, Any], warnings: list[SlackWarningCode]) -> dict[str, Any]:
    """Add the request's warnings to any a handler already gave (``already_in_channel``)."""
    if not warnings and "response_metadata" not in document:
        return document
    metadata = document.get("response_metadata") or {}
    codes = list(dict.fromkeys([*metadata.get("warnings", []), *(w.value for w in warnings)]))
    if codes:
        document["warning"] = ",".join(codes)
        document["response_metadata"] = {**metadata, "warnings": codes}
    return document


def _headers(
    request_id: str, scopes: str | None, accepted_scopes: str | None
) -> list[tuple[str, str]]:
    headers = [("x-slack-req-id", request_id)]
    if scopes is not None:
        headers.append(("x-oauth-scopes", scopes))
    if accepted_scopes is not None:
        headers.append(("x-accepted-oauth-scopes", accepted_scopes))
    return headers


def ok_response(
    payload: dict[str, Any],
    *,
    request_id: str,
    warnings: list[SlackWarningCode],
    scopes: str | None = None,
    accepted_scopes: str | None = None,
) -> Response:
    """``{"ok": true, ...payload}`` with status 200."""
    document = _with_warnings({"ok": True, **payload}, warnings)
    headers = _headers(request_id, scopes, accepted_scopes)
    return Response(200, encode_json(document), headers, head=_COMMON_HEAD)


def error_response(
    error: SlackError,
    *,
    request_id: str,
    warnings: list[SlackWarningCode],
    scopes: str | None = None,
    accepted_scopes: str | None = None,
) -> Response:
    """``{"ok": false, "error": code, ...}`` with the status decisions A.1 gives the code."""
    document = _with_warnings({"ok": False, "error": error.code.value, **error.fields}, warnings)
    headers = _headers(request_id, scopes, accepted_scopes)
    retry_after = error.retry_after_secs
    if error.code is SlackErrorCode.SERVICE_UNAVAILABLE and retry_after is None:
        retry_after = 1
    if retry_after is not None:
        headers.append(("retry-after", str(retry_after)))
    status = _ERROR_STATUS.get(error.code, 200)
    response = Response(status, encode_json(document), headers, head=_COMMON_HEAD)
    response.error = error.code.value
    return response


def plain_response(status: int, document: dict[str, Any], request_id: str = "") -> Response:
    """A JSON response outside the Slack envelope (health checks, admin API, HTTP errors)."""
    headers = [("x-slack-req-id", request_id)] if request_id else []
    return Response(status, encode_json(document), headers)


def permalink_response(target: PermalinkTarget, request_id: str = "") -> Response:
    """The small HTML page a GET of a message permalink answers (domain/permalinks.py)."""
    headers = [("x-slack-req-id", request_id)] if request_id else []
    headers.append(("cache-control", "no-cache"))
    body = permalink_page(target).encode()
    return Response(200, body, headers, content_type="text/html; charset=utf-8")
