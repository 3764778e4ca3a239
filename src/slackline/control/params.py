"""Declared parameters of control endpoints and scenario steps: one declaration checks a JSON
body and describes it in the OpenAPI document, so the two cannot drift apart."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

from slackline.control.errors import ControlErrorCode, ControlInputError

Kind = Literal["string", "integer", "number", "boolean", "object", "array"]
_PYTHON_TYPES: dict[str, tuple[type, ...]] = {
    "string": (str,),
    "integer": (int,),
    "number": (int, float),
    "boolean": (bool,),
    "object": (dict,),
    "array": (list,),
}


@dataclass(frozen=True, slots=True)
class Param:
    """One key of a JSON object body."""

    name: str
    kind: Kind
    doc: str
    required: bool = False
    default: Any = None
    minimum: float | None = None
    maximum: float | None = None
    choices: tuple[str, ...] | None = None
    loose: bool = False  # checked by the code it is handed to (workspace-file fields)

    def check(self, value: Any) -> Any:
        """The value if it has this parameter's type and range, else ControlInputError."""
        if self.loose:
            return value
        types = _PYTHON_TYPES[self.kind]
        wrong_bool = isinstance(value, bool) and self.kind in ("integer", "number")
        if not isinstance(value, types) or wrong_bool:
            raise ControlInputError(
                ControlErrorCode.INVALID_ARGUMENTS, f"{self.name}: {self._expected()}"
            )
        if self.kind == "string" and not value:
            raise ControlInputError(
                ControlErrorCode.INVALID_ARGUMENTS, f"{self.name}: a non-empty string"
            )
        if self.choices is not None and value not in self.choices:
            raise ControlInputError(
                ControlErrorCode.INVALID_ARGUMENTS, f"{self.name}: one of {', '.join(self.choices)}"
            )
        if isinstance(value, int | float):
            self._check_range(float(value))
        return value

    def _check_range(self, number: float) -> None:
        if self.minimum is not None and number < self.minimum:
            raise ControlInputError(
                ControlErrorCode.INVALID_ARGUMENTS, f"{self.name}: at least {self.minimum:g}"
            )
        if self.maximum is not None and number > self.maximum:
            raise ControlInputError(
                ControlErrorCode.INVALID_ARGUMENTS, f"{self.name}: at most {self.maximum:g}"
            )

    def _expected(self) -> str:
        article = "an" if self.kind[0] in "aeiou" else "a"
        return f"{article} {self.kind}" + (" (whole number)" if self.kind == "integer" else "")

    def schema(self) -> dict[str, Any]:
        """This parameter as an OpenAPI (JSON Schema) property."""
        schema: dict[str, Any] = {"type": self.kind, "description": self.doc}
        if self.kind == "string" and self.choices is None:
            schema["minLength"] = 1
        if self.default is not None:
            schema["default"] = self.default
        if self.minimum is not None:
            schema["minimum"] = self.minimum
        if self.maximum is not None:
            schema["maximum"] = self.maximum
        if self.choices is not None:
            schema["enum"] = list(self.choices)
        return schema


def parse_params(params: tuple[Param, ...], body: dict[str, Any]) -> dict[str, Any]:
    """Check a JSON object against the declared parameters. The result has every key given
    (an explicit ``null`` stays None) and the defaults of the others that have one."""
    known = {p.name for p in params}
    unknown = sorted(set(body) - known)
    if unknown:
        allowed = ", ".join(p.name for p in params) or "none"
        raise ControlInputError(
            ControlErrorCode.INVALID_ARGUMENTS, f"unknown key {unknown[0]!r} (allowed: {allowed})"
        )
    values: dict[str, Any] = {}
    for param in params:
        value = body.get(param.name)
        if value is not None:
            values[param.name] = param.check(value)
        elif param.required:
            raise ControlInputError(ControlErrorCode.INVALID_ARGUMENTS, f"{param.name}: required")
        elif param.name in body:
            values[param.name] = None
        elif param.default is not None:
            values[param.name] = param.default
    return values


def object_schema(params: tuple[Param, ...]) -> dict[str, Any]:
    """A JSON Schema object of the parameters (no other keys allowed)."""
    schema: dict[str, Any] = {
        "type": "object",
        "properties": {p.name: p.schema() for p in params},
        "additionalProperties": False,
    }
    required = [p.name for p in params if p.required]
    if required:
        schema["required"] = required
    return schema


# Parameters shared by several endpoints.
TEAM = Param("team", "string", "a team id (every team when absent)")
USER = Param("user", "string", "a user id (every user when absent)")
COUNT_ONE = Param("count", "integer", "how many times", default=1, minimum=1)
COUNT_OPEN = Param("count", "integer", "how many times (until cleared when absent)", minimum=1)
