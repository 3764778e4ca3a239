"""The OpenAPI 3 description of the control API, built from the endpoint table itself (every
endpoint's parameters, answer keys and particular errors), so it cannot drift from the code."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from slackline import __version__
from slackline.control.params import object_schema
from slackline.control.router import ADMIN_PREFIX, OPENAPI_PATH
from slackline.control.spec import Endpoint

_ERROR = {"$ref": "#/components/schemas/Error"}
_COMMON_ERRORS = (
    (400, "bad input: invalid_json, json_not_object, invalid_arguments, request_timeout"),
    (401, "not_authed (no admin token) or invalid_auth (a wrong one)"),
    (405, "method_not_allowed: anything but POST"),
    (500, "internal_error (storage failed) or fatal_error; details in the server log"),
)


def _error_response(description: str) -> dict[str, Any]:
    return {"description": description,
            "content": {"application/json": {"schema": _ERROR}}}  # fmt: skip


def _request_body(endpoint: Endpoint) -> dict[str, Any]:
    if endpoint.body == "document":
        free = {"type": "object", "description": "a YAML or JSON document"}
        return {"required": True, "content": {
            "application/yaml": {"schema": {"type": "string"}},
            "application/json": {"schema": free},
        }}  # fmt: skip
    schema = object_schema(endpoint.params)
    return {"required": False, "content": {"application/json": {"schema": schema}}}


def _operation(endpoint: Endpoint) -> dict[str, Any]:
    answer = {
        "type": "object",
        "properties": {"ok": {"type": "boolean", "enum": [True]},
                       **{key: {} for key in endpoint.answer}},
        "required": ["ok"],
    }  # fmt: skip
    responses: dict[str, Any] = {
        "200": {"description": "done", "content": {"application/json": {"schema": answer}}}
    }
    particular: dict[int, list[str]] = {}
    for status, code in endpoint.errors:
        particular.setdefault(status, []).append(code)
    for status, description in _COMMON_ERRORS:
        codes = particular.pop(status, [])
        text = f"{description}; {', '.join(codes)}" if codes else description
        responses[str(status)] = _error_response(text)
    for status, codes in particular.items():
        responses[str(status)] = _error_response(", ".join(codes))
    return {
        "operationId": endpoint.name.replace(".", "_"),
        "summary": endpoint.summary,
        "tags": [endpoint.name.split(".", 1)[0] if "." in endpoint.name else "control"],
        "requestBody": _request_body(endpoint),
        "responses": responses,
    }


def openapi_document(endpoints: Iterable[Endpoint]) -> dict[str, Any]:
    """The whole description: one POST path per endpoint, and this document's own path."""
    paths: dict[str, Any] = {
        f"{ADMIN_PREFIX}{e.name}": {"post": _operation(e)}
        for e in sorted(endpoints, key=lambda e: e.name)
    }
    paths[OPENAPI_PATH] = {"get": {
        "operationId": "openapi",
        "summary": "This description.",
        "tags": ["control"],
        "responses": {"200": {"description": "an OpenAPI 3 document",
                              "content": {"application/json": {"schema": {"type": "object"}}}},
                      "401": _error_response("not_authed or invalid_auth")},
    }}  # fmt: skip
    return {
        "openapi": "3.0.3",
        "info": {
            "title": "Slackline control API",
            "version": __version__,
            "description": "Seed, act, observe and inject faults in a running Slackline "
            "(docs/admin.md). Off unless the server runs with --admin-token.",
        },
        "servers": [{"url": "/"}],
        "security": [{"adminToken": []}],
        "paths": paths,
        "components": {
            "securitySchemes": {"adminToken": {"type": "http", "scheme": "bearer"}},
            "schemas": {"Error": {
                "type": "object",
                "properties": {"ok": {"type": "boolean", "enum": [False]},
                               "error": {"type": "string"}, "detail": {"type": "string"}},
                "required": ["ok", "error"],
            }},
        },
    }  # fmt: skip
