"""The web client at `/` and its static assets."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from slackline.web import WebHandler

ROUTES: tuple[tuple[str, WebHandler], ...] = ()
