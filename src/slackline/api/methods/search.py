"""``search.messages``: the messages a user may see that match a query, in Slack's shape.

Parsing the query is :func:`slackline.domain.search.parse_query`'s; resolving and ordering it
:class:`slackline.services.search.SearchService`'s; matching and visibility the store's search
part. This module reads the arguments, pages (``page``/``count`` or ``cursor``) and shapes
each match as Slack does. Only user tokens may search: a classic bot token is ``is_bot``,
other token types ``not_allowed_token_type``. ``search.all`` and ``search.files`` are not
served (docs/web-api-search-pins-stars.md).
"""

from __future__ import annotations

import hashlib
import uuid
from typing import Any

from slackline.api.call import Call
from slackline.api.methods.common import workspace_url
from slackline.api.methods.conversations import im_peer
from slackline.api.registry import MethodSpec
from slackline.domain.models import Conversation, Message, TokenType
from slackline.domain.pagination import decode_cursor, encode_cursor
from slackline.domain.ratelimit import Tier
from slackline.domain.search import Term, highlighted, parse_query
from slackline.errors import SlackError, SlackErrorCode
from slackline.services.search import Found

SEARCH_CURSOR = "search"
FIRST_CURSOR = "*"
DEFAULT_COUNT = 20
MAX_COUNT = 100
# Slack serves at most 100 pages of a search (its documented bound on ``page``).
MAX_PAGE = 100
SEARCH_SCOPES = ("search:read",)
# The keys of a stored message a match carries along, as Slack's matches do.
_CARRIED_KEYS = ("attachments", "blocks", "files")
_IID_NAMESPACE = uuid.UUID("6f1d0c9e-5c55-4a55-9c8b-3a0f5d1e2b7c")


def _whole(raw: str, default: int, *, largest: int | None = None) -> int:
    """A positive whole number argument; anything else means ``default``; capped."""
    try:
        value = int(raw)
    except ValueError:
        return default
    if value < 1:
        return default
    return min(value, largest) if largest is not None else value


def _check_token(call: Call) -> None:
    token_type = call.identity.token.type
    if token_type is TokenType.CLASSIC_BOT:
        raise SlackError(SlackErrorCode.IS_BOT)
    if token_type is not TokenType.USER:
        raise SlackError(SlackErrorCode.NOT_ALLOWED_TOKEN_TYPE)


def _digest(query: str, sort: str, sort_dir: str) -> str:
    """What ties a cursor to its search: the query and its order."""
    return hashlib.sha256(f"{query}\n{sort}\n{sort_dir}".encode()).hexdigest()[:16]


def _cursor_key(found: Found, *, by_score: bool) -> str:
    return f"{found.score if by_score else 0}:{found.message.ts}:{found.message.channel}"


def _resume_at(found: list[Found], key: str, *, by_score: bool, ascending: bool) -> int:
    """The index of the first match after the cursor's, in the order shown."""
    score_text, _, rest = key.partition(":")
    ts, _, channel = rest.partition(":")
    try:
        last = (int(score_text), ts, channel)
    except ValueError as exc:
        raise SlackError(SlackErrorCode.INVALID_CURSOR) from exc
    for index, item in enumerate(found):
        place = item.key(by_score=by_score)
        if (place > last) if ascending else (place < last):
            return index
    return len(found)


async def search_messages(call: Call) -> dict[str, Any]:
    """Messages matching ``query``, with Slack's ``paging`` and ``pagination``."""
    _check_token(call)
    raw_query = call.args.text("query")
    if not raw_query.strip():
        raise SlackError(SlackErrorCode.NO_QUERY)
    count = _whole(call.args.text("count"), DEFAULT_COUNT, largest=MAX_COUNT)
    sort = "timestamp" if call.args.text("sort").lower() == "timestamp" else "score"
    sort_dir = "asc" if call.args.text("sort_dir").lower() == "asc" else "desc"
    by_score, ascending = sort == "score", sort_dir == "asc"
    cursor = call.args.text("cursor")
    digest = _digest(raw_query, sort, sort_dir)
    resume = ""
    if cursor and cursor != FIRST_CURSOR:
        found_digest, _, resume = decode_cursor(SEARCH_CURSOR, cursor).partition(":")
        if found_digest != digest or not resume:
            raise SlackError(SlackErrorCode.INVALID_CURSOR)

    parsed = parse_query(raw_query)
    found = await call.services.search.search(
        call.identity, parsed, by_score=by_score, ascending=ascending
    )
    if cursor:
        start = _resume_at(found, resume, by_score=by_score, ascending=ascending) if resume else 0
        page = start // count + 1
    else:
        page = _whole(call.args.text("page"), 1, largest=MAX_PAGE)
        start = (page - 1) * count
    shown = found[start : start + count]
    highlight = parsed.terms if call.args.flag("highlight") else ()
    matches = await _Shaper(call).matches(shown, highlight)
    total = len(found)
    body: dict[str, Any] = {
        "query": raw_query,
        "messages": {
            "total": total,
            "pagination": {
                "total_count": total,
                "page": page,
                "per_page": count,
                "page_count": -(-total // count),
                "first": start + 1,
                "last": start + len(shown),
            },
            "paging": {"count": count, "total": total, "page": page, "pages": -(-total // count)},
            "matches": matches,
        },
    }
    if cursor:
        more = start + len(shown) < total
        key = _cursor_key(shown[-1], by_score=by_score) if shown and more else ""
        next_cursor = encode_cursor(SEARCH_CURSOR, f"{digest}:{key}") if key else ""
        body["response_metadata"] = {"next_cursor": next_cursor}
    return body


class _Shaper:
    """Matches in Slack's shape, loading each user and conversation once per call."""

    def __init__(self, call: Call) -> None:
        self._call = call
        self._names: dict[str, str] = {}
        self._channels: dict[str, dict[str, Any]] = {}
        self._base = f"{workspace_url(call, call.identity.team)}archives/"

    async def matches(
        self, shown: list[Found], highlight: tuple[Term, ...]
    ) -> list[dict[str, Any]]:
        """Each shown match as Slack's match object."""
        return [await self._match(item, highlight) for item in shown]

    async def _match(self, item: Found, highlight: tuple[Term, ...]) -> dict[str, Any]:
        message = item.message
        text = highlighted(highlight, message.text) if highlight else message.text
        match: dict[str, Any] = {
            "iid": str(uuid.uuid5(_IID_NAMESPACE, f"{message.channel}/{message.ts}")),
            "team": message.team_id,
            "score": float(item.score),
            "channel": await self._channel(message.channel),
            "type": "message",
            "user": message.user,
            "username": await self._username(message),
            "ts": message.ts,
            "text": text,
            "permalink": self.permalink(message),
        }
        match.update({key: message.extra[key] for key in _CARRIED_KEYS if key in message.extra})
        return match

    def permalink(self, message: Message) -> str:
        """``<workspace URL>archives/<channel>/p<ts digits>``, with the thread for replies."""
        link = f"{self._base}{message.channel}/p{message.ts.replace('.', '')}"
        if message.thread_ts and message.thread_ts != message.ts:
            link += f"?thread_ts={message.thread_ts}&cid={message.channel}"
        return link

    async def _username(self, message: Message) -> str:
        if message.user not in self._names:
            user = await self._call.services.reads.get_user(message.user)
            self._names[message.user] = user.name if user is not None else ""
        return self._names[message.user]

    async def _channel(self, channel_id: str) -> dict[str, Any]:
        if channel_id not in self._channels:
            conversation = await self._call.services.reads.get_conversation(channel_id)
            if conversation is None:  # deleted since it matched
                return {"id": channel_id}
            self._channels[channel_id] = await self._channel_object(conversation)
        return self._channels[channel_id]

    async def _channel_object(self, conversation: Conversation) -> dict[str, Any]:
        c = conversation
        obj: dict[str, Any] = {
            "id": c.id,
            "is_channel": not (c.is_im or c.is_mpim),
            "is_group": False,
            "is_im": c.is_im,
            "is_mpim": c.is_mpim,
            "is_private": c.is_private or c.is_im or c.is_mpim,
            "is_archived": c.is_archived,
            "is_shared": False,
            "is_org_shared": False,
            "is_ext_shared": False,
            "is_pending_ext_shared": False,
            "pending_shared": [],
            "name": c.name,
            "name_normalized": c.name,
        }
        if c.is_im:
            peer = await im_peer(self._call, c)
            obj.update(name=peer, name_normalized=peer, user=peer)
        return obj


METHODS = [
    MethodSpec(
        "search.messages",
        search_messages,
        Tier.TIER_2,
        SEARCH_SCOPES,
        bool_args=("highlight",),
        publishes=False,
    ),
]
