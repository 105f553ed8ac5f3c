"""`burro app-server`: Codex's app-server protocol (v2, JSON-RPC over stdio)."""

from __future__ import annotations

__all__ = ["run_app_server"]


def run_app_server(
    *, overrides: list[str], profile: str | None = None, model: str | None = None
) -> int:
    """Serve JSON-RPC on stdin/stdout until the client closes stdin."""
    import asyncio

    from burro.frontends.app_server.server import AppServer, ServerConfig

    server = AppServer(ServerConfig(overrides=overrides, profile=profile, model=model))
    return asyncio.run(server.serve_stdio())
