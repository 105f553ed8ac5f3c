"""The tool seam: what every tool implements and what it gets from the core."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

import msgspec

from burro.protocol.errors import BurroError, ErrorCode
from burro.protocol.events import Event
from burro.protocol.items import ImagePart
from burro.protocol.tools import ToolSpec
from burro.sandbox import NoSandbox, Sandbox


class ToolError(BurroError):
    """A tool failed in a way the model should read and can react to.

    The message goes back to the model as the tool output (success=false)."""

    code: ErrorCode = "tool"


class ToolResult(msgspec.Struct, kw_only=True):
    """What goes back to the model. ``output`` is already capped for the model."""

    output: str
    success: bool = True
    images: list[ImagePart] = []


@dataclass
class ToolContext:
    """Everything a tool may use. Tools never print: they ``emit`` protocol events."""

    turn_id: str
    call_id: str
    cwd: Path
    emit: Callable[[Event], None]
    env: Mapping[str, str] = field(default_factory=dict)
    sandbox: Sandbox = field(default_factory=NoSandbox)
    supports_images: bool = False
    # Model-facing output budget in bytes (head + tail kept, middle cut with a marker).
    output_limit_bytes: int = 10_000
    default_timeout_ms: int = 10_000


class Tool(Protocol):
    """A tool offered to the model.

    ``run`` receives the raw payload: the JSON arguments string for function tools,
    the raw text for freeform tools. It returns a ToolResult, raises ToolError for
    failures the model should see, and must stop promptly (killing any process group
    it started) when cancelled.
    """

    name: str
    # Read-only tools may run in parallel with each other; others run exclusively.
    parallel_safe: bool

    def spec(self, *, freeform: bool) -> ToolSpec: ...

    async def run(self, payload: str, ctx: ToolContext) -> ToolResult: ...
