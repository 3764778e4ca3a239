"""docs/reference.md is what the method table and the event catalogue render, and both
stay true to the code."""

from __future__ import annotations

import re
from pathlib import Path

from slackline.api.methods import all_methods
from slackline.reference import METHOD_PAGES, method_module, render
from slackline.rtm.catalogue import EVENTS

ROOT = Path(__file__).resolve().parents[1]
SOURCE = ROOT / "src" / "slackline"
# How a conversation-kind event name is composed: f"{event_prefix(c)}_marked" and the like.
_COMPOSED = re.compile(r'\}_([a-z_]+)"')


def _source_text() -> str:
    files = sorted(SOURCE.rglob("*.py"))
    skipped = {SOURCE / "rtm" / "catalogue.py", SOURCE / "reference.py"}
    return "\n".join(p.read_text(encoding="utf-8") for p in files if p not in skipped)


def test_the_reference_page_is_what_the_table_and_catalogue_render() -> None:
    written = (ROOT / "docs" / "reference.md").read_text(encoding="utf-8")
    assert written == render(), "docs/reference.md is stale: run `make reference`"


def test_every_method_module_names_a_page_that_exists() -> None:
    for spec in all_methods():
        page = METHOD_PAGES.get(method_module(spec))
        assert page is not None, spec.name
        assert (ROOT / "docs" / page).is_file(), page


def test_every_catalogued_event_is_made_somewhere_in_the_source() -> None:
    text = _source_text()
    composed = set(_COMPOSED.findall(text))
    for event in EVENTS:
        name = event.subtype or event.type
        suffix = name.split("_", 1)[-1]
        # Composed names: f"{event_prefix(c)}_marked", or f"{prefix}_{action}" with "archive".
        assert f'"{name}"' in text or suffix in composed or f'"{suffix}"' in text, name


def test_the_readme_counts_the_methods_served() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert f"**Web API methods**: {len(all_methods())} of them" in readme
