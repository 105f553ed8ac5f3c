"""Tool descriptions and parameter schemas, read lazily from ``burro/tools/data``."""

from __future__ import annotations

import functools
from typing import Any

import msgspec

from burro.protocol.tools import ToolSpec


@functools.cache
def _read(filename: str) -> str:
    from pathlib import Path

    return (Path(__file__).parent / "data" / filename).read_text(encoding="utf-8")


def description(name: str) -> str:
    """The model-facing description of tool ``name`` (``data/<name>.md``)."""
    return _read(f"{name}.md").strip()


def parameters(name: str) -> dict[str, Any]:
    """The JSON Schema of tool ``name``'s arguments (``data/<name>.schema.json``)."""
    value: dict[str, Any] = msgspec.json.decode(_read(f"{name}.schema.json"))
    return value


def function_spec(name: str, *, data_name: str | None = None) -> ToolSpec:
    """A function-tool spec named ``name`` built from the data files of ``data_name``."""
    key = data_name or name
    return ToolSpec(name=name, description=description(key), parameters=parameters(key))
