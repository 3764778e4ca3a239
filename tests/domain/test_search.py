"""The search query language and matching rule (domain/search.py), pure: words, phrases,
prefixes, exclusions, operators, dates, scores and highlights."""

from __future__ import annotations

import datetime as dt

from slackline.domain.models import Message
from slackline.domain.search import (
    HIGHLIGHT_END,
    HIGHLIGHT_START,
    UNBOUNDED,
    MessageQuery,
    Term,
    date_range,
    highlighted,
    message_matches,
    parse_query,
    score,
    words,
)

TODAY = dt.date(2026, 12, 2)
DAY_MICROS = 86_400 * 1_000_000


def matches(query: str, text: str) -> bool:
    """Whether ``query``'s words match a message of ``text``."""
    parsed = parse_query(query)
    message = Message("C1", "1.000001", "T1", "U1", text)
    resolved = MessageQuery("T1", "U1", terms=parsed.terms, links_only=parsed.has_link)
    return message_matches(resolved, message)


def test_words_are_runs_of_letters_numbers_and_marks_in_lower_case() -> None:
    assert words("Hello, World-class café #42!") == ["hello", "world", "class", "café", "42"]


def test_every_word_must_occur_in_any_order() -> None:
    assert matches("fox quick", "the quick brown fox")
    assert not matches("fox slow", "the quick brown fox")


def test_a_quoted_phrase_must_occur_in_order() -> None:
    assert matches('"quick brown"', "the quick brown fox")
    assert not matches('"brown quick"', "the quick brown fox")


def test_a_word_with_punctuation_inside_is_a_phrase() -> None:
    assert parse_query("world-class").terms == (Term(("world", "class")),)
    assert matches("alice@example.com", "write to alice@example.com")


def test_a_trailing_star_matches_a_prefix() -> None:
    assert matches("deplo*", "deployment done")
    assert not matches("deplo", "deployment done")


def test_a_minus_excludes_a_word_or_phrase() -> None:
    assert matches("deploy -friday", "deploy on monday")
    assert not matches("deploy -friday", "deploy on friday")
    assert not matches('deploy -"on friday"', "deploy on friday")


def test_in_and_from_are_operators_not_words() -> None:
    parsed = parse_query("walrus in:#general in:<#C1|x> from:@bob from:<@U2>")
    assert parsed.channels == ("#general", "<#C1|x>")
    assert parsed.users == ("@bob", "<@U2>")
    assert parsed.terms == (Term(("walrus",)),)


def test_an_unknown_operator_is_searched_as_words() -> None:
    parsed = parse_query("colour:blue")
    assert parsed.terms == (Term(("colour", "blue")),)
    assert parsed.channels == ()


def test_quoted_operators_are_words() -> None:
    assert parse_query('"in:general"').terms == (Term(("in", "general")),)


def test_has_link_needs_a_link() -> None:
    assert matches("has:link", "see https://example.com")
    assert not matches("has:link", "see example.com")


def test_date_operators_bound_whole_utc_days() -> None:
    first = int(dt.datetime(2026, 11, 30, tzinfo=dt.UTC).timestamp()) * 1_000_000
    assert date_range("on", "2026-11-30", TODAY) == (first, first + DAY_MICROS)
    assert date_range("before", "2026-11-30", TODAY) == (0, first)
    assert date_range("after", "2026-11-30", TODAY) == (first + DAY_MICROS, UNBOUNDED)
    assert date_range("on", "yesterday", TODAY) == (first + DAY_MICROS, first + 2 * DAY_MICROS)
    assert date_range("on", "someday", TODAY) is None


def test_during_takes_a_month_or_a_year() -> None:
    low, high = date_range("during", "2026-02", TODAY) or (0, 0)
    assert (high - low) // DAY_MICROS == 28
    low, high = date_range("during", "2024", TODAY) or (0, 0)
    assert (high - low) // DAY_MICROS == 366


def test_an_empty_query_has_nothing_to_search() -> None:
    assert parse_query("  ").is_empty
    assert parse_query("-").is_empty
    assert not parse_query("in:#general").is_empty


def test_score_counts_every_occurrence_of_every_term() -> None:
    terms = parse_query("heron fish").terms
    assert score(terms, "heron heron eats fish") == 3


def test_highlight_marks_each_matched_word_and_keeps_the_rest() -> None:
    terms = parse_query('"brown fox" -quick').terms
    assert highlighted(terms, "The quick Brown fox.") == (
        f"The quick {HIGHLIGHT_START}Brown{HIGHLIGHT_END} {HIGHLIGHT_START}fox{HIGHLIGHT_END}."
    )
    assert highlighted(terms, "nothing here") == "nothing here"


def test_a_query_naming_no_conversation_matches_nothing() -> None:
    assert MessageQuery("T1", "U1", channels=()).matches_nothing()
    assert MessageQuery("T1", "U1", oldest="2.000000", before="1.000000").matches_nothing()
    assert not MessageQuery("T1", "U1").matches_nothing()
