"""The transport-neutral request and response the dispatcher works on."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(slots=True)
class Request:
    """One HTTP request, fully read (or marked incomplete when the body was cut short)."""

    method: str
    path: str
    query: bytes
    headers: dict[str, str]
    body: bytes
    peer: str
    scheme: str
    local: str = ""
    request_id: str = ""
    body_incomplete: bool = False

    def header(self, name: str) -> str | None:
        """A header by its lower-case name."""
        return self.headers.get(name)


@dataclass(slots=True)
class Response:
    """A response ready to be written: status, headers and body bytes."""

    status: int
    body: bytes
    headers: list[tuple[str, str]] = field(default_factory=list)
    content_type: str = "application/json; charset=utf-8"
    # Header lines rendered once for every response of a kind ("name: value\r\n" each),
    # written after ``headers``: what every Web API answer carries costs no formatting.
    head: str = ""
    # Set by the dispatcher for the log line (never a token).
    error: str = ""
