"""The toolkit's actions for conversations: topics, purposes, DMs and group DMs, read marks
and the conversations a member is in.

Each is one Web API call as the member (:meth:`ActingBase.act`), so it is checked, stored
and announced exactly as a client's call would be; a refused call raises AssertionError
with Slack's answer. :meth:`slackline.testing.toolkit.Slackline.dm` opens a DM.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from slackline.testing.actions import ActingBase, member_id

if TYPE_CHECKING:
    from slackline.testing.toolkit import Member

ALL_TYPES = "public_channel,private_channel,mpim,im"
# Big pages: a member's conversations come back in few calls.
PAGE_LIMIT = 200


class ConversationActions(ActingBase):
    """Named calls for the area above, mixed into
    :class:`slackline.testing.toolkit.Slackline`."""

    def set_topic(self, member: Member | str, channel: str, topic: str) -> dict[str, Any]:
        """Set a channel's topic (``conversations.setTopic``); the channel as answered."""
        result = self._ok(member, "conversations.setTopic", channel=channel, topic=topic)
        return dict(result["channel"])

    def set_purpose(self, member: Member | str, channel: str, purpose: str) -> dict[str, Any]:
        """Set a channel's purpose (``conversations.setPurpose``); the channel as answered."""
        result = self._ok(member, "conversations.setPurpose", channel=channel, purpose=purpose)
        return dict(result["channel"])

    def group_dm(self, member: Member | str, *others: Member | str) -> str:
        """The group DM of the member and ``others`` (opened as the member); its id."""
        users = ",".join(member_id(other) for other in others)
        return str(self._ok(member, "conversations.open", users=users)["channel"]["id"])

    def close_dm(self, member: Member | str, channel: str) -> bool:
        """Close a DM or group DM for the member; False when it was closed already."""
        result = self._ok(member, "conversations.close", channel=channel)
        return not result.get("already_closed", False)

    def mark_read(self, member: Member | str, channel: str, ts: str) -> None:
        """Move the member's read marker in a conversation to ``ts``."""
        self._ok(member, "conversations.mark", channel=channel, ts=ts)

    def read_state(self, member: Member | str, channel: str) -> dict[str, Any]:
        """The member's ``last_read``, ``unread_count`` and ``unread_count_display`` in a
        conversation they are in (``conversations.info``)."""
        shown = self._ok(member, "conversations.info", channel=channel)["channel"]
        keys = ("last_read", "unread_count", "unread_count_display")
        return {key: shown[key] for key in keys}

    def conversations_of(
        self, member: Member | str, user: Member | str | None = None, *, types: str = ALL_TYPES
    ) -> list[str]:
        """The ids of the conversations ``user`` (the member by default) is in that the
        member may see (``users.conversations``, every page)."""
        args: dict[str, Any] = {"types": types, "limit": PAGE_LIMIT}
        if user is not None:
            args["user"] = member_id(user)
        channels = self._every_page(member, "users.conversations", "channels", **args)
        return [str(channel["id"]) for channel in channels]
