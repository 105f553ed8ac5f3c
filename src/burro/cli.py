"""The ``burro`` entry point. Front ends are imported lazily, inside each command."""

from __future__ import annotations

import sys

import click

from burro import __version__


@click.group(invoke_without_command=True, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, "-V", "--version", prog_name="burro")
@click.pass_context
def main(ctx: click.Context) -> None:
    """burro: an open agentic software engineer."""
    if ctx.invoked_subcommand is None:
        click.echo(ctx.get_help())


@main.command("apply-patch")
@click.argument("patch_file", required=False, default="-")
def apply_patch_cmd(patch_file: str) -> None:
    """Apply a patch (``*** Begin Patch`` format) in the current directory.

    PATCH_FILE is a file path, or ``-`` (default) for standard input."""
    from burro.tools.apply_patch.cli import main as run

    sys.exit(run(patch_file))
