"""``chat.update`` and ``chat.delete``.

Checks run in this order: ``channel_not_found`` (visibility as in conversations.*),
``message_not_found`` (also for a ``ts`` that is not one), ``cant_update_message`` /
``cant_delete_message``, then for updates ``is_archived`` and the content
(``invalid_blocks_format``, ``invalid_attachments``, ``too_many_attachments``, ``no_text``,
``msg_too_long``). ``text`` replaces the text; ``blocks`` and ``attachments`` replace the
message's own when given (an empty array removes them) and are kept when absent. System
messages (those with a subtype other than ``bot_message``, ``me_message`` and
``thread_broadcast``) cannot be updated. There is no edit window. Events:
:mod:`slackline.services.edits`.
"""

from __future__ import annotations

from typing import Any

from slackline.api.call import Call
from slackline.api.methods.chat import rich_content
from slackline.api.methods.conversations import visible_conversation
from slackline.api.registry import MethodSpec
from slackline.domain.models import Conversation, Message
from slackline.domain.ratelimit import Tier
from slackline.domain.shapes import message_object
from slackline.errors import SlackError, SlackErrorCode
from slackline.services.edits import require_author, require_deleter
from slackline.services.messages import check_text, thread_fields

_CHAT_SCOPES = ("chat:write", "chat:write:bot", "chat:write:user")
_RICH_KEYS = ("blocks", "attachments")
_REACTIONS_KEY = "reactions"
_EDITABLE_SUBTYPES = frozenset(
    {None, "bot_message", "me_message", "thread_broadcast", "file_share"}
)


async def target_message(call: Call, ts_arg: str = "ts") -> tuple[Conversation, Message]:
    """The visible conversation ``channel`` and its message at ``ts``."""
    conversation, _ = await visible_conversation(call, call.args.text("channel"))
    message = await call.services.access.message(
        conversation, call.args.text(ts_arg), malformed=SlackErrorCode.MESSAGE_NOT_FOUND
    )
    return conversation, message


def _new_extra(call: Call, previous: dict[str, Any]) -> dict[str, Any]:
    """The message's extra keys after the update: given blocks/attachments replace, absent keep."""
    given = rich_content(call)
    extra = {k: v for k, v in previous.items() if k != _REACTIONS_KEY}
    for key in _RICH_KEYS:
        if key in call.args.raw:
            extra.pop(key, None)
            if key in given:
                extra[key] = given[key]
    return extra


async def chat_update(call: Call) -> dict[str, Any]:
    """Change the caller's own message; announces ``message_changed``."""
    conversation, message = await target_message(call)
    require_author(call.identity, message)
    if message.subtype not in _EDITABLE_SUBTYPES:
        raise SlackError(SlackErrorCode.CANT_UPDATE_MESSAGE)
    if conversation.is_archived:
        raise SlackError(SlackErrorCode.IS_ARCHIVED)
    extra = _new_extra(call, message.extra)
    text = call.args.text("text")
    check_text(text, has_rich_content=any(extra.get(key) for key in _RICH_KEYS))
    updated = await call.services.edits.update_message(message, call.identity.user.id, text, extra)
    return {
        "channel": conversation.id,
        "ts": updated.ts,
        "text": updated.text,
        "message": {
            **message_object(updated),
            **await thread_fields(call.services.reads, updated),
        },
    }


async def chat_delete(call: Call) -> dict[str, Any]:
    """Delete a message (the caller's, or any as an admin); announces ``message_deleted``."""
    conversation, message = await target_message(call)
    require_deleter(call.identity, message)
    await call.services.edits.delete_message(message)
    return {"channel": conversation.id, "ts": message.ts}


METHODS = [
    MethodSpec(
        "chat.update",
        chat_update,
        Tier.TIER_3,
        _CHAT_SCOPES,
        bool_args=("as_user", "link_names", "reply_broadcast"),
    ),
    MethodSpec("chat.delete", chat_delete, Tier.TIER_3, _CHAT_SCOPES, bool_args=("as_user",)),
]
