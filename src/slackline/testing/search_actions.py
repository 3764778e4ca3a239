"""The toolkit's actions for search, pins, stars and the reactions a member made.

Each is one Web API call as the member (:meth:`ActingBase.act`), so it is checked, stored
and announced exactly as a client's call would be (``pin_added`` to the conversation's
members, ``star_added`` to the member's own sessions); a refused call raises AssertionError
with Slack's answer. Searching needs a person: a bot's search is refused (``is_bot``), as
Slack refuses it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from slackline.testing.actions import ActingBase, member_id

if TYPE_CHECKING:
    from slackline.testing.toolkit import Member

# Big pages: every match or item comes back in few calls.
PAGE_COUNT = 100


class SearchActions(ActingBase):
    """Named calls for the area above, mixed into
    :class:`slackline.testing.toolkit.Slackline`."""

    def search(self, member: Member | str, query: str, **args: Any) -> list[dict[str, Any]]:
        """The matches of ``search.messages`` the member would see (the first page; pass
        ``count``, ``page``, ``sort``, ``sort_dir`` or ``highlight`` as Slack takes them)."""
        args.setdefault("count", PAGE_COUNT)
        result = self._ok(member, "search.messages", query=query, **args)
        return list(result["messages"]["matches"])

    def search_texts(self, member: Member | str, query: str, **args: Any) -> list[str]:
        """The texts of :meth:`search`'s matches, in the order shown."""
        return [str(match["text"]) for match in self.search(member, query, **args)]

    def pin(self, member: Member | str, channel: str, ts: str) -> None:
        """Pin a message (``pins.add``)."""
        self._ok(member, "pins.add", channel=channel, timestamp=ts)

    def unpin(self, member: Member | str, channel: str, ts: str) -> None:
        """Unpin a message (``pins.remove``)."""
        self._ok(member, "pins.remove", channel=channel, timestamp=ts)

    def pinned(self, member: Member | str, channel: str) -> list[str]:
        """The ts of each message pinned in a conversation, the newest pin first
        (``pins.list``)."""
        items = self._ok(member, "pins.list", channel=channel)["items"]
        return [str(item["message"]["ts"]) for item in items]

    def star(self, member: Member | str, channel: str, ts: str | None = None) -> None:
        """Star a message, or the conversation itself without ``ts`` (``stars.add``)."""
        self._ok(member, "stars.add", **_item(channel, ts))

    def unstar(self, member: Member | str, channel: str, ts: str | None = None) -> None:
        """Take a star back (``stars.remove``)."""
        self._ok(member, "stars.remove", **_item(channel, ts))

    def starred(self, member: Member | str) -> list[dict[str, Any]]:
        """Every item the member starred, the newest first (``stars.list``, every page)."""
        return self._every_page(member, "stars.list", "items", limit=PAGE_COUNT)

    def reacted(
        self, member: Member | str, user: Member | str | None = None
    ) -> list[dict[str, Any]]:
        """Every message ``user`` (the member by default) reacted to that the member may
        see, the latest reaction first (``reactions.list``, every page)."""
        args = {"user": member_id(user)} if user is not None else {}
        return self._every_page(member, "reactions.list", "items", limit=PAGE_COUNT, **args)


def _item(channel: str, ts: str | None) -> dict[str, str]:
    return {"channel": channel, "timestamp": ts} if ts is not None else {"channel": channel}
