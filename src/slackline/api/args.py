"""Typed access to a call's string arguments, raising Slack's errors for bad values."""

from __future__ import annotations

from slackline.domain.pagination import decode_cursor, page_limit
from slackline.http.args import parse_bool


class ArgReader:
    """A call's arguments (all strings on the wire) with typed getters."""

    def __init__(self, args: dict[str, str]) -> None:
        self.raw = args

    def text(self, name: str, default: str = "") -> str:
        """A string argument; missing means ``default``."""
        return self.raw.get(name, default)

    def flag(self, name: str, default: bool = False) -> bool:
        """A boolean argument (decisions A.2); missing means ``default``."""
        value = self.raw.get(name)
        return default if value is None else parse_bool(value)

    def limit(self, default: int = 100) -> int:
        """``limit`` coerced as Slack does."""
        return page_limit(self.raw.get("limit"), default)

    def cursor(self, kind: str) -> str:
        """The key a ``cursor`` resumes after (``invalid_cursor`` if it is not ours)."""
        return decode_cursor(kind, self.raw.get("cursor", ""))
