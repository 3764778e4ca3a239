"""Slack's JSON shapes for users, bots, conversations, teams and messages (pure)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from slackline.domain.models import Bot, Conversation, Message, Page, Team, User
from slackline.domain.pagination import encode_cursor
from slackline.domain.read_state import ReadState, read_fields

T = TypeVar("T")

_COLORS = ("9f69e7", "4bbe2e", "e7392d", "3c989f", "674b1b", "e96699", "e0a729", "684b6c")
_IMAGE_SIZES = (24, 32, 48, 72, 192, 512)
_AVATAR_BASE = "https://a.slack-edge.com/80588/img/avatars/ava_0001"
DEFAULT_LOCALE = "en-US"


def _profile(user: User) -> dict[str, Any]:
    display = str(user.profile.get("display_name", ""))
    profile: dict[str, Any] = {
        "title": "",
        "phone": "",
        "skype": "",
        "real_name": user.real_name,
        "real_name_normalized": user.real_name,
        "display_name": display,
        "display_name_normalized": display,
        "fields": {},
        "status_text": "",
        "status_emoji": "",
        "status_expiration": 0,
        "avatar_hash": "g" + user.id[-11:].lower(),
        "first_name": user.real_name.partition(" ")[0],
        "last_name": user.real_name.partition(" ")[2],
        "team": user.team_id,
    }
    profile.update({f"image_{s}": f"{_AVATAR_BASE}-{s}.png" for s in _IMAGE_SIZES})
    profile.update(user.profile)
    if user.is_bot:
        profile["bot_id"] = user.bot_id
        profile["always_active"] = False
    return profile


def user_object(
    user: User, *, include_2fa: bool = False, include_locale: bool = False
) -> dict[str, Any]:
    """The user object of users.list, users.info, team_join and user_change.

    ``has_2fa`` is shown to admins only, ``locale`` only when asked for, as Slack does.
    """
    obj: dict[str, Any] = {
        "id": user.id,
        "team_id": user.team_id,
        "name": user.name,
        "deleted": user.deleted,
        "color": _COLORS[sum(map(ord, user.id)) % len(_COLORS)],
        "real_name": user.real_name,
        "tz": user.tz,
        "tz_label": "Pacific Standard Time",
        "tz_offset": -28800,
        "profile": _profile(user),
        "is_admin": user.is_admin,
        "is_owner": user.is_owner,
        "is_primary_owner": False,
        "is_restricted": False,
        "is_ultra_restricted": False,
        "is_bot": user.is_bot,
        "is_app_user": False,
        "updated": user.updated,
    }
    if include_2fa:
        obj["has_2fa"] = user.has_2fa
    if include_locale:
        obj["locale"] = DEFAULT_LOCALE
    return obj


def bot_object(bot: Bot) -> dict[str, Any]:
    """The bot object of bots.info and rtm.start."""
    return {
        "id": bot.id,
        "deleted": bot.deleted,
        "name": bot.name,
        "updated": bot.updated,
        "app_id": "A" + bot.id[1:],
        "user_id": bot.user_id,
        "icons": {"image_36": f"{_AVATAR_BASE}-36.png", "image_48": f"{_AVATAR_BASE}-48.png"},
    }


def _text_field(conversation: Conversation, value: str, set_by: str, set_at: int) -> dict[str, Any]:
    """``{"value", "creator", "last_set"}``: who set it and when (``conversations.setTopic``);
    a text declared in a workspace file is the conversation creator's, from its creation."""
    if set_at:
        return {"value": value, "creator": set_by, "last_set": set_at}
    return {
        "value": value,
        "creator": conversation.creator if value else "",
        "last_set": conversation.created if value else 0,
    }


def topic_field(conversation: Conversation) -> dict[str, Any]:
    """The ``topic`` of every conversation shape."""
    c = conversation
    return _text_field(c, c.topic, c.topic_creator, c.topic_last_set)


def purpose_field(conversation: Conversation) -> dict[str, Any]:
    """The ``purpose`` of every conversation shape."""
    c = conversation
    return _text_field(c, c.purpose, c.purpose_creator, c.purpose_last_set)


def conversation_object(
    conversation: Conversation, *, is_member: bool, num_members: int | None = None
) -> dict[str, Any]:
    """The conversation object of conversations.list and conversations.info."""
    c = conversation
    if c.is_im:
        return {
            "id": c.id,
            "created": c.created,
            "is_im": True,
            "is_org_shared": False,
            "user": c.im_user,
            "is_user_deleted": False,
            "priority": 0,
        }
    obj: dict[str, Any] = {
        "id": c.id,
        "name": c.name,
        "is_channel": not c.is_mpim,
        "is_group": False,
        "is_im": False,
        "is_mpim": c.is_mpim,
        "is_private": c.is_private or c.is_mpim,
        "created": c.created,
        "is_archived": c.is_archived,
        "is_general": c.is_general,
        "unlinked": 0,
        "name_normalized": c.name,
        "is_shared": False,
        "is_org_shared": False,
        "is_pending_ext_shared": False,
        "pending_shared": [],
        "context_team_id": c.team_id,
        "updated": c.created * 1000,
        "parent_conversation": None,
        "creator": c.creator,
        "is_ext_shared": False,
        "shared_team_ids": [c.team_id],
        "pending_connected_team_ids": [],
        "is_member": is_member,
        "topic": topic_field(c),
        "purpose": purpose_field(c),
        "previous_names": [],
    }
    if num_members is not None:
        obj["num_members"] = num_members
    return obj


def im_read_state(latest: Message | None, state: ReadState | None = None) -> dict[str, Any]:
    """The keys conversations.info adds to an IM (and a group DM) for a member: open, read
    marker, latest message, unread counts."""
    shown = state or ReadState()
    return {
        "is_open": shown.is_open,
        "last_read": shown.last_read,
        "latest": message_object(latest) if latest is not None else None,
        "unread_count": shown.unread_count,
        "unread_count_display": shown.unread_count_display,
    }


def member_read_state(conversation: Conversation, state: ReadState) -> dict[str, Any]:
    """The read keys of a channel, group or group DM as its member sees it (legacy shapes,
    conversations.info): ``last_read`` and the unread counts, plus ``is_open`` for group DMs."""
    fields = read_fields(state)
    if conversation.is_mpim:
        fields["is_open"] = state.is_open
    return fields


def legacy_channel_object(
    conversation: Conversation,
    *,
    is_member: bool,
    members: list[str] | None,
    num_members: int | None = None,
) -> dict[str, Any]:
    """The historic channel object of channels.list and rtm.start.

    ``members=None`` leaves ``members`` out (channels.list ``exclude_members``); then
    ``num_members`` must be given.
    """
    c = conversation
    count = num_members if num_members is not None else len(members or ())
    obj: dict[str, Any] = {
        "id": c.id,
        "name": c.name,
        "is_channel": not (c.is_private or c.is_mpim),
        "is_group": c.is_private and not c.is_mpim,
        "created": c.created,
        "creator": c.creator,
        "is_archived": c.is_archived,
        "is_general": c.is_general,
        "name_normalized": c.name,
        "is_shared": False,
        "is_org_shared": False,
        "is_member": is_member,
        "is_private": c.is_private or c.is_mpim,
        "is_mpim": c.is_mpim,
        "members": members,
        "num_members": count,
        "topic": topic_field(c),
        "purpose": purpose_field(c),
        "previous_names": [],
    }
    if members is None:
        del obj["members"]
    return obj


def im_object(conversation: Conversation, *, user: str | None = None) -> dict[str, Any]:
    """The historic IM object of rtm.start and im.list; ``user`` is the other party as the
    caller sees it (the stored ``im_user`` when not given)."""
    return {
        "id": conversation.id,
        "is_im": True,
        "user": user if user is not None else conversation.im_user,
        "created": conversation.created,
        "is_user_deleted": False,
        "is_org_shared": False,
        "priority": 0,
    }


def team_object(team: Team) -> dict[str, Any]:
    """The team object of team.info."""
    obj: dict[str, Any] = {
        "id": team.id,
        "name": team.name,
        "url": "",
        "domain": team.domain,
        "email_domain": team.email_domain,
        "icon": {
            **{f"image_{s}": f"https://a.slack-edge.com/80588/img/avatars-teams/ava_0001-{s}.png"
               for s in (34, 44, 68, 88, 102, 132, 230)},
            "image_default": True,
        },
        "avatar_base_url": "https://ca.slack-edge.com/",
        "is_verified": False,
    }  # fmt: skip
    if team.enterprise_id:
        obj["enterprise_id"] = team.enterprise_id
        obj["enterprise_name"] = team.enterprise_name or ""
    return obj


# Posted under a bot's own name (``username``, ``icons``): Slack shows no ``user`` for them.
BOT_MESSAGE_SUBTYPE = "bot_message"


def message_object(message: Message) -> dict[str, Any]:
    """The message object of chat.postMessage and conversations.history.

    A ``bot_message`` (posted with ``username``, an icon or ``as_user=false``) carries
    ``bot_id``, ``username`` and ``icons`` but no ``user``, as Slack shapes it; the stored
    ``user`` still says who may edit it. A thread's summary is added by the caller
    (:func:`slackline.domain.threads.parent_fields`).
    """
    obj: dict[str, Any] = {"type": "message"}
    if message.subtype:
        obj["subtype"] = message.subtype
    obj["text"] = message.text
    if message.subtype != BOT_MESSAGE_SUBTYPE:
        obj["user"] = message.user
    obj["ts"] = message.ts
    if message.bot_id:
        obj["bot_id"] = message.bot_id
    obj["team"] = message.team_id
    if message.thread_ts:
        obj["thread_ts"] = message.thread_ts
    if message.edited:
        obj["edited"] = dict(message.edited)
    obj.update(message.extra)
    return obj


def page_of(items: list[T], limit: int, kind: str, key: Callable[[T], str]) -> Page[T]:
    """One page from ``limit + 1`` fetched rows: the extra row only says another page exists.

    The cursor resumes after the key of the page's last item; empty on the last page.
    """
    if len(items) <= limit:
        return Page(items)
    shown = items[:limit]
    return Page(shown, encode_cursor(kind, key(shown[-1])))
