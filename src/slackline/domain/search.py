"""Searching messages (``search.messages``), pure: the query language, the one matching rule,
scores, highlights and date bounds.

**Words.** A word is a run of Unicode letters, numbers and marks (categories ``L*``, ``N*``,
``M*``), compared in lower case, one character at a time; everything else separates words.
This is exactly what the SQLite index's tokenizer produces (``unicode61 remove_diacritics 0
categories 'L* N* M*'``), and what PostgreSQL's ``simple`` parser produces once ASCII
punctuation is read as space. The store's full-text index only narrows the candidates; every
candidate is then decided here (:func:`message_matches`), so both backends answer the same.

**Queries.** Words must all occur (in any order); ``"two words"`` must occur together, in
that order; a word with punctuation inside (``foo-bar``, ``a@b.c``) is a phrase of its words;
``deplo*`` matches words starting with ``deplo``; ``-word`` and ``-"a phrase"`` exclude.
Operators: ``in:`` (``#channel``, ``channel``, ``<#C…>``, ``<#C…|name>``, ``@user`` or
``<@U…>`` for the DM with that user), ``from:`` (``@user``, ``user``, ``<@U…>``, ``me``),
``before:``/``after:``/``on:``/``during:`` (``YYYY-MM-DD``, ``today``, ``yesterday``;
``during:`` also ``YYYY-MM`` and ``YYYY``), ``is:thread``, ``has:link``. Several ``in:`` or
``from:`` mean any of them; dates all apply. Anything else, unknown operators and values
included, is searched as words.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

from slackline.domain.models import Message

HIGHLIGHT_START = "\ue000"
HIGHLIGHT_END = "\ue001"
# Words longer than this are matched but not asked of the index (PostgreSQL skips lexemes
# above 2,047 bytes; 255 characters are at most 1,020).
MAX_INDEXED_WORD_CHARS = 255
# The largest ts, 9999999999.999999, in microseconds; one more means "no upper bound".
MAX_MICROS = 9_999_999_999_999_999
UNBOUNDED = MAX_MICROS + 1

_ASCII_WORD = re.compile(r"[A-Za-z0-9]+")
_LINK = re.compile(r"https?://", re.IGNORECASE)
_OPERATOR = re.compile(r"(in|from|before|after|on|during|is|has):(.+)", re.IGNORECASE)
_DAY = re.compile(r"(\d{4})-(\d{2})-(\d{2})", re.ASCII)
_MONTH = re.compile(r"(\d{4})-(\d{2})", re.ASCII)
_YEAR = re.compile(r"\d{4}", re.ASCII)
_DATE_OPERATORS = frozenset({"before", "after", "on", "during"})
_MICROS_PER_SEC = 1_000_000


@lru_cache(maxsize=8192)
def _is_word_char(char: str) -> bool:
    return unicodedata.category(char)[0] in "LNM"


@lru_cache(maxsize=8192)
def _fold(char: str) -> str:
    lower = char.lower()
    return lower if len(lower) == 1 else char


def word_spans(text: str) -> list[tuple[int, int, str]]:
    """Each word of ``text``: its start, its end and its folded form."""
    if text.isascii():
        return [(m.start(), m.end(), m.group().lower()) for m in _ASCII_WORD.finditer(text)]
    spans: list[tuple[int, int, str]] = []
    start = -1
    for index, char in enumerate(text):
        if _is_word_char(char):
            if start < 0:
                start = index
        elif start >= 0:
            spans.append((start, index, "".join(map(_fold, text[start:index]))))
            start = -1
    if start >= 0:
        spans.append((start, len(text), "".join(map(_fold, text[start:]))))
    return spans


def words(text: str) -> list[str]:
    """The folded words of ``text``, in order."""
    return [word for _, _, word in word_spans(text)]


def _searchable(word: str) -> bool:
    """A query word must hold a letter or a number (marks alone match nothing anywhere)."""
    return any(unicodedata.category(char)[0] in "LN" for char in word)


@dataclass(frozen=True, slots=True)
class Term:
    """Words that must occur together, in order; the last may be a prefix (``deplo*``)."""

    words: tuple[str, ...]
    prefix: bool = False
    negated: bool = False

    def occurrences(self, found: list[str]) -> list[int]:
        """Where the term starts in a message's words."""
        size = len(self.words)
        last = self.words[-1]
        starts = []
        for start in range(len(found) - size + 1):
            if found[start : start + size - 1] != list(self.words[:-1]):
                continue
            candidate = found[start + size - 1]
            if candidate == last or (self.prefix and candidate.startswith(last)):
                starts.append(start)
        return starts


@dataclass(frozen=True, slots=True)
class ParsedQuery:
    """A query as written: its terms and its operators' values, not yet resolved."""

    terms: tuple[Term, ...] = ()
    channels: tuple[str, ...] = ()
    users: tuple[str, ...] = ()
    dates: tuple[tuple[str, str], ...] = ()
    is_thread: bool = False
    has_link: bool = False

    @property
    def is_empty(self) -> bool:
        """Nothing to search for: no words and no operator."""
        return not (
            self.terms
            or self.channels
            or self.users
            or self.dates
            or self.is_thread
            or self.has_link
        )


def _term(text: str, *, negated: bool, allow_prefix: bool) -> Term | None:
    found = tuple(w for w in words(text) if _searchable(w))
    if not found:
        return None
    prefix = allow_prefix and text.endswith("*") and len(text) > 1 and _is_word_char(text[-2])
    return Term(found, prefix=prefix, negated=negated)


def _pieces(raw: str) -> list[tuple[str, bool, bool]]:
    """The query split into ``(text, quoted, negated)``: quoted phrases and bare words."""
    pieces: list[tuple[str, bool, bool]] = []
    index, size = 0, len(raw)
    while index < size:
        if raw[index].isspace():
            index += 1
            continue
        negated = raw[index] == "-" and index + 1 < size and not raw[index + 1].isspace()
        start = index + 1 if negated else index
        if raw[start] == '"':
            end = raw.find('"', start + 1)
            end = size if end < 0 else end
            pieces.append((raw[start + 1 : end], True, negated))
            index = end + 1
            continue
        end = start
        while end < size and not raw[end].isspace():
            end += 1
        pieces.append((raw[start:end], False, negated))
        index = end
    return pieces


class _Operators:
    """The operators' values, as a query is read."""

    def __init__(self) -> None:
        self.channels: list[str] = []
        self.users: list[str] = []
        self.dates: list[tuple[str, str]] = []
        self.is_thread = False
        self.has_link = False

    def add(self, name: str, value: str) -> bool:
        """Record an operator; False when it is not one Slackline knows (searched as words)."""
        if name == "in":
            self.channels.append(value)
        elif name == "from":
            self.users.append(value)
        elif name in _DATE_OPERATORS:
            if date_range(name, value, dt.date(2000, 1, 1)) is None:
                return False
            self.dates.append((name, value.lower()))
        elif name == "is" and value.lower() == "thread":
            self.is_thread = True
        elif name == "has" and value.lower() == "link":
            self.has_link = True
        else:
            return False
        return True


def parse_query(raw: str) -> ParsedQuery:
    """The terms and operators of a query (see the module docstring)."""
    terms: list[Term] = []
    operators = _Operators()
    for text, quoted, negated in _pieces(raw):
        operator = None if quoted or negated else _OPERATOR.fullmatch(text)
        if operator is not None and operators.add(operator.group(1).lower(), operator.group(2)):
            continue
        term = _term(text, negated=negated, allow_prefix=not quoted)
        if term is not None:
            terms.append(term)
    return ParsedQuery(
        terms=tuple(dict.fromkeys(terms)),
        channels=tuple(dict.fromkeys(operators.channels)),
        users=tuple(dict.fromkeys(operators.users)),
        dates=tuple(operators.dates),
        is_thread=operators.is_thread,
        has_link=operators.has_link,
    )


def _period(value: str, today: dt.date, *, whole_periods: bool) -> tuple[dt.date, dt.date] | None:
    """The days ``[first, after last)`` a date value names."""
    if value == "today":
        return today, today + dt.timedelta(days=1)
    if value == "yesterday":
        return today - dt.timedelta(days=1), today
    try:
        day = _DAY.fullmatch(value)
        if day is not None:
            first = dt.date(int(day.group(1)), int(day.group(2)), int(day.group(3)))
            return first, first + dt.timedelta(days=1)
        month = _MONTH.fullmatch(value) if whole_periods else None
        if month is not None:
            year, number = int(month.group(1)), int(month.group(2))
            first = dt.date(year, number, 1)
            following = dt.date(year + number // 12, number % 12 + 1, 1)
            return first, following
        if whole_periods and _YEAR.fullmatch(value):
            return dt.date(int(value), 1, 1), dt.date(int(value) + 1, 1, 1)
    except (ValueError, OverflowError):
        return None
    return None


def _micros(day: dt.date) -> int:
    moment = dt.datetime(day.year, day.month, day.day, tzinfo=dt.UTC)
    return int(moment.timestamp()) * _MICROS_PER_SEC


def date_range(operator: str, value: str, today: dt.date) -> tuple[int, int] | None:
    """The microseconds ``[oldest, before)`` a date operator allows (days in UTC; ``before``
    is :data:`UNBOUNDED` for no bound), or None when the value is not a date."""
    period = _period(value.lower(), today, whole_periods=operator == "during")
    if period is None:
        return None
    first, following = period
    try:
        low, high = (min(_micros(day), UNBOUNDED) for day in (first, following))
    except (ValueError, OverflowError):
        return None
    if operator == "before":
        return 0, low
    if operator == "after":
        return high, UNBOUNDED
    return low, high


def dates_range(dates: tuple[tuple[str, str], ...], today: dt.date) -> tuple[int, int]:
    """Every date operator at once: ``[oldest, before)`` in microseconds (maybe empty)."""
    low, high = 0, UNBOUNDED
    for operator, value in dates:
        bounds = date_range(operator, value, today)
        if bounds is not None:
            low, high = max(low, bounds[0]), min(high, bounds[1])
    return low, high


@dataclass(frozen=True, slots=True)
class MessageQuery:
    """A resolved query, as the store answers it.

    ``channels`` and ``users`` are ``None`` for "any"; an empty tuple matches nothing.
    ``oldest`` (inclusive) and ``before`` (exclusive) are ts bounds, ``""`` for none.
    """

    team_id: str
    viewer: str
    terms: tuple[Term, ...] = ()
    channels: tuple[str, ...] | None = None
    users: tuple[str, ...] | None = None
    oldest: str = ""
    before: str = ""
    thread_only: bool = False
    links_only: bool = False

    def index_words(self) -> tuple[tuple[str, bool], ...]:
        """The words every match contains, ``(word, is_prefix)``: what the index is asked."""
        found: dict[tuple[str, bool], None] = {}
        for term in self.terms:
            if term.negated:
                continue
            for position, word in enumerate(term.words):
                if len(word) <= MAX_INDEXED_WORD_CHARS:
                    is_prefix = term.prefix and position == len(term.words) - 1
                    found[(word, is_prefix)] = None
        return tuple(found)

    def matches_nothing(self) -> bool:
        """Whether the query cannot match anything (no conversation, no user, no time)."""
        if self.channels == () or self.users == ():
            return True
        return bool(self.oldest and self.before and self.oldest >= self.before)


def message_matches(query: MessageQuery, message: Message) -> bool:
    """The one matching rule: every term as written, ``has:link``; the store has already
    applied the conversation, user, time, thread and visibility conditions."""
    if query.links_only and not _LINK.search(message.text):
        return False
    found = words(message.text)
    return all(bool(term.occurrences(found)) != term.negated for term in query.terms)


def score(terms: tuple[Term, ...], text: str) -> int:
    """How often the query's (not excluded) terms occur in the text."""
    found = words(text)
    return sum(len(term.occurrences(found)) for term in terms if not term.negated)


def highlighted(terms: tuple[Term, ...], text: str) -> str:
    """The text with each matched word between ``HIGHLIGHT_START`` and ``HIGHLIGHT_END``."""
    spans = word_spans(text)
    found = [word for _, _, word in spans]
    marked: set[int] = set()
    for term in terms:
        if term.negated:
            continue
        for start in term.occurrences(found):
            marked.update(range(start, start + len(term.words)))
    if not marked:
        return text
    pieces, position = [], 0
    for index in sorted(marked):
        start, end, _ = spans[index]
        pieces += [text[position:start], HIGHLIGHT_START, text[start:end], HIGHLIGHT_END]
        position = end
    pieces.append(text[position:])
    return "".join(pieces)
