"""Every decision code the repository cites resolves to a section of docs/decisions.md.

Source and docs cite the binding choices as "decisions X.Y"; docs link to them as
``decisions.md#x1-title``. These tests keep both resolvable, and keep the repository free of
references to files outside it (the decisions used to live in such a file).
"""

from __future__ import annotations

import re
import subprocess
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import unquote

ROOT = Path(__file__).resolve().parents[2]
DECISIONS = ROOT / "docs" / "decisions.md"
THIS_FILE = Path(__file__).resolve()

SKIP_DIRS = frozenset({"node_modules", "build", "__pycache__"})
CITING_PATHS = ("src", "docs", "README.md", "examples", "bench")
CITING_SUFFIXES = frozenset({".py", ".md", ".yaml", ".sql", ".txt"})
LINKING_PATHS = ("docs", "README.md")
SELF_CONTAINED_PATHS = ("src", "docs", "tests", "examples", "bench", "README.md", "Makefile", ".ci")
OUTSIDE_REFERENCES = (
    "../shared",
    "shared/reference",
    "/work/",
    "slack-rtm-protocol",  # also catches "slack-rtm-protocol.md" and "slack-rtm-protocol 3.1"
    "rtm.connect.txt",
    "real-clients.md",
    "STYLE.md",
)

_CODE = r"[A-Z]\.\d+"
_SEPARATOR = r"\s*(?:,|-|\u2013|\band\b)\s*"  # comma, hyphen, en dash, "and"
CITATION = re.compile(rf"\b(?i:decisions)\s+(?P<codes>{_CODE}(?:{_SEPARATOR}{_CODE})*)")
GROUP_CITATION = re.compile(r"\b(?i:decisions)\s+(?P<group>[A-Z])(?!\w|\.\w)")
RANGE = re.compile(rf"(?P<first>{_CODE})\s*[-\u2013]\s*(?P<last>{_CODE})")
HEADING = re.compile(r"^(?P<level>#{1,6})\s+(?P<text>.+?)\s*#*\s*$")
GROUP_HEADING = re.compile(r"^(?P<group>[A-Z])\.\s")
SECTION_HEADING = re.compile(r"^(?P<code>[A-Z]\.\d+)\s")
MARKDOWN_LINK = re.compile(r"\[[^\]]*\]\((?P<target>[^)\s]+)(?:\s+\"[^\"]*\")?\)")


# ---------------------------------------------------------------------------------------------
# Helpers


def _skipped(path: Path) -> bool:
    """Virtualenvs, dependencies, build output, caches and benchmark results are not ours."""
    parts = path.relative_to(ROOT).parts
    if parts[:2] == ("bench", "results"):
        return True
    return any(
        part in SKIP_DIRS or part.startswith(".venv") or part.endswith(".egg-info")
        for part in parts
    )


def _walk(names: tuple[str, ...]) -> Iterator[Path]:
    """Every file under the given repository paths, skipped directories left out."""
    for name in names:
        top = ROOT / name
        candidates = [top] if top.is_file() else sorted(top.rglob("*"))
        for path in candidates:
            if path.is_file() and not _skipped(path):
                yield path


def _repository_files(names: tuple[str, ...]) -> list[Path]:
    """Tracked (and new, not ignored) files under ``names``; a plain walk without git."""
    try:
        listing = subprocess.run(
            ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard", "--", *names],
            cwd=ROOT,
            capture_output=True,
            check=True,
        ).stdout
    except (OSError, subprocess.CalledProcessError):
        return list(_walk(names))
    paths = (ROOT / name for name in listing.decode().split("\0") if name)
    return sorted(path for path in paths if path.is_file() and not _skipped(path))


def _text(path: Path) -> str | None:
    """The file's text, or None for a binary file."""
    data = path.read_bytes()
    if b"\0" in data:
        return None
    return data.decode("utf-8", errors="replace")


def _line_of(text: str, offset: int) -> int:
    return text.count("\n", 0, offset) + 1


def _where(path: Path, text: str, offset: int) -> str:
    return f"{path.relative_to(ROOT)}:{_line_of(text, offset)}"


def github_anchor(heading: str) -> str:
    """The anchor GitHub gives a heading (before de-duplication).

    Link targets and inline HTML are dropped, the text is lower-cased, everything but letters,
    digits, ``_``, ``-`` and spaces is removed, and spaces become ``-``.
    """
    text = re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", heading)
    text = re.sub(r"<[^>]+>", "", text)
    text = re.sub(r"[^\w\- ]", "", text.strip().lower())
    return text.replace(" ", "-")


def _headings(text: str) -> list[tuple[int, str]]:
    """(level, text) of every heading outside fenced code blocks."""
    headings: list[tuple[int, str]] = []
    fenced = False
    for line in text.splitlines():
        if line.lstrip().startswith(("```", "~~~")):
            fenced = not fenced
            continue
        match = HEADING.match(line)
        if match and not fenced:
            headings.append((len(match["level"]), match["text"]))
    return headings


def document_anchors(text: str) -> list[str]:
    """Every anchor of a Markdown document, with GitHub's ``-1``, ``-2`` suffixes for repeats."""
    seen: dict[str, int] = {}
    anchors: list[str] = []
    for _, heading in _headings(text):
        base = github_anchor(heading)
        count = seen.get(base, 0)
        seen[base] = count + 1
        anchors.append(base if count == 0 else f"{base}-{count}")
    return anchors


def decision_sections() -> dict[str, str]:
    """Section code (``B.1``) and group code (``B``) to the anchor of its heading."""
    text = DECISIONS.read_text(encoding="utf-8")
    sections: dict[str, str] = {}
    for (_, heading), anchor in zip(_headings(text), document_anchors(text), strict=True):
        match = SECTION_HEADING.match(heading) or GROUP_HEADING.match(heading)
        if match:
            sections[match[1]] = anchor
    return sections


def _expand(codes: str) -> set[str]:
    """``A.2-A.8, B.1`` (hyphen or en dash) names A.2 to A.8 and B.1."""
    named = set(re.findall(_CODE, codes))
    for match in RANGE.finditer(codes):
        first, last = match["first"], match["last"]
        if first[0] == last[0]:
            low, high = int(first[2:]), int(last[2:])
            named.update(f"{first[0]}.{number}" for number in range(low, high + 1))
    return named


def _citing_texts() -> Iterator[tuple[Path, str]]:
    for path in _walk(CITING_PATHS):
        if path.suffix in CITING_SUFFIXES:
            text = _text(path)
            if text is not None:
                yield path, text


# ---------------------------------------------------------------------------------------------
# Tests


def test_github_anchor_matches_githubs_rules() -> None:
    assert github_anchor("A.1 Status codes") == "a1-status-codes"
    assert github_anchor("B. Tokens and the rtm.connect errors") == (
        "b-tokens-and-the-rtmconnect-errors"
    )
    assert github_anchor("Storage [F](decisions.md#f-storage)") == "storage-f"
    assert github_anchor("RTM socket **(ours, within decisions E)**") == (
        "rtm-socket-ours-within-decisions-e"
    )


def test_every_cited_decision_section_exists() -> None:
    sections = decision_sections()
    missing = [
        f"{_where(path, text, match.start())}: decisions {code}"
        for path, text in _citing_texts()
        for match in CITATION.finditer(text)
        for code in sorted(_expand(match["codes"]))
        if code not in sections
    ]
    assert not missing, "cited decisions missing from docs/decisions.md:\n" + "\n".join(missing)


def test_every_cited_decision_group_exists() -> None:
    sections = decision_sections()
    missing = [
        f"{_where(path, text, match.start())}: decisions {match['group']}"
        for path, text in _citing_texts()
        for match in GROUP_CITATION.finditer(text)
        if match["group"] not in sections
    ]
    assert not missing, "cited groups missing from docs/decisions.md:\n" + "\n".join(missing)


def test_every_section_heading_has_an_anchor_derived_from_its_code() -> None:
    sections = decision_sections()
    wrong = {
        code: anchor
        for code, anchor in sections.items()
        if not anchor.startswith(code.replace(".", "").lower() + "-")
    }
    assert sections
    assert not wrong, f"headings whose anchor does not start with their code: {wrong}"


def test_sections_are_numbered_without_gaps_within_their_groups() -> None:
    text = DECISIONS.read_text(encoding="utf-8")
    group = ""
    numbers: dict[str, list[int]] = {}
    misplaced: list[str] = []
    for level, heading in _headings(text):
        if level == 2 and (group_match := GROUP_HEADING.match(heading)):
            group = group_match["group"]
            numbers[group] = []
        elif section_match := SECTION_HEADING.match(heading):
            code = section_match["code"]
            if level != 3 or code[0] != group:
                misplaced.append(code)
            numbers.setdefault(code[0], []).append(int(code[2:]))
    assert not misplaced, f"sections outside their '## X.' group or not '###': {misplaced}"
    gaps = {g: found for g, found in numbers.items() if found != list(range(1, len(found) + 1))}
    assert sorted(numbers) == ["A", "B", "C", "D", "E", "F"]
    assert not gaps, f"section numbers must run 1, 2, 3... in order: {gaps}"


def test_links_into_decisions_point_at_existing_anchors() -> None:
    anchors = set(document_anchors(DECISIONS.read_text(encoding="utf-8")))
    broken: list[str] = []
    for path in _walk(LINKING_PATHS):
        if path.suffix != ".md":
            continue
        text = path.read_text(encoding="utf-8")
        for match in MARKDOWN_LINK.finditer(text):
            target = match["target"]
            if "://" in target or target.startswith("mailto:"):
                continue
            file_part, _, fragment = target.partition("#")
            linked = (path.parent / unquote(file_part)).resolve() if file_part else path
            if linked == DECISIONS and fragment and unquote(fragment) not in anchors:
                broken.append(f"{_where(path, text, match.start())}: {target}")
    assert not broken, "links to missing anchors of docs/decisions.md:\n" + "\n".join(broken)


def test_no_file_refers_to_a_path_outside_the_repository() -> None:
    hits: list[str] = []
    for path in _repository_files(SELF_CONTAINED_PATHS):
        text = _text(path)
        if path == THIS_FILE or text is None:
            continue
        for needle in OUTSIDE_REFERENCES:
            hits.extend(
                f"{_where(path, text, match.start())}: {needle}"
                for match in re.finditer(re.escape(needle), text)
            )
    assert not hits, "references to files outside the repository:\n" + "\n".join(sorted(hits))
