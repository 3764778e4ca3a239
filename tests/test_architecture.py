"""The shape docs/architecture.md describes, kept true: who may import what, and no test or
cluster hook on the production paths."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[1] / "src" / "slackline"
COMPOSITION = {"app.py"}
# The hot paths a server runs for every request and frame (issue 10).
HOT_PATHS = ("api/dispatch.py", "rtm/hub.py", "rtm/session.py", "rtm/endpoint.py", "rtm/client.py")
# Layers that never hold the application.
NARROW = ("api", "services", "rtm", "shared", "domain", "storage", "broker", "http")


def _modules() -> list[Path]:
    return sorted(p for p in SRC.rglob("*.py") if "__pycache__" not in p.parts)


def _code_names(path: Path) -> set[str]:
    """Every identifier and attribute name used in the code (docstrings and comments aside)."""
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Name):
            names.add(node.id)
        elif isinstance(node, ast.Attribute):
            names.add(node.attr)
    return names


def _imports(path: Path) -> set[str]:
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module:
            found.add(node.module)
        elif isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
    return found


def _relative(path: Path) -> str:
    return path.relative_to(SRC).as_posix()


def test_no_module_but_composition_asks_which_broker_it_has() -> None:
    offenders = []
    for path in _modules():
        if _relative(path) in COMPOSITION or _relative(path).startswith("broker/"):
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.Call) and getattr(node.func, "id", None) == "isinstance":
                text = ast.unparse(node)
                if "MemoryBroker" in text or "RedisBroker" in text:
                    offenders.append(f"{_relative(path)}: {text}")
    assert offenders == []


def test_no_module_tests_whether_it_runs_in_a_cluster() -> None:
    offenders = [
        _relative(path)
        for path in _modules()
        if _relative(path) not in COMPOSITION and "cluster" in _code_names(path)
    ]
    assert offenders == []


@pytest.mark.parametrize("module", HOT_PATHS)
def test_a_hot_path_checks_nothing_for_faults_or_journals(module: str) -> None:
    names = _code_names(SRC / module)
    assert not names & {"faults", "journal", "record", "record_frame", "record_call"}


@pytest.mark.parametrize("layer", NARROW)
def test_a_narrow_layer_never_imports_the_application(layer: str) -> None:
    offenders = [
        _relative(path) for path in (SRC / layer).rglob("*.py") if "slackline.app" in _imports(path)
    ]
    assert offenders == []


def test_handlers_reach_storage_only_through_the_read_only_view() -> None:
    offenders = [
        _relative(path)
        for path in (SRC / "api" / "methods").glob("*.py")
        if {"store", "app"} & _code_names(path)
    ]
    assert offenders == []


def test_only_the_testing_package_imports_the_testing_package() -> None:
    allowed = ("testing/", "control/", "toolkit.py", "pytest_plugin.py", "app.py")
    offenders = [
        _relative(path)
        for path in _modules()
        if not _relative(path).startswith(allowed)
        and any(name.startswith("slackline.testing") for name in _imports(path))
    ]
    assert offenders == []
