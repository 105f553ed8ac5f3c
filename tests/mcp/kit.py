"""Helpers: write [mcp_servers] into a test BURRO_HOME and start a scripted session."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any

from burro.protocol.items import FunctionCallOutput, Item
from tests.fakes.scripted import Run, ScriptedModel, settings_for, start


def _toml(value: Any) -> str:
    if isinstance(value, dict):
        return "{" + ", ".join(f"{json.dumps(k)} = {_toml(v)}" for k, v in value.items()) + "}"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        return "[" + ", ".join(_toml(v) for v in value) + "]"
    return json.dumps(value)


def stdio(argv: list[str], **extra: Any) -> dict[str, Any]:
    return {"command": argv[0], "args": argv[1:], **extra}


def write_servers(home: Path, servers: dict[str, dict[str, Any]], *, top: str = "") -> None:
    home.mkdir(parents=True, exist_ok=True)
    lines = [top] if top else []
    for name, table in servers.items():
        lines.append(f"[mcp_servers.{name}]")
        lines += [f"{k} = {_toml(v)}" for k, v in table.items()]
    (home / "config.toml").write_text("\n".join(lines) + "\n")


async def session(
    tmp: Path, servers: dict[str, dict[str, Any]], model: ScriptedModel, **kw: Any
) -> Run:
    home = tmp / "home"
    write_servers(home, servers)
    cwd = tmp / "work"
    cwd.mkdir(exist_ok=True)
    settings = settings_for(cwd, home, approval_policy=kw.pop("approval_policy", "never"))
    return await start(cwd, home, model, settings=settings, **kw)


def outputs(items: list[Item]) -> list[FunctionCallOutput]:
    return [i for i in items if isinstance(i, FunctionCallOutput)]


async def until(run: Run, server: str, status: str, *, timeout: float = 30) -> None:
    async def poll() -> None:
        while not any(s.name == server and s.status == status for s in run.handle.mcp_servers()):
            await asyncio.sleep(0.02)

    await asyncio.wait_for(poll(), timeout)
