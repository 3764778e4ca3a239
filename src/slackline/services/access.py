"""Loading what a caller asks for and applying :mod:`slackline.domain.access` to it.

Every handler and service that needs "may this user see this conversation, post in it, or
read this message" asks :class:`ConversationAccess`; the rules themselves are the pure
functions of :mod:`slackline.domain.access`. Conversations and members are read through the
:class:`~slackline.services.messages.ConversationCache` (in memory when this process is the
only writer, from storage otherwise).
"""

from __future__ import annotations

from slackline.domain.access import require_postable, require_visible
from slackline.domain.models import Conversation, Message, User
from slackline.domain.ts import micros_to_ts, parse_ts_arg
from slackline.domain.usergroups import Usergroup
from slackline.errors import SlackError, SlackErrorCode
from slackline.services.conversation_cache import ConversationCache
from slackline.storage.base import StoreReader


class ConversationAccess:
    """Conversations, messages, users and user groups as one team's user may reach them."""

    def __init__(self, reads: StoreReader, conversations: ConversationCache) -> None:
        self._reads = reads
        self._conversations = conversations

    async def visible(
        self, team_id: str, user_id: str, channel_id: str
    ) -> tuple[Conversation, bool]:
        """The conversation the user may see, and whether they are a member of it."""
        conversation, is_member = await self._load(user_id, channel_id)
        return require_visible(conversation, team_id, is_member=is_member), is_member

    async def postable(
        self, team_id: str, user_id: str, channel_id: str, *, public_without_membership: bool
    ) -> Conversation:
        """The conversation the user may post (and type) in, or the error saying why not."""
        conversation, is_member = await self._load(user_id, channel_id)
        return require_postable(
            conversation,
            team_id,
            is_member=is_member,
            public_without_membership=public_without_membership,
        )

    async def is_member(self, conversation_id: str, user_id: str) -> bool:
        """Whether the user is a member of the conversation."""
        return await self._conversations.is_member(conversation_id, user_id)

    async def count_members(self, conversation_id: str) -> int:
        """How many members the conversation has."""
        return await self._conversations.count_members(conversation_id)

    async def message(
        self,
        conversation: Conversation,
        ts: str,
        *,
        malformed: SlackErrorCode,
        missing: SlackErrorCode = SlackErrorCode.MESSAGE_NOT_FOUND,
    ) -> Message:
        """The conversation's message at ``ts``: ``malformed`` when ``ts`` is not a ts,
        ``missing`` when there is no such message."""
        micros = parse_ts_arg(ts)
        if micros is None:
            raise SlackError(malformed)
        found = await self._reads.get_message(conversation.id, micros_to_ts(micros))
        if found is None:
            raise SlackError(missing)
        return found

    async def team_user(self, team_id: str, user_id: str) -> User:
        """A user of the team; another team's, an unknown or no id is ``user_not_found``."""
        user = await self._reads.get_user(user_id) if user_id else None
        if user is None or user.team_id != team_id:
            raise SlackError(SlackErrorCode.USER_NOT_FOUND)
        return user

    async def team_usergroup(
        self, team_id: str, usergroup_id: str, *, include_disabled: bool
    ) -> Usergroup:
        """A user group of the team; another team's, an unknown or no id, or a disabled
        group unless ``include_disabled``, is ``no_such_subteam``."""
        group = await self._reads.usergroups.get_usergroup(usergroup_id) if usergroup_id else None
        if group is None or group.team_id != team_id or (group.disabled and not include_disabled):
            raise SlackError(SlackErrorCode.NO_SUCH_SUBTEAM)
        return group

    async def _load(self, user_id: str, channel_id: str) -> tuple[Conversation | None, bool]:
        if not channel_id:
            return None, False
        conversation = await self._conversations.conversation(channel_id)
        if conversation is None:
            return None, False
        return conversation, await self._conversations.is_member(conversation.id, user_id)
