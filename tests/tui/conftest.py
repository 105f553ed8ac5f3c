"""Helpers for TUI tests: the real app, a real session, the fake model server."""

from __future__ import annotations

import asyncio
import os
from collections.abc import Callable
from pathlib import Path

import pytest

from burro.frontends.tui.app import BurroApp
from burro.frontends.tui.options import TuiOptions
from tests.fakes.model_server import FakeModelServer
from tests.fakes.workspace import fake_provider_overrides

MODEL = "gpt-5.5"


def provider_overrides(server: FakeModelServer) -> list[str]:
    return fake_provider_overrides(server.base_url)


def tui_env(home: Path, *, user_home: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.endswith("_API_KEY")}
    env.update({"BURRO_HOME": str(home), "FAKE_KEY": "test-key", "HOME": str(user_home)})
    return env


AppFactory = Callable[..., BurroApp]


@pytest.fixture
def make_app(repo: Path, burro_home: Path, server: FakeModelServer) -> AppFactory:
    def make(
        *,
        approval: str = "never",
        sandbox: str = "workspace-write",
        prompt: str | None = None,
        config: list[str] | None = None,
        **opts: object,
    ) -> BurroApp:
        options = TuiOptions(
            prompt=prompt,
            model=MODEL,
            overrides=[*provider_overrides(server), *(config or [])],
            approval_policy=approval,
            sandbox=sandbox,
            **opts,  # type: ignore[arg-type]
        )
        return BurroApp(
            options, env=tui_env(burro_home, user_home=repo.parent), cwd=repo, clock=lambda: 0.0
        )

    return make


async def wait_for(predicate: Callable[[], bool], *, timeout: float = 15.0) -> None:
    """Poll until ``predicate()`` holds (the UI updates from real async events)."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not predicate():
        if loop.time() > deadline:
            raise AssertionError("condition not met in time")
        await asyncio.sleep(0.02)


def plain(app: BurroApp, renderable: object, *, width: int = 100) -> str:
    """A renderable as the plain text a user would read."""
    console = app.console
    lines = console.render_lines(renderable, console.options.update_width(width), pad=False)  # type: ignore[arg-type]
    return "\n".join("".join(s.text for s in line).rstrip() for line in lines)
