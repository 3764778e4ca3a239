"""Permalinks (pure): their form, parsing them back, and the page shown for them."""

from __future__ import annotations

from slackline.domain.models import Message
from slackline.domain.permalinks import PermalinkTarget, parse_permalink, permalink, permalink_page

WORKSPACE = "http://127.0.0.1:8080/acme/"


def message(ts: str, thread_ts: str | None = None) -> Message:
    """A message of C1."""
    return Message(channel="C1", ts=ts, team_id="T1", user="U1", text="x", thread_ts=thread_ts)


def test_a_message_links_to_archives_channel_and_its_ts_digits() -> None:
    link = permalink(WORKSPACE, message("1700000000.000123"))
    assert link == WORKSPACE + "archives/C1/p1700000000000123"


def test_a_reply_links_with_its_thread_and_channel() -> None:
    link = permalink(WORKSPACE, message("1700000000.000200", "1700000000.000100"))
    assert link.endswith("p1700000000000200?thread_ts=1700000000.000100&cid=C1")


def test_a_permalink_path_parses_back_to_its_target() -> None:
    target = parse_permalink("/acme/archives/C1/p1700000000000200", "thread_ts=1700000000.000100")
    assert target == PermalinkTarget("acme", "C1", "1700000000.000200", "1700000000.000100")


def test_a_malformed_thread_ts_in_the_query_is_ignored() -> None:
    target = parse_permalink("/acme/archives/C1/p1700000000000200", "thread_ts=soon")
    assert target is not None and target.thread_ts is None


def test_other_paths_are_not_permalinks() -> None:
    for path in ("/acme/archives/C1/p17", "/archives/C1/p1700000000000200", "/a/b/c"):
        assert parse_permalink(path) is None


def test_the_page_escapes_what_the_path_carries() -> None:
    page = permalink_page(PermalinkTarget('<b"x>', "C1", "1700000000.000200"))
    assert '<b"x>' not in page and "&lt;b&quot;x&gt;" in page
