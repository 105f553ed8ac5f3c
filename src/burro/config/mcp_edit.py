"""Adding and removing ``[mcp_servers.NAME]`` tables in config.toml as text, so the rest
of the file (comments, order, other tables) stays exactly as the user wrote it."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from burro.config.errors import ConfigError
from burro.config.mcp import McpServerConfig, server_table

_HEADER = re.compile(r"^\s*\[\[?\s*([^\]]+?)\s*\]\]?\s*(#.*)?$")


def toml_value(value: Any) -> str:
    """``value`` as a TOML value (strings, numbers, booleans, lists, tables)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, list):
        return "[" + ", ".join(toml_value(v) for v in value) + "]"
    if isinstance(value, dict):
        return (
            "{ " + ", ".join(f"{json.dumps(k)} = {toml_value(v)}" for k, v in value.items()) + " }"
        )
    return json.dumps(str(value))  # a JSON string is a valid TOML basic string


def render(name: str, server: McpServerConfig) -> str:
    lines = [f"[mcp_servers.{name}]"]
    lines += [f"{key} = {toml_value(v)}" for key, v in server_table(server).items()]
    return "\n".join(lines) + "\n"


def _key(header: str) -> list[str]:
    return [p.strip().strip('"').strip("'") for p in header.split(".")]


def _spans(lines: list[str], name: str) -> list[tuple[int, int]]:
    """Line ranges of ``[mcp_servers.NAME]`` and its sub-tables."""
    spans: list[tuple[int, int]] = []
    start: int | None = None
    for i, line in enumerate(lines):
        m = _HEADER.match(line)
        if not m:
            continue
        if start is not None:
            spans.append((start, i))
            start = None
        key = _key(m.group(1))
        if key[:2] == ["mcp_servers", name]:
            start = i
    if start is not None:
        spans.append((start, len(lines)))
    return spans


def remove_server(path: Path, name: str) -> bool:
    """Remove the server's tables; False when the file has none for it."""
    text = path.read_text(encoding="utf-8") if path.is_file() else ""
    lines = text.splitlines(keepends=True)
    spans = _spans(lines, name)
    if not spans:
        return False
    for start, end in reversed(spans):
        del lines[start:end]
    path.write_text("".join(lines), encoding="utf-8")
    return True


def add_server(path: Path, name: str, server: McpServerConfig, *, replace: bool) -> None:
    """Append the server's table (replacing an existing one when ``replace``)."""
    text = path.read_text(encoding="utf-8") if path.is_file() else ""
    if _spans(text.splitlines(keepends=True), name):
        if not replace:
            raise ConfigError(
                f"MCP server `{name}` already exists in {path}; remove it first "
                f"(burro mcp remove {name}) or pass --replace"
            )
        remove_server(path, name)
        text = path.read_text(encoding="utf-8")
    if text and not text.endswith("\n"):
        text += "\n"
    sep = "\n" if text.strip() else ""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text + sep + render(name, server), encoding="utf-8")
