"""Where the server is in its life: starting, ready, draining (decisions B.7)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(slots=True)
class Lifecycle:
    """Shared by the router, the dispatcher, the socket endpoint and the drain."""

    ready: bool = False
    draining: bool = False
