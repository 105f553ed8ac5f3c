"""Parse a tool's raw JSON arguments into checked values with one-line errors for the model."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import msgspec

from burro.tools.base import ToolError


class Args:
    """The decoded arguments object of one call; getters raise ToolError naming the field."""

    def __init__(self, tool: str, payload: str, *, example: str) -> None:
        self.tool = tool
        self._example = example
        try:
            value: Any = msgspec.json.decode(payload.strip() or "{}")
        except msgspec.DecodeError as exc:
            raise ToolError(
                f"{tool}: arguments are not valid JSON ({_one_line(str(exc))}); "
                f"send a JSON object like {example}"
            ) from None
        if not isinstance(value, dict):
            raise ToolError(
                f"{tool}: arguments must be a JSON object like {example}, got {_json_type(value)}"
            )
        self.raw: dict[str, Any] = value

    def error(self, message: str) -> ToolError:
        return ToolError(f"{self.tool}: {message}")

    def _missing(self, key: str) -> ToolError:
        return self.error(
            f"missing required field '{key}'; send a JSON object like {self._example}"
        )

    def _wrong(self, key: str, expected: str, value: Any) -> ToolError:
        return self.error(f"field '{key}' must be {expected}, got {_json_type(value)}")

    def str_(self, key: str, *, required: bool = False, default: str | None = None) -> str | None:
        value = self.raw.get(key)
        if value is None:
            if required:
                raise self._missing(key)
            return default
        if not isinstance(value, str):
            raise self._wrong(key, "a string", value)
        return value

    def required_str(self, key: str) -> str:
        value = self.str_(key, required=True)
        assert value is not None
        return value

    def int_(self, key: str, *, default: int, minimum: int | None = None) -> int:
        value = self.raw.get(key)
        if value is None:
            return default
        if isinstance(value, bool) or not isinstance(value, int | float):
            if isinstance(value, str) and value.strip().lstrip("-").isdigit():
                value = int(value.strip())
            else:
                raise self._wrong(key, "a number", value)
        if isinstance(value, float):
            if value != value or value in (float("inf"), float("-inf")):
                raise self._wrong(key, "a finite number", value)
            value = int(value)
        if minimum is not None and value < minimum:
            raise self.error(f"field '{key}' must be at least {minimum}, got {value}")
        return value

    def get(self, key: str) -> Any:
        return self.raw.get(key)


def resolve_path(cwd: Path, raw: str) -> Path:
    """``raw`` relative to ``cwd`` (or absolute; ``~`` expanded), lexically normalised."""
    expanded = os.path.expanduser(raw)
    return Path(os.path.normpath(os.path.join(cwd, expanded)))


def _json_type(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int | float):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, list):
        return "an array"
    if isinstance(value, dict):
        return "an object"
    return type(value).__name__


def _one_line(text: str) -> str:
    return " ".join(text.split())
