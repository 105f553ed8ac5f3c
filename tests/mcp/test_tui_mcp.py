"""`/mcp` in the terminal UI: each server with its status, error and tools."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.mcp.kit import stdio, write_servers
from tests.tui.conftest import AppFactory, make_app, wait_for

pytestmark = pytest.mark.asyncio
__all__ = ["make_app"]  # the fixture, shared with tests/tui


async def test_slash_mcp_lists_servers_status_and_tools(
    make_app: AppFactory, burro_home: Path, toy: list[str], tmp_path: Path
) -> None:
    write_servers(
        burro_home,
        {
            "toy": stdio(toy, required=True, disabled_tools=["crash"]),
            "broken": {"command": str(tmp_path / "missing-server")},
        },
    )
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for(lambda: app.ready)
        await wait_for(lambda: "MCP server `broken` is unavailable" in app.chat.text())
        app.composer.text = "/mcp"
        await pilot.press("enter")
        await wait_for(lambda: "• MCP servers" in app.chat.text())
        text = app.chat.text()
        assert "toy ready" in text and "mcp__toy__hello" in text and "mcp__toy__touch" in text
        assert "mcp__toy__crash" not in text
        assert "broken failed" in text and "not found" in text
