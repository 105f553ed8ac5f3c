"""`burro acp` and `burro app-server`: editors and SDKs drive burro over stdio."""

from __future__ import annotations

import sys
from typing import Any

import click

from burro.cli._options import CONFIG, MODEL, PROFILE


def _overrides(ctx: click.Context, own: tuple[str, ...]) -> list[str]:
    """``-c`` given before the subcommand (as the Codex SDK does) and after it."""
    parent = (ctx.obj or {}).get("overrides") or ()
    return [*parent, *own]


@click.command("acp")
@MODEL
@PROFILE
@CONFIG
@click.pass_context
def acp_cmd(ctx: click.Context, /, model: str | None, profile: str | None, **kw: Any) -> None:
    """Run as an Agent Client Protocol agent on stdin/stdout (Zed, JetBrains, Neovim).

    \b
    Editor setting (Zed): "agent_servers": {"burro": {"command": "burro", "args": ["acp"]}}"""
    from burro.frontends.acp import run_acp

    parent = ctx.obj or {}
    sys.exit(
        run_acp(
            overrides=_overrides(ctx, kw["overrides"]),
            profile=profile or parent.get("profile"),
            model=model or parent.get("model"),
        )
    )


@click.command("app-server")
@click.option(
    "--listen",
    default="stdio://",
    show_default=True,
    metavar="URL",
    help="Transport; only stdio:// is supported.",
)
@MODEL
@PROFILE
@CONFIG
@click.pass_context
def app_server_cmd(
    ctx: click.Context, /, listen: str, model: str | None, profile: str | None, **kw: Any
) -> None:
    """Speak Codex's app-server protocol (JSON-RPC over stdio) for its SDKs and IDE clients."""
    if listen != "stdio://":
        click.echo(f"error: --listen {listen}: only stdio:// is supported", err=True)
        sys.exit(2)
    from burro.frontends.app_server import run_app_server

    parent = ctx.obj or {}
    sys.exit(
        run_app_server(
            overrides=_overrides(ctx, kw["overrides"]),
            profile=profile or parent.get("profile"),
            model=model or parent.get("model"),
        )
    )
