"""Sign-in, sign-out and sessions: the form, the cookie and its client token."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from slackline.web import WebHandler

ROUTES: tuple[tuple[str, WebHandler], ...] = ()
