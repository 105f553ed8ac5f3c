"""All MCP servers of a session: started in parallel, tools handed to the registry as
each server becomes ready, status for ``/mcp``, closed with the session."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Mapping
from pathlib import Path

from burro.config.mcp import McpServerConfig
from burro.protocol.errors import BurroError, ErrorCode
from burro.protocol.events import Event, Warning
from burro.protocol.mcp import McpServerStatus, McpToolStatus
from burro.tools.base import Tool
from burro.tools.mcp.connection import McpConnection
from burro.tools.mcp.tool import McpTool


class McpStartupError(BurroError):
    """A server marked ``required = true`` did not start."""

    code: ErrorCode = "mcp_startup"


class McpManager:
    def __init__(
        self, servers: Mapping[str, McpServerConfig], *, env: Mapping[str, str], cwd: Path
    ) -> None:
        self._conns = [
            McpConnection(name, servers[name], env=env, cwd=cwd, on_change=self._changed)
            for name in sorted(servers)
        ]
        self._tools: dict[str, list[Tool]] = {}
        self._emit: Callable[[Event], None] | None = None
        self._notices: list[Event] = []

    def start(self) -> None:
        for conn in self._conns:
            conn.start()

    async def wait_required(self) -> None:
        """Until every required server is ready; McpStartupError names the first that is not."""
        required = [c for c in self._conns if c.config.enabled and c.config.required]
        await asyncio.gather(*(c.wait_settled() for c in required))
        for conn in required:
            if conn.status != "ready":
                raise McpStartupError(
                    f"required MCP server `{conn.name}` failed to start: {conn.error}; fix its "
                    f"[mcp_servers.{conn.name}] table or set required = false"
                )

    async def wait_all(self) -> None:
        """Until every enabled server is ready or has failed (tests, `burro mcp get`)."""
        await asyncio.gather(*(c.wait_settled() for c in self._conns))

    def ready_tools(self) -> list[Tool]:
        """Tools of every ready server, servers by name, tools in the server's order."""
        out: list[Tool] = []
        for conn in self._conns:
            if conn.status == "ready" and conn.name not in self._tools:
                self._tools[conn.name] = [McpTool(info, conn) for info in conn.tools]
            out.extend(self._tools.get(conn.name, ()))
        return out

    def attach(self, emit: Callable[[Event], None]) -> None:
        """Report through ``emit`` from now on (notices so far are delivered first)."""
        self._emit = emit
        notices, self._notices = self._notices, []
        for event in notices:
            emit(event)

    def _changed(self, conn: McpConnection) -> None:
        if conn.status != "failed":
            return
        event = Warning(message=f"MCP server `{conn.name}` is unavailable: {conn.error}")
        if self._emit is None:
            self._notices.append(event)
        else:
            self._emit(event)

    def statuses(self) -> list[McpServerStatus]:
        return [
            McpServerStatus(
                name=c.name,
                status=c.status,
                transport=c.config.transport,
                target=c.config.url or " ".join([c.config.command or "", *c.config.args]),
                error=c.error,
                required=c.config.required,
                approval=c.config.approval,
                tools=[
                    McpToolStatus(name=t.name, qualified=t.qualified, description=t.description)
                    for t in c.tools
                ],
            )
            for c in self._conns
        ]

    async def close(self) -> None:
        await asyncio.gather(*(c.close() for c in self._conns), return_exceptions=True)


def start_mcp(
    servers: Mapping[str, McpServerConfig], *, env: Mapping[str, str], cwd: Path
) -> McpManager:
    """Start the servers in ``servers`` (in the background) and return their manager."""
    manager = McpManager(servers, env=env, cwd=cwd)
    manager.start()
    return manager
