"""Changing and deleting messages, announced as ``message_changed`` and ``message_deleted``.

Only the author may change a message; the author, or an admin or owner using a user token,
may delete one. Both events are hidden bookkeeping (``hidden: true``) for the conversation's
members; ``ts`` and ``event_ts`` are the time of the change, the edited message keeps its own
``ts`` and gains ``edited: {user, ts}``. A thread's parent shows its reply summary in both
(:func:`slackline.services.messages.thread_fields`); deleting a reply also announces its
parent's new summary as a ``message_changed``. Stored first, announced after (decisions F.1).
"""

from __future__ import annotations

import dataclasses
from typing import Any

from slackline.broker import Broker, Event
from slackline.clock import Clock
from slackline.domain.models import Identity, Message
from slackline.domain.shapes import message_object
from slackline.domain.threads import is_reply, parent_fields, thread_root
from slackline.errors import SlackError, SlackErrorCode
from slackline.services.messages import thread_fields
from slackline.services.notices import event_ts, member_ids
from slackline.storage.base import Store


def require_author(identity: Identity, message: Message) -> None:
    """``cant_update_message`` unless the caller wrote the message."""
    if message.user != identity.user.id:
        raise SlackError(SlackErrorCode.CANT_UPDATE_MESSAGE)


def require_deleter(identity: Identity, message: Message) -> None:
    """``cant_delete_message`` unless the caller wrote it or is an admin with a user token."""
    user = identity.user
    if message.user == user.id:
        return
    if (user.is_admin or user.is_owner) and not identity.token.is_bot:
        return
    raise SlackError(SlackErrorCode.CANT_DELETE_MESSAGE)


class EditService:
    """Stores a change to a message, then tells the conversation's members."""

    def __init__(self, store: Store, broker: Broker, clock: Clock) -> None:
        self._store = store
        self._broker = broker
        self._clock = clock

    async def update_message(
        self, previous: Message, editor: str, text: str, extra: dict[str, Any]
    ) -> Message:
        """Replace the text and extra keys (reactions stay); ``message_not_found`` if gone."""
        stamp = event_ts(self._clock)
        updated = dataclasses.replace(
            previous, text=text, extra=extra, edited={"user": editor, "ts": stamp}
        )
        if not await self._store.update_message(updated):
            raise SlackError(SlackErrorCode.MESSAGE_NOT_FOUND)
        thread = await thread_fields(self._store, updated)
        payload = {
            "type": "message",
            "subtype": "message_changed",
            "hidden": True,
            "message": {**message_object(updated), **thread},
            "channel": updated.channel,
            "previous_message": {**message_object(previous), **thread},
            "ts": stamp,
            "event_ts": stamp,
        }
        members = await member_ids(self._store, updated.channel)
        await self._broker.publish(Event(updated.team_id, payload, members))
        return updated

    async def delete_message(self, message: Message) -> None:
        """Delete the message and its reactions; ``message_not_found`` if already gone."""
        deleted = await self._store.delete_message(message.channel, message.ts)
        if deleted is None:
            raise SlackError(SlackErrorCode.MESSAGE_NOT_FOUND)
        stamp = event_ts(self._clock)
        thread = await thread_fields(self._store, deleted)
        payload = {
            "type": "message",
            "subtype": "message_deleted",
            "hidden": True,
            "channel": deleted.channel,
            "ts": stamp,
            "deleted_ts": deleted.ts,
            "event_ts": stamp,
            "previous_message": {**message_object(deleted), **thread},
        }
        members = await member_ids(self._store, deleted.channel)
        await self._broker.publish(Event(deleted.team_id, payload, members))
        if is_reply(deleted):
            await self._parent_changed(deleted, stamp, members)

    async def _parent_changed(self, reply: Message, stamp: str, members: frozenset[str]) -> None:
        """After a reply is deleted, its parent's new summary as a ``message_changed`` (the
        reply counted in ``previous_message``), so clients showing reply counts follow."""
        parent = await self._store.get_message(reply.channel, thread_root(reply))
        if parent is None:
            return
        found = await self._store.replies_under(parent.channel, parent.ts, parent.ts)
        after = found.get(parent.ts, [])
        before = sorted([*after, (reply.user, reply.ts)], key=lambda r: r[1])
        shown = message_object(parent)
        payload = {
            "type": "message",
            "subtype": "message_changed",
            "hidden": True,
            "message": {**shown, **parent_fields(parent, after)},
            "channel": parent.channel,
            "previous_message": {**shown, **parent_fields(parent, before)},
            "ts": stamp,
            "event_ts": stamp,
        }
        await self._broker.publish(Event(parent.team_id, payload, members))
