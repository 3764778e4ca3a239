"""Reading a request's ``Cookie`` header and writing ``Set-Cookie`` (RFC 6265), pure."""

from __future__ import annotations

import re

# A cookie value as RFC 6265 allows it unquoted: what this server ever sets.
_COOKIE_VALUE = re.compile(r"[!#-+\--:<-\[\]-~]*")


def cookie_value(header: str | None, name: str) -> str | None:
    """The value of the first cookie called ``name`` in a ``Cookie`` header, or None.

    A value with characters RFC 6265 does not allow is treated as absent: this server
    never sets one.
    """
    if not header:
        return None
    for pair in header.split(";"):
        key, sep, value = pair.strip().partition("=")
        if sep and key == name:
            value = value.strip()
            if value.startswith('"') and value.endswith('"') and len(value) >= 2:
                value = value[1:-1]
            return value if _COOKIE_VALUE.fullmatch(value) else None
    return None


def set_cookie(name: str, value: str, *, secure: bool, max_age_secs: int | None = None) -> str:
    """A ``Set-Cookie`` value: ``HttpOnly``, ``SameSite=Lax``, ``Path=/``, and ``Secure``
    when the request came over TLS; ``max_age_secs`` 0 deletes the cookie."""
    parts = [f"{name}={value}", "HttpOnly", "SameSite=Lax", "Path=/"]
    if max_age_secs is not None:
        parts.append(f"Max-Age={max_age_secs}")
    if secure:
        parts.append("Secure")
    return "; ".join(parts)
