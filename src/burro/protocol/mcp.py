"""What a front end shows about the session's MCP servers (``/mcp``, ``burro mcp get``)."""

from __future__ import annotations

from typing import Literal

import msgspec


class McpToolStatus(msgspec.Struct, kw_only=True, frozen=True):
    name: str  # as the server names it
    qualified: str  # as the model calls it: mcp__<server>__<tool>
    description: str = ""


class McpServerStatus(msgspec.Struct, kw_only=True, frozen=True):
    name: str
    status: Literal["starting", "ready", "failed", "disabled"]
    transport: Literal["stdio", "http"]
    target: str  # the command line or the URL
    error: str | None = None
    required: bool = False
    approval: Literal["never", "on-request", "always"] = "on-request"
    tools: list[McpToolStatus] = []
