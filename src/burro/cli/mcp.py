"""`burro mcp list|get|add|remove` (the [mcp_servers] of config.toml) and `burro mcp-server`."""

from __future__ import annotations

import sys
from typing import Any

import click

_APPROVAL = click.Choice(["never", "on-request", "always"])


def _fail(message: str) -> None:
    click.echo(f"error: {message}", err=True)
    sys.exit(1)


def _settings() -> Any:
    import os
    from pathlib import Path

    from burro.config import ConfigError, load_settings

    try:
        return load_settings(cwd=Path.cwd(), env=os.environ)
    except ConfigError as exc:
        _fail(str(exc))


def _config_path() -> Any:
    import os

    from burro.config import burro_home

    return burro_home(os.environ) / "config.toml"


@click.group("mcp")
def mcp_group() -> None:
    """MCP servers whose tools burro offers the model ([mcp_servers] in config.toml).

    \b
    Examples:
      burro mcp add git -- uvx mcp-server-git
      burro mcp add docs --url https://example.com/mcp --bearer-token-env-var DOCS_TOKEN
      burro mcp list
      burro mcp get git          (starts it and lists its tools)
      burro mcp remove git"""


@mcp_group.command("list")
@click.option("--json", "json_mode", is_flag=True, help="One JSON object per server.")
def mcp_list(json_mode: bool) -> None:
    """The configured servers (without starting them)."""
    import json

    from burro.config.mcp import server_table

    servers = _settings().mcp_servers
    if not servers:
        click.echo("no MCP servers configured; add one with `burro mcp add`", err=True)
    for name in sorted(servers):
        cfg = servers[name]
        if json_mode:
            click.echo(json.dumps({"name": name, **server_table(cfg)}))
            continue
        target = cfg.url or " ".join([cfg.command or "", *cfg.args])
        flags = [
            "enabled" if cfg.enabled else "disabled",
            *(["required"] if cfg.required else []),
            f"approval={cfg.approval}",
        ]
        click.echo(f"{name:<16} {cfg.transport:<5} {', '.join(flags):<36} {target}")


@mcp_group.command("get")
@click.argument("name")
@click.option("--json", "json_mode", is_flag=True, help="Print the status as JSON.")
def mcp_get(name: str, json_mode: bool) -> None:
    """One server's settings; starts it to show its status and tools."""
    import asyncio
    import os

    import msgspec

    from burro.config.mcp_edit import render
    from burro.core.api import mcp_servers_status

    settings = _settings()
    cfg = settings.mcp_servers.get(name)
    if cfg is None:
        known = ", ".join(sorted(settings.mcp_servers)) or "none"
        _fail(f"no MCP server `{name}` in {_config_path()} (configured: {known})")
    [status] = asyncio.run(mcp_servers_status(settings, os.environ, names=[name]))
    if json_mode:
        click.echo(msgspec.json.encode(status).decode())
    else:
        click.echo(render(name, cfg), nl=False)
        click.echo(f"\nstatus: {status.status}" + (f" ({status.error})" if status.error else ""))
        for tool in status.tools:
            click.echo(f"  {tool.qualified}  {' '.join(tool.description.split())[:70]}")
    if status.status == "failed":
        sys.exit(1)


def _pairs(values: tuple[str, ...], what: str) -> dict[str, str]:
    out: dict[str, str] = {}
    for text in values:
        key, sep, value = text.partition("=")
        if not sep or not key:
            _fail(f"{what} {text!r}: expected KEY=VALUE")
        out[key] = value
    return out


@mcp_group.command("add", context_settings={"ignore_unknown_options": True})
@click.argument("name")
@click.option("--url", help="A streamable HTTP server instead of a command.")
@click.option("--env", "envs", multiple=True, metavar="KEY=VALUE", help="Server environment.")
@click.option("--bearer-token-env-var", metavar="VAR", help="HTTP: send $VAR as a bearer token.")
@click.option("--header", "headers", multiple=True, metavar="NAME=VALUE", help="HTTP header.")
@click.option("--required", is_flag=True, help="Refuse to start a session without it.")
@click.option("--approval", type=_APPROVAL, help="When its calls need approval.")
@click.option("--startup-timeout", type=float, help="Seconds to wait for it to start.")
@click.option("--tool-timeout", type=float, help="Seconds a call may take.")
@click.option("--replace", is_flag=True, help="Replace a server of the same name.")
@click.argument("command", nargs=-1, type=click.UNPROCESSED)
def mcp_add(name: str, command: tuple[str, ...], **kw: Any) -> None:
    """Add a server: `burro mcp add NAME -- COMMAND ARGS...` or `--url URL`."""
    import msgspec

    from burro.config import ConfigError
    from burro.config.mcp import McpServerConfig, check_servers
    from burro.config.mcp_edit import add_server

    argv = list(command[1:] if command[:1] == ("--",) else command)
    table: dict[str, Any] = {
        "command": argv[0] if argv else None,
        "args": argv[1:],
        "url": kw["url"],
        "env": _pairs(kw["envs"], "--env"),
        "http_headers": _pairs(kw["headers"], "--header"),
        "bearer_token_env_var": kw["bearer_token_env_var"],
        "required": kw["required"],
        "startup_timeout_sec": kw["startup_timeout"],
    }
    if kw["approval"]:
        table["approval"] = kw["approval"]
    if kw["tool_timeout"]:
        table["tool_timeout_sec"] = kw["tool_timeout"]
    path = _config_path()
    try:
        server = msgspec.convert(table, McpServerConfig)
        check_servers({name: server}, source="burro mcp add")
        before = path.read_text(encoding="utf-8") if path.is_file() else None
        add_server(path, name, server, replace=kw["replace"])
    except (ConfigError, msgspec.ValidationError) as exc:
        _fail(str(exc))
    _check_or_restore(path, before)
    click.echo(f"added MCP server `{name}` to {path}", err=True)


def _check_or_restore(path: Any, before: str | None) -> None:
    import os
    from pathlib import Path

    from burro.config import ConfigError, load_settings

    try:
        load_settings(cwd=Path.cwd(), env=os.environ)
    except ConfigError as exc:
        if before is None:
            path.unlink()
        else:
            path.write_text(before, encoding="utf-8")
        _fail(f"{exc} (config.toml left unchanged)")


@mcp_group.command("remove")
@click.argument("name")
def mcp_remove(name: str) -> None:
    """Remove a server's table from config.toml."""
    from burro.config.mcp_edit import remove_server

    path = _config_path()
    before = path.read_text(encoding="utf-8") if path.is_file() else None
    if not remove_server(path, name):
        _fail(f"no [mcp_servers.{name}] table in {path}")
    _check_or_restore(path, before)
    click.echo(f"removed MCP server `{name}` from {path}", err=True)


@click.command("mcp-server")
@click.option("-c", "--config", "overrides", multiple=True, metavar="key=value")
@click.option("-p", "--profile")
def mcp_server_cmd(overrides: tuple[str, ...], profile: str | None) -> None:
    """Serve burro as an MCP server over stdio (tools `burro` and `burro-reply`)."""
    from burro.frontends.mcp_server import serve

    sys.exit(serve(overrides=list(overrides), profile=profile))
