"""``chat.postMessage``.

``channel`` must be a conversation id (C…, G…, D…); names and user ids are
``channel_not_found``. Who may post where is :mod:`slackline.domain.access`'s rule:
members only (public channels included, as Slack does for classic bots), unless the token
has ``chat:write.public`` (public channels only). A private channel, DM or group DM the
poster is not in is ``channel_not_found``, as if it did not exist; a public channel the
poster has not joined is ``not_in_channel``. Checks run in this order: ``channel_not_found``,
``not_in_channel``, ``is_archived``, then the content (``invalid_blocks_format``,
``invalid_attachments``, ``too_many_attachments``, ``no_text``, ``msg_too_long``).

``ok`` is sent only after the message is committed (decisions F.1). A message posted with a
bot token carries both ``user`` (the bot user) and ``bot_id`` (decisions E.4).
"""

from __future__ import annotations

from typing import Any

from slackline.api.call import Call
from slackline.api.registry import MethodSpec
from slackline.domain.models import Message
from slackline.domain.text import UnusableJsonError, load_json
from slackline.domain.ts import micros_to_ts, parse_ts_arg
from slackline.errors import SlackError, SlackErrorCode
from slackline.services.messages import check_text

MAX_ATTACHMENTS = 100
PUBLIC_POST_SCOPE = "chat:write.public"


def _json_list(raw: str, error: SlackErrorCode) -> list[Any] | None:
    """A JSON array argument (``blocks``, ``attachments``); absent or empty is None."""
    if not raw:
        return None
    try:
        value = load_json(raw)
    except UnusableJsonError as exc:
        raise SlackError(error) from exc
    if not isinstance(value, list):
        raise SlackError(error)
    return value


def rich_content(call: Call) -> dict[str, Any]:
    """``blocks`` and ``attachments``, validated as JSON arrays, for the message's extra keys."""
    extra: dict[str, Any] = {}
    blocks = _json_list(call.args.text("blocks"), SlackErrorCode.INVALID_BLOCKS_FORMAT)
    if blocks:
        extra["blocks"] = blocks
    attachments = _json_list(call.args.text("attachments"), SlackErrorCode.INVALID_ATTACHMENTS)
    if attachments:
        if len(attachments) > MAX_ATTACHMENTS:
            raise SlackError(SlackErrorCode.TOO_MANY_ATTACHMENTS)
        extra["attachments"] = attachments
    return extra


def _thread_ts(call: Call) -> str | None:
    """``thread_ts`` normalised to a ts; a value that is not one starts no thread."""
    micros = parse_ts_arg(call.args.text("thread_ts"))
    return micros_to_ts(micros) if micros else None


async def chat_post_message(call: Call) -> dict[str, Any]:
    """Post a message as the token's user (or bot) and return it once it is stored."""
    identity = call.identity
    conversation = await call.services.access.postable(
        identity.team.id,
        identity.user.id,
        call.args.text("channel"),
        public_without_membership=PUBLIC_POST_SCOPE in identity.token.scopes,
    )
    extra = rich_content(call)
    text = call.args.text("text")
    check_text(text, has_rich_content=bool(extra))
    draft = Message(
        channel=conversation.id,
        ts="",
        team_id=identity.team.id,
        user=identity.user.id,
        text=text,
        bot_id=identity.user.bot_id if identity.token.is_bot else None,
        thread_ts=_thread_ts(call),
        extra=extra,
    )
    posted = await call.services.messages.post_message(draft)
    stored = posted.message
    return {"channel": stored.channel, "ts": stored.ts, "message": posted.object}


METHODS = [
    MethodSpec(
        "chat.postMessage",
        chat_post_message,
        None,
        ("chat:write", "chat:write:bot", "chat:write:user"),
        bool_args=("as_user", "mrkdwn", "reply_broadcast", "unfurl_links", "unfurl_media"),
    ),
]
