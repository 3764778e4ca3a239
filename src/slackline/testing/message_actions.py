"""The toolkit's actions for messages: ``/me`` messages, ephemerals, permalinks, posts under a
bot's own name, thread replies (broadcast or not), whole threads, and scheduled messages.

Each is one Web API call as the member (:meth:`ActingBase.act`), so it is checked, stored and
announced exactly as a client's call would be; a refused call raises AssertionError with
Slack's answer. Scheduled messages are posted by the server's clock: in deterministic mode,
:meth:`slackline.testing.toolkit.Slackline.advance` past ``post_at`` posts them before it
returns. The control API offers the same through its ``act`` and ``clock.advance`` endpoints.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from slackline.testing.actions import ActingBase, member_id

if TYPE_CHECKING:
    from slackline.testing.toolkit import Member

# Big pages: a thread or a schedule comes back in few calls.
PAGE_LIMIT = 200


class MessageActions(ActingBase):
    """Named calls for the area above, mixed into
    :class:`slackline.testing.toolkit.Slackline`."""

    def now(self) -> float:
        """The server's clock, in Unix seconds (:class:`~slackline.testing.toolkit.Slackline`
        provides it)."""
        raise NotImplementedError

    def me_message(self, member: Member | str, channel: str, text: str) -> str:
        """Post a ``/me`` message (``chat.meMessage``, subtype ``me_message``); its ts."""
        return str(self._ok(member, "chat.meMessage", channel=channel, text=text)["ts"])

    def ephemeral(
        self, member: Member | str, channel: str, to: Member | str, text: str, **args: Any
    ) -> str:
        """Show ``text`` to ``to`` alone in a channel (``chat.postEphemeral``), never stored;
        its ``message_ts``."""
        result = self._ok(
            member, "chat.postEphemeral", channel=channel, user=member_id(to), text=text, **args
        )
        return str(result["message_ts"])

    def permalink(self, member: Member | str, channel: str, ts: str) -> str:
        """The permalink of a message the member may see (``chat.getPermalink``)."""
        result = self._ok(member, "chat.getPermalink", channel=channel, message_ts=ts)
        return str(result["permalink"])

    def post_as_bot(
        self,
        member: Member | str,
        channel: str,
        text: str,
        *,
        username: str = "",
        icon_emoji: str = "",
        icon_url: str = "",
    ) -> dict[str, Any]:
        """Post a ``bot_message`` (``as_user=false``, with the name and icon given); the
        message as ``chat.postMessage`` answers it."""
        args = {"username": username, "icon_emoji": icon_emoji, "icon_url": icon_url}
        given = {key: value for key, value in args.items() if value}
        result = self._ok(
            member, "chat.postMessage", channel=channel, text=text, as_user=False, **given
        )
        return dict(result["message"])

    def reply(
        self,
        member: Member | str,
        channel: str,
        thread_ts: str,
        text: str,
        *,
        broadcast: bool = False,
        **args: Any,
    ) -> str:
        """Reply in the thread of ``thread_ts`` (also to the channel, as a
        ``thread_broadcast``, with ``broadcast``); the reply's ts."""
        if broadcast:
            args["reply_broadcast"] = True
        result = self._ok(
            member, "chat.postMessage", channel=channel, text=text, thread_ts=thread_ts, **args
        )
        return str(result["ts"])

    def thread(self, member: Member | str, channel: str, ts: str) -> list[dict[str, Any]]:
        """The whole thread ``ts`` belongs to as the member sees it, parent first
        (``conversations.replies``, every page)."""
        return self._every_page(
            member, "conversations.replies", "messages", channel=channel, ts=ts, limit=PAGE_LIMIT
        )

    def schedule(
        self,
        member: Member | str,
        channel: str,
        text: str,
        *,
        in_secs: float | None = None,
        post_at: int | None = None,
        **args: Any,
    ) -> str:
        """Schedule a message (``chat.scheduleMessage``) at ``post_at``, or ``in_secs`` from
        the server's clock now; its ``scheduled_message_id``."""
        if (in_secs is None) == (post_at is None):
            raise ValueError("give exactly one of in_secs and post_at")
        when = post_at if post_at is not None else int(self.now() + (in_secs or 0))
        result = self._ok(
            member, "chat.scheduleMessage", channel=channel, text=text, post_at=when, **args
        )
        return str(result["scheduled_message_id"])

    def unschedule(self, member: Member | str, channel: str, scheduled_id: str) -> None:
        """Delete a pending scheduled message (``chat.deleteScheduledMessage``)."""
        self._ok(
            member, "chat.deleteScheduledMessage", channel=channel,
            scheduled_message_id=scheduled_id,
        )  # fmt: skip

    def scheduled(self, member: Member | str, channel: str = "") -> list[dict[str, Any]]:
        """The member's pending scheduled messages (in one channel, or all), earliest first
        (``chat.scheduledMessages.list``, every page)."""
        return self._every_page(
            member, "chat.scheduledMessages.list", "scheduled_messages", channel=channel,
            limit=PAGE_LIMIT,
        )  # fmt: skip
