"""``chat.postMessage``, ``chat.meMessage``, ``chat.postEphemeral``, ``chat.getPermalink``.

``channel`` must be a conversation id (C…, G…, D…); names and user ids are
``channel_not_found``. Who may post where is :mod:`slackline.domain.access`'s rule:
members only (public channels included, as Slack does for classic bots), unless the token
has ``chat:write.public`` (public channels only). A private channel, DM or group DM the
poster is not in is ``channel_not_found``, as if it did not exist; a public channel the
poster has not joined is ``not_in_channel``. Checks run in this order: ``channel_not_found``,
``not_in_channel``, ``is_archived``, then the content (``invalid_blocks_format``,
``invalid_attachments``, ``too_many_attachments``, ``no_text``, ``msg_too_long``).

``ok`` is sent only after the message is committed (decisions F.1). A message posted with a
bot token carries both ``user`` (the bot user) and ``bot_id`` (decisions E.4), unless it is
posted under the bot's own name (:func:`authorship`): then it is a ``bot_message``.
Threads and broadcasts: :mod:`slackline.services.messages`. Every choice is listed in
docs/web-api-messages.md.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from slackline.api.call import Call
from slackline.api.methods.common import json_list, workspace_url
from slackline.api.methods.conversations import visible_conversation
from slackline.api.registry import MethodSpec
from slackline.domain.models import Conversation, Message
from slackline.domain.permalinks import permalink
from slackline.domain.ratelimit import Tier
from slackline.domain.shapes import BOT_MESSAGE_SUBTYPE
from slackline.domain.ts import micros_to_ts, parse_ts_arg
from slackline.errors import SlackError, SlackErrorCode
from slackline.services.messages import check_text

MAX_ATTACHMENTS = 100
PUBLIC_POST_SCOPE = "chat:write.public"
CHAT_SCOPES = ("chat:write", "chat:write:bot", "chat:write:user")
ME_MESSAGE_SUBTYPE = "me_message"
# The name Slack gives a message a user token posts "as a bot" without a ``username``.
USER_TOKEN_BOT_NAME = "bot"
_POST_FLAGS = ("as_user", "mrkdwn", "reply_broadcast", "unfurl_links", "unfurl_media")


def rich_content(call: Call) -> dict[str, Any]:
    """``blocks`` and ``attachments``, validated as JSON arrays, for the message's extra keys."""
    extra: dict[str, Any] = {}
    blocks = json_list(call.args.text("blocks"), SlackErrorCode.INVALID_BLOCKS_FORMAT)
    if blocks:
        extra["blocks"] = blocks
    attachments = json_list(call.args.text("attachments"), SlackErrorCode.INVALID_ATTACHMENTS)
    if attachments:
        if len(attachments) > MAX_ATTACHMENTS:
            raise SlackError(SlackErrorCode.TOO_MANY_ATTACHMENTS)
        extra["attachments"] = attachments
    return extra


def thread_ts_arg(call: Call) -> str | None:
    """``thread_ts`` normalised to a ts; a value that is not one starts no thread."""
    micros = parse_ts_arg(call.args.text("thread_ts"))
    return micros_to_ts(micros) if micros else None


@dataclass(frozen=True, slots=True)
class Authorship:
    """Who a message shows as: the token's user, or a ``bot_message`` under a name."""

    bot_id: str | None
    subtype: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)


def _icons(call: Call) -> dict[str, str]:
    emoji, url = call.args.text("icon_emoji"), call.args.text("icon_url")
    if emoji:  # Slack: icon_emoji overrides icon_url
        return {"emoji": emoji}
    if url:
        return {"image_36": url, "image_48": url, "image_72": url}
    return {}


def authorship(call: Call) -> Authorship:
    """How a post is attributed (Slack's legacy ``as_user`` rules).

    ``as_user=true`` always posts as the token's user. A bot token posts as its bot user
    (with ``bot_id``) unless it gives ``username``, ``icon_emoji``, ``icon_url`` or
    ``as_user=false``: then the message is a ``bot_message`` with ``username`` (the bot's
    name by default), ``icons`` and ``bot_id``, and no ``user``. A user token posts as its
    user unless it gives ``as_user=false``: then it is a ``bot_message`` named ``username``
    (``bot`` by default), without ``bot_id`` (no bot stands behind a user token).
    """
    identity = call.identity
    is_bot = identity.token.is_bot
    bot_id = identity.user.bot_id if is_bot else None
    as_user_given = "as_user" in call.args.raw
    as_user = call.args.flag("as_user")
    if as_user:
        return Authorship(bot_id)
    icons = _icons(call)
    username = call.args.text("username")
    explicit_bot = as_user_given and not as_user
    if is_bot and not (explicit_bot or username or icons):
        return Authorship(bot_id)
    if not is_bot and not explicit_bot:
        return Authorship(None)
    if not username:
        bot = identity.bot
        username = (bot.name if bot else identity.user.name) if is_bot else USER_TOKEN_BOT_NAME
    extra: dict[str, Any] = {"username": username}
    if icons:
        extra["icons"] = icons
    return Authorship(bot_id, BOT_MESSAGE_SUBTYPE, extra)


async def postable(call: Call) -> Conversation:
    """The conversation ``channel`` names, if the caller may post there."""
    identity = call.identity
    return await call.services.access.postable(
        identity.team.id,
        identity.user.id,
        call.args.text("channel"),
        public_without_membership=PUBLIC_POST_SCOPE in identity.token.scopes,
    )


def draft_message(call: Call, conversation: Conversation) -> Message:
    """The message a chat.* call describes (authorship, content, thread), checked."""
    author = authorship(call)
    extra = {**author.extra, **rich_content(call)}
    text = call.args.text("text")
    check_text(text, has_rich_content=any(k in extra for k in ("blocks", "attachments")))
    identity = call.identity
    return Message(
        channel=conversation.id,
        ts="",
        team_id=identity.team.id,
        user=identity.user.id,
        text=text,
        bot_id=author.bot_id,
        subtype=author.subtype,
        thread_ts=thread_ts_arg(call),
        extra=extra,
    )


async def chat_post_message(call: Call) -> dict[str, Any]:
    """Post a message as the token's user (or bot) and return it once it is stored."""
    conversation = await postable(call)
    draft = draft_message(call, conversation)
    broadcast = call.args.flag("reply_broadcast")
    posted = await call.services.messages.post_message(draft, broadcast=broadcast)
    stored = posted.message
    return {"channel": stored.channel, "ts": stored.ts, "message": posted.object}


async def chat_me_message(call: Call) -> dict[str, Any]:
    """Post a ``me_message`` (``/me does something``), stored and delivered like a post."""
    conversation = await postable(call)
    text = call.args.text("text")
    check_text(text, has_rich_content=False)
    identity = call.identity
    draft = Message(
        channel=conversation.id,
        ts="",
        team_id=identity.team.id,
        user=identity.user.id,
        text=text,
        bot_id=identity.user.bot_id if identity.token.is_bot else None,
        subtype=ME_MESSAGE_SUBTYPE,
    )
    posted = await call.services.messages.post_message(draft)
    return {"channel": posted.message.channel, "ts": posted.message.ts}


async def chat_post_ephemeral(call: Call) -> dict[str, Any]:
    """Show a message to one member of the channel only; never stored, never in history."""
    conversation = await postable(call)
    recipient = call.args.text("user")
    if not recipient or not await call.services.reads.is_member(conversation.id, recipient):
        raise SlackError(SlackErrorCode.USER_NOT_IN_CHANNEL)
    draft = draft_message(call, conversation)
    message_ts = await call.services.messages.post_ephemeral(draft, recipient)
    return {"message_ts": message_ts}


async def chat_get_permalink(call: Call) -> dict[str, Any]:
    """The permalink of a message the caller may see."""
    conversation, _ = await visible_conversation(call, call.args.text("channel"))
    message = await call.services.access.message(
        conversation, call.args.text("message_ts"), malformed=SlackErrorCode.MESSAGE_NOT_FOUND
    )
    link = permalink(workspace_url(call, call.identity.team), message)
    return {"channel": conversation.id, "permalink": link}


METHODS = [
    MethodSpec("chat.postMessage", chat_post_message, None, CHAT_SCOPES, bool_args=_POST_FLAGS),
    MethodSpec("chat.meMessage", chat_me_message, Tier.TIER_3, CHAT_SCOPES),
    MethodSpec(
        "chat.postEphemeral",
        chat_post_ephemeral,
        Tier.TIER_4,
        CHAT_SCOPES,
        bool_args=("as_user", "link_names"),
    ),
    MethodSpec("chat.getPermalink", chat_get_permalink, Tier.TIER_4, (), publishes=False),
]
