"""Caller addresses and public URLs (decisions D.1, D.3): pure helpers."""

from __future__ import annotations

import re

from slackline.domain.auth import address_in

_SAFE_HOST = re.compile(r"^[A-Za-z0-9.\-]+(:\d{1,5})?$|^\[[0-9A-Fa-f:.]+\](:\d{1,5})?$")
_HAS_PORT = re.compile(r":\d{1,5}$")


def client_address(peer: str, forwarded_for: str | None, trusted: tuple[str, ...]) -> str:
    """The caller's address: the peer, or ``X-Forwarded-For`` when the peer is a trusted proxy.

    Walks the header from the right, skipping trusted proxies, so a client cannot forge
    its address by prepending entries.
    """
    if not forwarded_for or not trusted or not address_in(peer, trusted):
        return peer
    hops = [h.strip() for h in forwarded_for.split(",") if h.strip()]
    for hop in reversed(hops):
        if not address_in(hop, trusted):
            return hop
    return hops[0] if hops else peer


def valid_host(host_header: str | None) -> bool:
    """Whether a ``Host`` header is absent (HTTP/1.0) or a host name or address with an
    optional port; anything else is refused (400)."""
    return host_header is None or _SAFE_HOST.match(host_header) is not None


def request_base_url(scheme: str, host_header: str | None, listener_host: str) -> str:
    """``http(s)://host:port`` from the Host header (with the listener's port when it names
    none, since that is the port the client reached), or the listener if it is absent or odd.
    """
    if not host_header or not _SAFE_HOST.match(host_header):
        return f"{scheme}://{listener_host}"
    if _HAS_PORT.search(host_header) is None and _HAS_PORT.search(listener_host) is not None:
        port = listener_host.rsplit(":", 1)[1]
        return f"{scheme}://{host_header}:{port}"
    return f"{scheme}://{host_header}"


class PublicUrls:
    """The public HTTP bases handed to callers (decisions D.1): configured, or from the
    request's listener and ``Host``."""

    def __init__(self, public_url: str | None, tls_public_url: str | None) -> None:
        self._plain = public_url.rstrip("/") if public_url else None
        self._tls = tls_public_url.rstrip("/") if tls_public_url else None

    def base_url(self, scheme: str, host_header: str | None, listener_host: str) -> str:
        """``http(s)://host[:port]`` for a request that arrived on ``scheme``."""
        configured = self._tls if scheme == "https" else self._plain
        return configured or request_base_url(scheme, host_header, listener_host)


def websocket_base(base_url: str) -> str:
    """``ws(s)://host`` for an ``http(s)://host`` base (no trailing slash)."""
    if base_url.startswith("https://"):
        base = "wss://" + base_url[len("https://") :]
    elif base_url.startswith("http://"):
        base = "ws://" + base_url[len("http://") :]
    else:
        base = base_url
    return base.rstrip("/")


def socket_url(base_url: str, ticket: str) -> str:
    """``ws(s)://host/websocket/<ticket>`` for an ``http(s)://host`` base."""
    return f"{websocket_base(base_url)}/websocket/{ticket}"
