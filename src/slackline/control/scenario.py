"""YAML fault scenarios: faults at offsets from the moment the scenario starts.

```yaml
name: flaky morning        # optional
steps:                     # or the list of steps as the whole document
  - at: 0s
    fault: fail_next
    method: rtm.connect
    error: ratelimited
    retry_after: 2
  - at: 2s
    fault: goodbye
    team: T0001
  - at: 1500ms
    fault: migrate_team
    team: T0001
    secs: 30
```

``at`` is seconds (a number) or a number with ``ms``, ``s`` or ``m``; ``fault`` is a fault
name of :data:`slackline.control.fault_endpoints.FAULTS`, the other keys its parameters (the
body of ``faults.<name>``). The whole scenario is checked before any step is scheduled.
Steps run on the server's loop, timed by the injected clock (see
:mod:`slackline.faults.schedule`).
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import yaml

from slackline.control.errors import ControlError, ControlErrorCode
from slackline.control.fault_endpoints import FAULTS, apply_fault
from slackline.control.params import parse_params

if TYPE_CHECKING:
    from slackline.app import App

_OFFSET = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(ms|s|m)?\s*$")
_UNIT_SECS = {"ms": 0.001, "s": 1.0, "m": 60.0, None: 1.0}


class ScenarioError(ControlError):
    """A scenario that cannot run; the message names the step and key."""

    def __init__(self, detail: str) -> None:
        super().__init__(400, ControlErrorCode.INVALID_SCENARIO, detail)


@dataclass(frozen=True, slots=True)
class Step:
    """One fault at an offset (seconds) from the scenario's start."""

    at_secs: float
    fault: str
    args: dict[str, Any]


@dataclass(frozen=True, slots=True)
class Scenario:
    """Checked steps, in file order."""

    steps: tuple[Step, ...]
    name: str | None = None


def parse_offset(value: object, where: str) -> float:
    """``2``, ``2.5``, ``"2s"``, ``"1500ms"``, ``"1m"`` as seconds."""
    if isinstance(value, int | float) and not isinstance(value, bool) and value >= 0:
        return float(value)
    match = _OFFSET.match(value) if isinstance(value, str) else None
    if match is None:
        raise ScenarioError(f"{where}: an offset such as 2, 2s, 1500ms or 1m")
    return float(match.group(1)) * _UNIT_SECS[match.group(2)]


def parse_scenario(document: object) -> Scenario:
    """Check a parsed scenario document (a list of steps, or ``{name, steps}``)."""
    name = None
    if isinstance(document, dict):
        unknown = sorted(set(document) - {"name", "steps"})
        if unknown:
            raise ScenarioError(f"unknown key {unknown[0]!r} (allowed: name, steps)")
        name, document = document.get("name"), document.get("steps")
        if name is not None and not isinstance(name, str):
            raise ScenarioError("name: a string")
    if not isinstance(document, list) or not document:
        raise ScenarioError("steps: a non-empty list of {at, fault, ...}")
    return Scenario(tuple(_step(raw, f"steps[{i}]") for i, raw in enumerate(document)), name)


def _step(raw: object, where: str) -> Step:
    if not isinstance(raw, dict):
        raise ScenarioError(f"{where}: a mapping with at and fault")
    body = dict(raw)
    if "at" not in body:
        raise ScenarioError(f"{where}.at: required")
    at_secs = parse_offset(body.pop("at"), f"{where}.at")
    fault_name = body.pop("fault", None)
    fault = FAULTS.get(fault_name) if isinstance(fault_name, str) else None
    if fault is None:
        raise ScenarioError(f"{where}.fault: one of {', '.join(FAULTS)}")
    try:
        args = parse_params(fault.params, body)
    except ControlError as exc:
        raise ScenarioError(f"{where}: {exc.detail}") from exc
    return Step(at_secs, fault.name, args)


def parse_scenario_text(text: str) -> Scenario:
    """Parse and check YAML (or JSON) scenario text."""
    try:
        document = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise ScenarioError(f"not valid YAML: {exc}") from exc
    return parse_scenario(document)


def load_scenario_file(path: str) -> Scenario:
    """Read and check a scenario file; errors name the file."""
    try:
        return parse_scenario_text(Path(path).read_text(encoding="utf-8"))
    except ScenarioError as exc:
        raise ScenarioError(f"{path}: {exc.detail}") from exc


def start_scenario(app: App, scenario: Scenario) -> None:
    """Schedule every step from now (on the server's loop; ``faults.clear`` drops them)."""
    for step in scenario.steps:
        action = functools.partial(apply_fault, app, FAULTS[step.fault], step.args)
        app.require_faults().at(step.at_secs, step.fault, action)
