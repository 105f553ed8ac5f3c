"""An MCP server's tool, offered to the model as ``mcp__<server>__<tool>``."""

from __future__ import annotations

import json
import time
from typing import TYPE_CHECKING, Any

from burro.protocol.events import ToolCallBegin, ToolCallEnd
from burro.protocol.tools import ToolSpec
from burro.tools.base import CallApproval, ToolBase, ToolContext, ToolResult
from burro.tools.mcp.connection import McpCallError, McpToolInfo
from burro.tools.mcp.results import convert

if TYPE_CHECKING:
    from burro.tools.mcp.connection import McpConnection


def _schema(raw: dict[str, Any]) -> dict[str, Any]:
    """The server's input schema as the model APIs accept it (an object with properties)."""
    schema = {k: v for k, v in raw.items() if k != "$schema"}
    schema["type"] = "object"
    schema.setdefault("properties", {})
    return schema


class McpTool(ToolBase):
    self_reporting = True  # its begin/end events name the server

    def __init__(self, info: McpToolInfo, connection: McpConnection) -> None:
        self.info = info
        self.name = info.qualified
        self.parallel_safe = connection.config.supports_parallel_tool_calls
        self._conn = connection

    def spec(self, *, freeform: bool) -> ToolSpec:
        return ToolSpec(
            name=self.name,
            description=self.info.description,
            parameters=_schema(self.info.input_schema),
        )

    async def run(self, payload: str, ctx: ToolContext) -> ToolResult:
        info = self.info
        ctx.emit(
            ToolCallBegin(
                turn_id=ctx.turn_id,
                call_id=ctx.call_id,
                tool=self.name,
                arguments=payload,
                mcp_server=info.server,
                mcp_tool=info.name,
            )
        )
        started = time.monotonic()
        result = await self._call(payload, ctx)
        ctx.emit(
            ToolCallEnd(
                turn_id=ctx.turn_id,
                call_id=ctx.call_id,
                tool=self.name,
                output=result.full_output if result.full_output is not None else result.output,
                success=result.success,
                duration_ms=int((time.monotonic() - started) * 1000),
                mcp_server=info.server,
                mcp_tool=info.name,
            )
        )
        return result

    async def _call(self, payload: str, ctx: ToolContext) -> ToolResult:
        info = self.info
        try:
            arguments = json.loads(payload) if payload.strip() else {}
        except json.JSONDecodeError as exc:
            return _failed(f"arguments are not valid JSON ({exc}); send a JSON object")
        if not isinstance(arguments, dict):
            return _failed("arguments must be a JSON object")
        shown = json.dumps(arguments, ensure_ascii=False)
        refusal = await ctx.approve_call(
            CallApproval(
                display=f"{info.server}.{info.name} {shown}",
                reason=f"call tool `{info.name}` of MCP server `{info.server}`",
                key=self.name,
                mode=self._conn.config.approval,
                read_only=info.read_only,
            )
        )
        if refusal is not None:
            return ToolResult(output=refusal, success=False, status="declined")
        try:
            result = await self._conn.call(info.name, arguments)
        except McpCallError as exc:
            return _failed(str(exc))
        return convert(result, supports_images=ctx.supports_images, limit=ctx.output_limit_bytes)


def _failed(message: str) -> ToolResult:
    return ToolResult(output=message, success=False, status="failed")
