"""MCP client: ``[mcp_servers]`` -> connections -> tools named ``mcp__<server>__<tool>``.
The MCP SDK is imported only when a server starts."""

from burro.tools.mcp.manager import McpManager, McpStartupError, start_mcp

__all__ = ["McpManager", "McpStartupError", "start_mcp"]
