"""How MCP tools are named for the model: ``mcp__<server>__<tool>``."""

from __future__ import annotations

import hashlib
import re

PREFIX = "mcp__"
_SEP = "__"
_MAX = 64  # the longest function name the model APIs accept
_BAD = re.compile(r"[^A-Za-z0-9_-]")


def qualified_name(server: str, tool: str) -> str:
    """``mcp__<server>__<tool>`` with characters the APIs refuse replaced by ``_``; a name
    over 64 characters is cut and ends with a hash of the full name (so it stays unique)."""
    raw = f"{PREFIX}{server}{_SEP}{tool}"
    name = _BAD.sub("_", raw)
    if len(name) > _MAX:
        digest = hashlib.sha1(raw.encode()).hexdigest()[:10]
        name = f"{name[: _MAX - len(digest) - 1]}_{digest}"
    return name
