"""`burro acp`: an Agent Client Protocol agent over stdio (Zed, JetBrains, Neovim…)."""

from __future__ import annotations

__all__ = ["run_acp"]


def run_acp(*, overrides: list[str], profile: str | None = None, model: str | None = None) -> int:
    """Serve ACP on stdin/stdout until the editor closes the connection."""
    import asyncio

    return asyncio.run(_serve(overrides=overrides, profile=profile, model=model))


async def _serve(*, overrides: list[str], profile: str | None, model: str | None) -> int:
    from acp import run_agent
    from burro.frontends.acp.agent import AgentConfig, BurroAgent

    agent = BurroAgent(AgentConfig(overrides=overrides, profile=profile, model=model))
    try:
        await run_agent(agent)  # type: ignore[arg-type]
    finally:
        await agent.close()
    return 0
