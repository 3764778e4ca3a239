"""Numbered migrations: ``migrations/<dialect>/NNNN_name.sql`` files, applied in order, and
the repair of stored text (:mod:`slackline.storage.repair`), a migration written in Python."""

from __future__ import annotations

import re
from dataclasses import dataclass
from importlib import resources

from slackline.storage.repair import REPAIR_NAME, REPAIR_VERSION


@dataclass(frozen=True, slots=True)
class Migration:
    """One numbered migration: its version and its SQL statements."""

    version: int
    name: str
    statements: tuple[str, ...]
    repair: bool = False  # run the text repair (slackline.storage.repair) after the statements


_TRIGGER = re.compile(r"\s*CREATE\s+(TEMP\w*\s+)?TRIGGER\b", re.IGNORECASE)


def _split_statements(script: str) -> tuple[str, ...]:
    lines = [line for line in script.splitlines() if not line.strip().startswith("--")]
    statements: list[str] = []
    pending = ""
    for piece in "\n".join(lines).split(";"):
        pending = f"{pending};{piece}" if pending else piece
        # A trigger's body holds statements of its own: the trigger ends at its END.
        if _TRIGGER.match(pending) and not pending.rstrip().upper().endswith("END"):
            continue
        if pending.strip():
            statements.append(pending.strip())
        pending = ""
    return tuple(statements)


def load_migrations(dialect: str) -> list[Migration]:
    """Every migration shipped for a dialect, ordered by version."""
    folder = resources.files("slackline.storage").joinpath("migrations", dialect)
    migrations = []
    for entry in folder.iterdir():
        if entry.name.endswith(".sql"):
            number, _, name = entry.name.removesuffix(".sql").partition("_")
            migrations.append(Migration(int(number), name, _split_statements(entry.read_text())))
    migrations.append(Migration(REPAIR_VERSION, REPAIR_NAME, (), repair=True))
    return sorted(migrations, key=lambda m: m.version)
