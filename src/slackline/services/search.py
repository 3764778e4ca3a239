"""``search.messages``: what the caller may see, matched by the store's full-text index.

:class:`SearchService` resolves a parsed query for one caller (channel and user names to
ids, ``in:@user`` to the DM with that user, dates to ts bounds on the service's clock, in
UTC), asks the store's search part (which applies visibility: public channels of the
caller's team and conversations the caller is a member of), scores what it finds and puts it
in the order asked for. Searching changes nothing and publishes nothing.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from slackline.domain.models import Identity, Message
from slackline.domain.search import (
    UNBOUNDED,
    MessageQuery,
    ParsedQuery,
    dates_range,
    score,
)
from slackline.domain.ts import micros_to_ts
from slackline.services.deps import ServiceDeps
from slackline.storage.base import ALL_ROWS

# The most matches a search considers (newest first); ``total`` counts at most these.
MAX_MATCHES = 1_000


@dataclass(frozen=True, slots=True)
class Found:
    """A matching message and its score (how often the query's terms occur in it)."""

    message: Message
    score: int

    def key(self, *, by_score: bool) -> tuple[int, str, str]:
        """Its place in the order: score (when sorting by score), ts, conversation id."""
        return (self.score if by_score else 0, self.message.ts, self.message.channel)


class SearchService:
    """See the module docstring."""

    def __init__(self, deps: ServiceDeps) -> None:
        self._deps = deps

    async def search(
        self, identity: Identity, parsed: ParsedQuery, *, by_score: bool, ascending: bool
    ) -> list[Found]:
        """Every match the caller may see (at most :data:`MAX_MATCHES`, the newest), in the
        order asked for: by score or by time, ties broken by time then conversation id."""
        if parsed.is_empty:
            return []
        query = await self.resolve(identity, parsed)
        messages = await self._deps.store.search.search_messages(query, limit=MAX_MATCHES)
        found = [Found(message, score(query.terms, message.text)) for message in messages]
        found.sort(key=lambda item: item.key(by_score=by_score), reverse=not ascending)
        return found

    async def resolve(self, identity: Identity, parsed: ParsedQuery) -> MessageQuery:
        """The query as the store answers it, for this caller."""
        team_id, me = identity.team.id, identity.user.id
        channels = None
        if parsed.channels:
            channels = tuple(
                dict.fromkeys(
                    [cid for value in parsed.channels for cid in await self._in(identity, value)]
                )
            )
        users = None
        if parsed.users:
            users = tuple(
                dict.fromkeys(
                    [uid for value in parsed.users for uid in await self._from(identity, value)]
                )
            )
        today = dt.datetime.fromtimestamp(self._deps.clock.now(), dt.UTC).date()
        low, high = dates_range(parsed.dates, today)
        return MessageQuery(
            team_id=team_id,
            viewer=me,
            terms=parsed.terms,
            channels=channels,
            users=users,
            oldest=micros_to_ts(low) if low > 0 else "",
            before=micros_to_ts(high) if high < UNBOUNDED else "",
            thread_only=parsed.is_thread,
            links_only=parsed.has_link,
        )

    async def _in(self, identity: Identity, value: str) -> list[str]:
        """The conversations an ``in:`` value names (visibility is the store's to apply)."""
        reads, team_id = self._deps.store, identity.team.id
        if value.startswith("<#") and value.endswith(">"):
            return [value[2:-1].partition("|")[0]]
        if value.startswith(("@", "<@")):
            others = await self._from(identity, value)
            ims = [await reads.find_im(team_id, identity.user.id, other) for other in others]
            return [im.id for im in ims if im is not None]
        channel = await reads.find_channel_by_name(team_id, value.removeprefix("#").lower())
        if channel is not None:
            return [channel.id]
        conversation = await reads.get_conversation(value)
        return [conversation.id] if conversation and conversation.team_id == team_id else []

    async def _from(self, identity: Identity, value: str) -> list[str]:
        """The users a ``from:`` value names: ``me``, ``<@U…>``, a name or display name."""
        if value.lower() == "me":
            return [identity.user.id]
        if value.startswith("<@") and value.endswith(">"):
            return [value[2:-1].partition("|")[0]]
        name = value.removeprefix("@").lower()
        people = await self._deps.store.list_users(identity.team.id, "", ALL_ROWS)
        named = [user.id for user in people if user.name.lower() == name]
        if not named:
            named = [
                user.id
                for user in people
                if str(user.profile.get("display_name", "")).lower() == name or user.id == value
            ]
        return named
