"""Handlers of client frames: ``message``, ``typing``, ``presence_sub``, ``presence_query``.

They share the Web API's rules through the services (a ``message`` is checked and stored
exactly like ``chat.postMessage``) and translate its Slack errors to RTM codes here.

``presence_sub`` and ``presence_query`` take at most :data:`MAX_PRESENCE_IDS` ids. Slack
publishes no bound (it recommends subscribing to about 500 users); what bounds a real client
is the 16 KiB client frame, which wee-slack sizes its list to (its 750 first users and
itself: some 10.5 KB of 11-character ids). Ours is 2,000 ids: more than a frame can carry of
Slack-length ids (at most about 1,360 of 9 characters or more), so a client within the frame
limit never meets it with Slack's ids, while it still bounds what one session subscribes to
whatever the ids look like. A longer list is refused whole (code 9) and the session's
subscriptions stay as they were. Unknown ids and other teams' users are ignored.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from slackline.domain.models import Message, User
from slackline.domain.ts import micros_to_ts, parse_ts_arg
from slackline.errors import RtmError, RtmErrorCode, SlackError, SlackErrorCode
from slackline.rtm.client import ClientFrames, message_reply
from slackline.rtm.hub import SessionHub, presence_frame
from slackline.services.container import Services
from slackline.services.messages import MAX_RTM_TEXT_CHARS, check_text
from slackline.shared.base import WritesInFlight
from slackline.storage.base import ALL_ROWS

if TYPE_CHECKING:
    from slackline.rtm.session import RtmSession

MAX_PRESENCE_IDS = 2_000
# Up to this many ids are looked up one by one; more, and the team's users are read at once.
PRESENCE_LOOKUPS_ONE_BY_ONE = 32
_SLACK_TO_RTM = {
    SlackErrorCode.CHANNEL_NOT_FOUND: RtmErrorCode.CHANNEL_NOT_FOUND,
    SlackErrorCode.NOT_IN_CHANNEL: RtmErrorCode.NOT_IN_CHANNEL,
    SlackErrorCode.IS_ARCHIVED: RtmErrorCode.IS_ARCHIVED,
    SlackErrorCode.NO_TEXT: RtmErrorCode.TEXT_MISSING,
    SlackErrorCode.MSG_TOO_LONG: RtmErrorCode.MESSAGE_TOO_LONG,
}


class RtmHandlers:
    """The frame handlers, over the services every transport shares."""

    def __init__(self, services: Services, hub: SessionHub, writes: WritesInFlight) -> None:
        self._services = services
        self._hub = hub
        self._writes = writes

    def register(self, frames: ClientFrames) -> None:
        """Route each client frame type to its handler."""
        frames.register("message", self.message)
        frames.register("typing", self.typing)
        frames.register("presence_sub", self.presence_sub)
        frames.register("presence_query", self.presence_query)

    async def _conversation_for(self, session: RtmSession, channel: object) -> str:
        if not isinstance(channel, str) or not channel:
            raise RtmError(RtmErrorCode.CHANNEL_MISSING)
        try:
            conversation = await self._services.access.postable(
                session.team_id, session.user_id, channel, public_without_membership=False
            )
        except SlackError as error:
            raise _rtm_error(error) from error
        return conversation.id

    async def message(
        self, session: RtmSession, document: dict[str, Any], reply_to: int | None
    ) -> bytes | None:
        """Post a message; acknowledge with its ``ts`` and ``text``."""
        text = document.get("text")
        if not isinstance(text, str):
            raise RtmError(RtmErrorCode.TEXT_MISSING)
        try:
            check_text(text, has_rich_content=False, max_chars=MAX_RTM_TEXT_CHARS)
        except SlackError as error:
            raise _rtm_error(error) from error
        channel = await self._conversation_for(session, document.get("channel"))
        draft = Message(
            channel=channel,
            ts="",
            team_id=session.team_id,
            user=session.user_id,
            text=text,
            bot_id=session.bot_id,
            thread_ts=_thread_ts(document.get("thread_ts")),
        )
        broadcast = document.get("reply_broadcast") is True
        async with self._writes.writing(session.team_id):
            posted = await self._services.messages.post_message(draft, broadcast=broadcast)
        return message_reply(reply_to, posted.message.ts, posted.message.text)

    async def typing(
        self, session: RtmSession, document: dict[str, Any], reply_to: int | None
    ) -> bytes | None:
        """``user_typing`` to the channel's other members; no reply unless an error."""
        channel = document.get("channel")
        if not isinstance(channel, str) or not channel:
            raise RtmError(RtmErrorCode.CHANNEL_MISSING)
        try:
            await self._services.typing.typing(session.team_id, channel, session.user_id)
        except SlackError as error:
            raise _rtm_error(error) from error
        return None

    async def presence_sub(
        self, session: RtmSession, document: dict[str, Any], reply_to: int | None
    ) -> bytes | None:
        """Replace the subscriptions; send newly added users' current presence once."""
        ids = _presence_ids(document)
        added = self._hub.set_subscriptions(session, frozenset(ids))
        await self._send_presence(session, [user for user in ids if user in added])
        return None

    async def presence_query(
        self, session: RtmSession, document: dict[str, Any], reply_to: int | None
    ) -> bytes | None:
        """Send the current presence of the listed users; subscriptions are unchanged."""
        await self._send_presence(session, list(dict.fromkeys(_presence_ids(document))))
        return None

    async def _team_users(self, team_id: str, ids: list[str]) -> list[User]:
        """The users of ``ids`` that are the team's, in order: one lookup each for a short
        list, the team's users at once for a long one (wee-slack's 751 would be 751 reads);
        another team's users are never visible."""
        reads = self._services.reads
        if len(ids) <= PRESENCE_LOOKUPS_ONE_BY_ONE:
            found = [await reads.get_user(user_id) for user_id in ids]
            return [user for user in found if user is not None and user.team_id == team_id]
        team = {user.id: user for user in await reads.list_users(team_id, "", ALL_ROWS)}
        return [team[user_id] for user_id in ids if user_id in team]

    async def _send_presence(self, session: RtmSession, users: list[str]) -> None:
        visible = await self._team_users(session.team_id, users)
        by_presence: dict[str, list[str]] = {}
        presences = await self._services.presence.presences(visible)
        for user, presence in zip(visible, presences, strict=True):
            by_presence.setdefault(presence, []).append(user.id)
        hub = self._hub
        for presence, changed in by_presence.items():
            if session.batch_presence_aware:
                hub.queue(session, presence_frame(changed, presence, batched=True))
            else:
                for user_id in changed:
                    hub.queue(session, presence_frame([user_id], presence, batched=False))


def _thread_ts(value: object) -> str | None:
    """A frame's ``thread_ts`` as a ts (any number of decimals); anything else is no thread."""
    micros = parse_ts_arg(value) if isinstance(value, str) else None
    return micros_to_ts(micros) if micros else None


def _presence_ids(document: dict[str, Any]) -> list[str]:
    ids = document.get("ids")
    if not isinstance(ids, list) or len(ids) > MAX_PRESENCE_IDS:
        raise RtmError(RtmErrorCode.INVALID_IDS)
    if not all(isinstance(user, str) for user in ids):
        raise RtmError(RtmErrorCode.INVALID_IDS)
    return ids


def _rtm_error(error: SlackError) -> RtmError:
    return RtmError(_SLACK_TO_RTM.get(error.code, RtmErrorCode.SERVER_ERROR))
