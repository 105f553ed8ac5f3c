"""Helpers for TUI tests: the real app, a real session, the fake model server."""

from __future__ import annotations

import asyncio
import os
import subprocess
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from burro.frontends.tui.app import BurroApp
from burro.frontends.tui.options import TuiOptions
from tests.fakes.model_server import FakeModelServer

MODEL = "gpt-5.5"


def provider_overrides(server: FakeModelServer) -> list[str]:
    table = (
        f'{{name="fake",base_url="{server.base_url}",wire_api="responses",env_key="FAKE_KEY",'
        f"retry_base_delay_ms=10}}"
    )
    return ["model_provider=fake", f"model_providers.fake={table}"]


def make_repo(path: Path) -> Path:
    path.mkdir(parents=True, exist_ok=True)
    subprocess.run(["git", "init", "-q", "-b", "main"], cwd=path, check=True)
    (path / "README.md").write_text("# demo\nhello from the demo repo\n", encoding="utf-8")
    return path


def tui_env(home: Path, *, user_home: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.endswith("_API_KEY")}
    env.update({"BURRO_HOME": str(home), "FAKE_KEY": "test-key", "HOME": str(user_home)})
    return env


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    return make_repo(tmp_path / "repo")


@pytest.fixture
def burro_home(tmp_path: Path) -> Path:
    home = tmp_path / "home"
    home.mkdir()
    return home


@pytest.fixture
def server() -> Iterator[FakeModelServer]:
    srv = FakeModelServer([])
    srv.start()
    try:
        yield srv
    finally:
        srv.stop()


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
