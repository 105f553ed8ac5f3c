"""``burro mcp-server``: burro as an MCP server over stdio (tools ``burro`` and
``burro-reply``). The MCP SDK is imported when the command runs, never before."""

from __future__ import annotations

__all__ = ["serve"]


def serve(*, overrides: list[str], profile: str | None) -> int:
    """Serve on stdin/stdout until the client closes stdin; the exit status."""
    import asyncio

    from burro.frontends.mcp_server.server import BurroMcpServer

    server = BurroMcpServer(overrides=overrides, profile=profile)
    try:
        asyncio.run(server.run_stdio())
    except KeyboardInterrupt:
        return 130
    return 0
