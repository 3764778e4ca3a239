"""The control API's own error codes (not Slack's: its callers are tests, not Slack clients).

Every ``/_slackline/`` failure answers ``{"ok": false, "error": <code>, "detail": <text>}``
with the HTTP status the code is raised with; the codes are these and the workspace
service's (:class:`~slackline.services.workspace.WorkspaceErrorCode`).
"""

from __future__ import annotations

import enum


class ControlErrorCode(enum.StrEnum):
    """Codes of control API failures, as they appear on the wire."""

    NOT_FOUND = "not_found"
    NOT_AUTHED = "not_authed"
    INVALID_AUTH = "invalid_auth"
    UNKNOWN_ENDPOINT = "unknown_endpoint"
    METHOD_NOT_ALLOWED = "method_not_allowed"
    REQUEST_TIMEOUT = "request_timeout"
    INVALID_JSON = "invalid_json"
    JSON_NOT_OBJECT = "json_not_object"
    INVALID_ARGUMENTS = "invalid_arguments"
    INVALID_WORKSPACE = "invalid_workspace"
    INVALID_SCENARIO = "invalid_scenario"
    JOURNAL_OFF = "journal_off"
    TIMEOUT = "timeout"
    CLOCK_NOT_MANUAL = "clock_not_manual"
    INTERNAL_ERROR = "internal_error"
    FATAL_ERROR = "fatal_error"


class ControlError(Exception):
    """A control request that cannot be served: HTTP ``status``, ``code`` and a message."""

    def __init__(self, status: int, code: ControlErrorCode, detail: str) -> None:
        super().__init__(detail)
        self.status = status
        self.code = code
        self.detail = detail


class ControlInputError(ControlError):
    """A body the endpoint cannot use; answered 400 with ``code`` and the message."""

    def __init__(self, code: ControlErrorCode, detail: str) -> None:
        super().__init__(400, code, detail)
