"""`burro exec`: the Codex-compatible headless command line (click's side; `burro exec`
itself usually starts through ``_fast``, which reads the same option definitions)."""

from __future__ import annotations

from typing import Any

import click

from burro.cli import _exec_body, _spec
from burro.cli._options import options

EXEC_EXAMPLES = """\b
Examples:
  burro exec "fix the failing test"
  git diff | burro exec "review this change"      (stdin is appended as context)
  burro exec --json -s workspace-write "update the changelog" > events.jsonl
  burro exec resume --last "now add a test"
"""


@click.command("exec", epilog=EXEC_EXAMPLES)
@click.argument("args", nargs=-1)
@options(_spec.EXEC)
@click.pass_context
def exec_cmd(ctx: click.Context, /, args: tuple[str, ...], json_mode: bool, **kw: Any) -> None:
    """Run one task headless: progress on stderr, the final message on stdout.

    \b
    burro exec [OPTIONS] [PROMPT | -]
    burro exec [OPTIONS] resume [SESSION_ID | --last] [PROMPT | -]"""
    parent = dict(ctx.obj or {})  # `burro -m X exec …`: options before `exec` count too
    if parent.pop("approval", None):
        click.echo("warning: -a/--ask-for-approval does not apply to exec; ignored", err=True)
    kw = _spec.merge_options({k: v for k, v in parent.items() if k in kw}, kw)
    problem = _exec_body.usage_problem(args, kw)
    if problem is not None:
        raise click.UsageError(problem)
    _exec_body.run(args, json_mode, kw)
