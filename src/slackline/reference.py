"""``docs/reference.md``: every Web API method and RTM event Slackline serves, rendered from
the method table and the event catalogue so the list cannot go stale.

``python -m slackline.reference`` prints it (``make reference`` writes the file);
``tests/test_reference.py`` fails when the file and the rendering differ.
"""

from __future__ import annotations

import inspect
import sys
from collections.abc import Iterable, Mapping

from slackline.api.methods import all_methods
from slackline.api.registry import MethodSpec
from slackline.rtm.catalogue import EVENTS, EventDoc

# The page of docs/ that describes each method module's methods in full.
METHOD_PAGES: Mapping[str, str] = {
    "auth": "compatibility.md",
    "rtm": "rtm.md",
    "team": "web-api-workspace.md",
    "users": "web-api-workspace.md",
    "conversations": "web-api-conversations.md",
    "channels_admin": "web-api-conversations.md",
    "read_state": "web-api-conversations.md",
    "chat": "web-api-messages.md",
    "history": "web-api-messages.md",
    "threads": "web-api-messages.md",
    "message_edits": "web-api-messages.md",
    "scheduled": "web-api-messages.md",
    "reactions": "web-api-search-pins-stars.md",
    "pins": "web-api-search-pins-stars.md",
    "stars": "web-api-search-pins-stars.md",
    "search": "web-api-search-pins-stars.md",
    "legacy": "web-api-legacy.md",
    "bots": "web-api-workspace.md",
    "emoji": "web-api-workspace.md",
    "usergroups": "web-api-workspace.md",
    "prefs": "web-api-workspace.md",
    "misc": "web-api-workspace.md",
    "dnd": "web-api-workspace.md",
    "files": "web-api-files.md",
    "oauth": "apps.md",
    "socket_mode": "socket-mode.md",
}

HEADER = """# Reference: every method and event

Generated from the method table and the event catalogue (`src/slackline/rtm/catalogue.py`) by
`make reference`; `tests/test_reference.py` fails when this file is not what they render, so
the list cannot go stale. Each method's arguments, errors and choices are on the page linked
in its row.
"""


def method_module(spec: MethodSpec) -> str:
    """The method family module that serves ``spec`` (``chat``, ``legacy``, …)."""
    return spec.handler.__module__.rsplit(".", 1)[-1]


def summary(spec: MethodSpec) -> str:
    """The first sentence of the handler's docstring, on one line."""
    doc = inspect.getdoc(spec.client or spec.handler) or ""
    paragraph = " ".join(doc.split("\n\n", 1)[0].split())
    return paragraph.replace("``", "`").replace("|", "\\|")


def _notes(spec: MethodSpec) -> str:
    notes = []
    if spec.legacy:
        notes.append("legacy: `method_deprecated` when legacy methods are off")
    if not spec.publishes:
        notes.append("causes no event when called")
    return "; ".join(notes)


def render_methods(specs: Iterable[MethodSpec]) -> str:
    """The methods section: one row per method, sorted by name."""
    rows = [
        "## Web API methods",
        "",
        "| method | what it does | tier | scopes accepted | notes | page |",
        "|---|---|---|---|---|---|",
    ]
    ordered = sorted(specs, key=lambda spec: spec.name)
    for spec in ordered:
        tier = "special" if spec.tier is None else str(spec.tier)
        scopes = ", ".join(f"`{scope}`" for scope in spec.scopes)
        page = METHOD_PAGES[method_module(spec)]
        rows.append(
            f"| `{spec.name}` | {summary(spec)} | {tier} | {scopes} | {_notes(spec)} "
            f"| [{page}]({page}) |"
        )
    rows += ["", f"{len(ordered)} methods.", ""]
    return "\n".join(rows)


def _event_name(event: EventDoc) -> str:
    return f"`{event.type}` `{event.subtype}`" if event.subtype else f"`{event.type}`"


def render_events(events: Iterable[EventDoc]) -> str:
    """The events section: one row per event type (and message subtype)."""
    rows = [
        "## RTM events",
        "",
        "Every event is published by a service after its change is committed and reaches the",
        "sessions of exactly the audience below, in publish order; nothing reaches another team.",
        "",
        "| event | audience | caused by |",
        "|---|---|---|",
    ]
    ordered = sorted(events, key=lambda event: (event.type, event.subtype or ""))
    rows += [f"| {_event_name(e)} | {e.audience} | {e.caused_by} |" for e in ordered]
    rows += ["", f"{len(ordered)} event kinds.", ""]
    return "\n".join(rows)


def render() -> str:
    """The whole of ``docs/reference.md``."""
    return "\n".join([HEADER, render_methods(all_methods()), render_events(EVENTS)])


def main() -> None:
    """Print the reference page."""
    sys.stdout.write(render())


if __name__ == "__main__":
    main()
