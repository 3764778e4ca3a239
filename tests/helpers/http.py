"""Starting test servers and talking to them over raw HTTP: settings, requests, Web API calls."""

from __future__ import annotations

import http.client
import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from slackline.app import Components
from slackline.config import Settings
from slackline.testing.server import ServerThread

WORKSPACE_FILE = str(Path(__file__).resolve().parents[1] / "workspace.yaml")
TEST_SECRET = b"0123456789abcdef0123456789abcdef"


@dataclass
class HttpResult:
    """A raw HTTP response: status, lower-cased headers and the parsed JSON body."""

    status: int
    headers: dict[str, str]
    body: dict[str, Any]


def make_settings(tmp_path: Path, **overrides: Any) -> Settings:
    """Settings for a test server: a SQLite file under tmp_path and the test workspace."""
    base: dict[str, Any] = {
        "host": "127.0.0.1",
        "port": 0,
        "database": f"sqlite:///{tmp_path / 'slackline.db'}",
        "workspaces": (WORKSPACE_FILE,),
        "secret_file": str(tmp_path / "secret"),
        "rate_limits": False,
        "drain_secs": 1.0,
    }
    base.update(overrides)
    return Settings(**base)


def start_server(
    tmp_path: Path, components: Components | None = None, **overrides: Any
) -> ServerThread:
    """Start a server thread; the caller stops it."""
    parts = components or Components(secret=TEST_SECRET)
    return ServerThread(make_settings(tmp_path, **overrides), parts).start()


def start_workspace_server(
    tmp_path: Path, *documents: str, components: Components | None = None, **overrides: Any
) -> ServerThread:
    """A server with the test workspace and then these workspace documents (YAML), each in a
    file of its own under ``tmp_path``; the caller stops it."""
    workspaces = [WORKSPACE_FILE]
    for number, document in enumerate(documents, 1):
        path = tmp_path / f"workspace-{number}.yaml"
        path.write_text(document, encoding="utf-8")
        workspaces.append(str(path))
    return start_server(tmp_path, components, workspaces=tuple(workspaces), **overrides)


def serving(server: ServerThread) -> Iterator[ServerThread]:
    """The server, stopped afterwards: what a fixture hands on with ``yield from``."""
    try:
        yield server
    finally:
        server.stop()


def http_request(
    port: int,
    method: str,
    path: str,
    body: bytes | str | None = None,
    headers: dict[str, str] | None = None,
    timeout_secs: float = 10.0,
) -> HttpResult:
    """One raw HTTP request to 127.0.0.1, returning status, headers and JSON body."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout_secs)
    try:
        data = body.encode() if isinstance(body, str) else body
        connection.request(method, path, body=data, headers=headers or {})
        response = connection.getresponse()
        raw = response.read()
        result_headers = {k.lower(): v for k, v in response.getheaders()}
        return HttpResult(response.status, result_headers, json.loads(raw) if raw else {})
    finally:
        connection.close()


def api(
    server: ServerThread,
    method: str,
    token: str | None = None,
    *,
    verb: str = "POST",
    **args: str,
) -> HttpResult:
    """Call a Web API method with a Bearer token and urlencoded arguments."""
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    if verb == "GET":
        query = f"?{urlencode(args)}" if args else ""
        return http_request(server.port, "GET", f"/api/{method}{query}", headers=headers)
    headers["Content-Type"] = "application/x-www-form-urlencoded"
    return http_request(server.port, "POST", f"/api/{method}", urlencode(args), headers)
