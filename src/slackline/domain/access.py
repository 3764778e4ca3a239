"""Who may see and post in a conversation: the one statement of the rules, pure.

- A conversation of another team, or an unknown one, is ``channel_not_found``.
- Public channels are visible to everyone in their team (history included, without
  joining); private channels, DMs and group DMs only to their members. A non-member asking
  for one gets ``channel_not_found``, so they never learn it exists (Slack answers the same).
- Posting needs membership: a public channel the poster has not joined is
  ``not_in_channel`` (Slack refuses classic bots outside the channel; Slackline applies it to
  every token) unless the token may post publicly (``chat:write.public``, public channels
  only); an archived conversation is ``is_archived``.

Storage applies the same visibility rule in its listing query (``Store.list_conversations``
with ``viewer``); everything else asks here, through
:class:`slackline.services.access.ConversationAccess`.
"""

from __future__ import annotations

from slackline.domain.models import Conversation
from slackline.errors import SlackError, SlackErrorCode


def members_only(conversation: Conversation) -> bool:
    """Whether only members may see the conversation (private channels, DMs, group DMs)."""
    return conversation.is_private or conversation.is_im or conversation.is_mpim


def is_public_channel(conversation: Conversation) -> bool:
    """A channel anyone in the team may see and join."""
    return not members_only(conversation)


def require_visible(
    conversation: Conversation | None, team_id: str, *, is_member: bool
) -> Conversation:
    """The conversation if a user of ``team_id`` (a member or not) may see it."""
    if conversation is None or conversation.team_id != team_id:
        raise SlackError(SlackErrorCode.CHANNEL_NOT_FOUND)
    if members_only(conversation) and not is_member:
        raise SlackError(SlackErrorCode.CHANNEL_NOT_FOUND)
    return conversation


def require_postable(
    conversation: Conversation | None,
    team_id: str,
    *,
    is_member: bool,
    public_without_membership: bool,
) -> Conversation:
    """The conversation if the user may post (and type) in it."""
    visible = require_visible(conversation, team_id, is_member=is_member)
    if not is_member and not public_without_membership:
        raise SlackError(SlackErrorCode.NOT_IN_CHANNEL)
    if visible.is_archived:
        raise SlackError(SlackErrorCode.IS_ARCHIVED)
    return visible


def lifecycle_audience(
    conversation: Conversation, members: frozenset[str]
) -> frozenset[str] | None:
    """Who hears of a channel's creation, renaming, archiving: the team, or the members."""
    return None if is_public_channel(conversation) else members
