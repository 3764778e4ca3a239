"""Repairing rows stored before Slackline refused text that cannot be encoded (decisions A.10).

A JSON column written with an escaped lone surrogate (``"\\ud800"``) decodes to a string no
UTF-8 encoder can write, which made every read of it fail. Migration
:data:`REPAIR_VERSION` finds such rows (their JSON text holds a ``\\ud…`` escape; pairs that
make a real character are left as they are) and replaces each lone surrogate with U+FFFD.
The search and the rewrite are the same for every dialect; each backend runs the statements
:func:`repair_statements` gives it.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from slackline.domain.text import without_lone_surrogates
from slackline.storage.sql import Dialect

REPAIR_VERSION = 3
REPAIR_NAME = "repair_unencodable_text"


@dataclass(frozen=True, slots=True)
class RepairTarget:
    """A JSON column to repair, and the key that names its rows."""

    table: str
    keys: tuple[str, ...]
    column: str


TARGETS = (
    RepairTarget("messages", ("conversation_id", "ts"), "extra"),
    RepairTarget("messages", ("conversation_id", "ts"), "edited"),
    RepairTarget("users", ("id",), "profile"),
)


@dataclass(frozen=True, slots=True)
class RepairStatements:
    """The search for suspect rows of one target and the update of one row, in a dialect."""

    target: RepairTarget
    select: str
    update: str


def repair_statements(dialect: Dialect) -> list[RepairStatements]:
    """The statements of every target in ``dialect``."""
    found = []
    for target in TARGETS:
        keys = ", ".join(target.keys)
        where = " AND ".join(f"{key} = ?" for key in target.keys)
        select = (
            f"SELECT {keys}, {target.column} FROM {target.table} "  # noqa: S608 - constants
            f"WHERE {dialect.find}(lower({target.column}), '\\ud') > 0"
        )
        update = f"UPDATE {target.table} SET {target.column} = ? WHERE {where}"  # noqa: S608
        found.append(RepairStatements(target, select, dialect.convert(update)))
    return found


def repaired(text: str | None) -> str | None:
    """The JSON text with its lone surrogates replaced, or None when nothing needs it."""
    if not text:
        return None
    try:
        document = json.loads(text)
    except ValueError:
        return None
    fixed = without_lone_surrogates(document)
    if fixed == document:
        return None
    return json.dumps(fixed, separators=(",", ":"))
