"""Topics and purposes, read marks, and opening and closing DMs and group DMs.

Everything is stored first and announced after (decisions F.1), to exactly the people who
may see it:

- a topic or purpose is stored on the conversation and a ``channel_topic``/``group_topic``
  (``channel_purpose``/``group_purpose``) message is stored and delivered to the members, as
  any post is; that message is the event Slack sends for it;
- a read marker move sends ``channel_marked``, ``group_marked``, ``im_marked`` or
  ``mpim_marked`` (with the unread counts after it) to every session of the user who moved
  it;
- a new DM sends ``im_created`` to each of its members (the channel's ``user`` is the other
  party as that member sees it), then ``im_open`` to the opener; a new group DM sends
  ``mpim_joined`` to each member, then ``mpim_open`` to the opener; reopening a closed one
  sends ``im_open``/``mpim_open``, closing ``im_close``/``mpim_close``, to the user's
  sessions only.

Two people opening the same DM or group DM at the same moment get one conversation: the
service finds and creates under one lock. The lock is per process; processes sharing a
database (a cluster) can still race there, and would make two.
"""

from __future__ import annotations

import asyncio
import dataclasses
import enum
from collections.abc import Sequence
from typing import Any

from slackline.broker import Event
from slackline.domain.models import Conversation, User
from slackline.domain.read_state import ReadState, marked_event, open_event_type
from slackline.domain.shapes import conversation_object
from slackline.services.deps import ServiceDeps
from slackline.services.notices import event_prefix, event_ts, mention, notice


class Opened(enum.Enum):
    """What ``conversations.open`` found: a new conversation, a closed one it reopened, or
    one that was open already."""

    CREATED = "created"
    REOPENED = "reopened"
    ALREADY_OPEN = "already_open"


def mpim_name(users: Sequence[User]) -> str:
    """``mpdm-alice--bob--carol-1``: the members' names in the order given (the opener,
    then the others as ``users`` listed them: Slack keeps that order)."""
    return "mpdm-" + "--".join(user.name for user in users) + "-1"


class ConversationService:
    """See the module docstring."""

    def __init__(self, deps: ServiceDeps) -> None:
        self._store = deps.store
        self._broker = deps.broker
        self._clock = deps.clock
        self._ids = deps.ids
        self._messages = deps.messages
        self._cache = deps.conversations
        # Finding and creating a DM or group DM is one step, so that two people opening the
        # same one at once get one conversation (within a process; see the module docstring).
        self._creating = asyncio.Lock()

    # Topics and purposes

    async def set_topic(self, conversation: Conversation, actor: User, topic: str) -> Conversation:
        """Store the topic and post its ``*_topic`` message; an unchanged topic does nothing."""
        return await self._set_text(conversation, actor, "topic", topic)

    async def set_purpose(
        self, conversation: Conversation, actor: User, purpose: str
    ) -> Conversation:
        """Store the purpose and post its ``*_purpose`` message; unchanged does nothing."""
        return await self._set_text(conversation, actor, "purpose", purpose)

    async def _set_text(
        self, conversation: Conversation, actor: User, field: str, value: str
    ) -> Conversation:
        """Set ``field`` (``topic`` or ``purpose``) with its creator and time, store it and
        post its message; an unchanged value does nothing."""
        if value == getattr(conversation, field):
            return conversation
        setter: dict[str, Any] = {
            field: value,
            f"{field}_creator": actor.id,
            f"{field}_last_set": self._now(),
        }
        changed = dataclasses.replace(conversation, **setter)
        await self._store.put_conversation(changed)
        self._cache.forget(changed.id)
        if value:
            text = f"{mention(actor)} set the channel {field}: {value}"
        else:
            text = f"{mention(actor)} cleared the channel {field}"
        subtype = f"{event_prefix(changed)}_{field}"
        await self._messages.post_message(notice(changed, actor, subtype, text, **{field: value}))
        return changed

    # Read marks

    async def mark(self, conversation: Conversation, user: User, ts: str) -> ReadState:
        """Move the user's read marker to ``ts`` and tell all of the user's sessions."""
        await self._store.read_state.mark(conversation.id, user.id, ts)
        state = await self._store.read_state.state(conversation.id, user.id) or ReadState(ts)
        payload = marked_event(conversation, ts, state, event_ts(self._clock))
        await self._broker.publish(Event(conversation.team_id, payload, frozenset({user.id})))
        return state

    # Opening and closing DMs and group DMs

    async def open_im(self, opener: User, other: User) -> tuple[Conversation, Opened]:
        """The DM between the two users (the opener alone: their self-DM), created or
        reopened for the opener as needed."""
        async with self._creating:
            existing = await self._store.find_im(opener.team_id, opener.id, other.id)
            if existing is None:
                conversation = Conversation(
                    id=self._ids.object_id("D"),
                    team_id=opener.team_id,
                    name=other.id,
                    is_im=True,
                    creator=opener.id,
                    created=self._now(),
                    im_user=other.id,
                )
                await self._create(conversation, {opener.id, other.id})
        if existing is not None:
            return existing, await self.reopen(existing, opener)
        for member, peer in {opener.id: other.id, other.id: opener.id}.items():
            shown = {**conversation_object(conversation, is_member=True), "user": peer}
            created = {"type": "im_created", "user": opener.id, "channel": shown}
            await self._publish_to(conversation, member, created)
        await self._announce_open(conversation, opener, is_open=True)
        return conversation, Opened.CREATED

    async def open_mpim(self, opener: User, others: Sequence[User]) -> tuple[Conversation, Opened]:
        """The group DM of the opener and ``others`` (exactly them), created or reopened."""
        people = {user.id: user for user in (opener, *others)}
        async with self._creating:
            existing = await self._store.read_state.find_mpim(opener.team_id, sorted(people))
            if existing is None:
                conversation = Conversation(
                    id=self._ids.object_id("G"),
                    team_id=opener.team_id,
                    name=mpim_name(list(people.values())),
                    is_private=True,
                    is_mpim=True,
                    creator=opener.id,
                    created=self._now(),
                )
                await self._create(conversation, set(people))
        if existing is not None:
            return existing, await self.reopen(existing, opener)
        audience = frozenset(people)
        # With its members, as Slack's MPIM object has them: clients name it from them.
        shown = {**conversation_object(conversation, is_member=True), "members": sorted(audience)}
        joined = {"type": "mpim_joined", "channel": shown}
        await self._broker.publish(Event(conversation.team_id, joined, audience))
        await self._announce_open(conversation, opener, is_open=True)
        return conversation, Opened.CREATED

    async def _create(self, conversation: Conversation, members: set[str]) -> None:
        await self._store.put_conversation(conversation)
        await self._store.add_members(conversation.id, sorted(members))
        self._cache.forget(conversation.id)

    async def reopen(self, conversation: Conversation, user: User) -> Opened:
        """Open a DM or group DM again for the user (``im_open``/``mpim_open``)."""
        if not await self._store.read_state.set_open(conversation.id, user.id, is_open=True):
            return Opened.ALREADY_OPEN
        await self._announce_open(conversation, user, is_open=True)
        return Opened.REOPENED

    async def close(self, conversation: Conversation, user: User) -> bool:
        """Close a DM or group DM for the user; False when it was closed already."""
        if not await self._store.read_state.set_open(conversation.id, user.id, is_open=False):
            return False
        await self._announce_open(conversation, user, is_open=False)
        return True

    async def _announce_open(
        self, conversation: Conversation, user: User, *, is_open: bool
    ) -> None:
        payload = {
            "type": open_event_type(conversation, is_open=is_open),
            "user": user.id,
            "channel": conversation.id,
            "event_ts": event_ts(self._clock),
        }
        await self._publish_to(conversation, user.id, payload)

    async def _publish_to(
        self, conversation: Conversation, user_id: str, payload: dict[str, Any]
    ) -> None:
        await self._broker.publish(Event(conversation.team_id, payload, frozenset({user_id})))

    def _now(self) -> int:
        return int(self._clock.now())
