"""`burro exec`: the Codex-compatible headless command line."""

from __future__ import annotations

import sys

import click

from burro.cli._local import apply_oss
from burro.cli._options import (
    CD,
    CONFIG,
    FULL_AUTO,
    IMAGE,
    LOCAL_PROVIDER,
    MODEL,
    OSS,
    PROFILE,
    SANDBOXES,
)

EXEC_EXAMPLES = """\b
Examples:
  burro exec "fix the failing test"
  git diff | burro exec "review this change"      (stdin is appended as context)
  burro exec --json -s workspace-write "update the changelog" > events.jsonl
  burro exec resume --last "now add a test"
"""


@click.command("exec", epilog=EXEC_EXAMPLES)
@click.argument("args", nargs=-1)
@click.option(
    "--json",
    "--experimental-json",
    "json_mode",
    is_flag=True,
    help="Print one JSON event per line on stdout.",
)
@MODEL
@PROFILE
@CONFIG
@CD
@click.option("--skip-git-repo-check", is_flag=True, help="Allow running outside a git repository.")
@click.option(
    "-o", "--output-last-message", metavar="FILE", help="Write the final message to FILE."
)
@click.option("--output-schema", metavar="FILE", help="JSON Schema the final message must follow.")
@IMAGE
@click.option("--ephemeral", is_flag=True, help="Do not write a session file.")
@OSS
@LOCAL_PROVIDER
@click.option(
    "-s",
    "--sandbox",
    type=click.Choice(SANDBOXES),
    help="Where commands may write (default: read-only).",
)
@FULL_AUTO
@click.option(
    "--color",
    type=click.Choice(["always", "never", "auto"]),
    default="auto",
    help="Colour on stderr (auto: in a terminal, unless NO_COLOR is set).",
)
@click.option("--last", is_flag=True, help="With `resume`: continue the newest session.")
@click.option(
    "--all", "all_dirs", is_flag=True, help="With `resume --last`: look in every directory."
)
@click.option(
    "--max-turns", type=click.IntRange(min=1), help="Stop after this many model requests."
)
@click.option("--max-tokens", type=click.IntRange(min=1), help="Stop after this many tokens.")
@click.option(
    "--max-minutes",
    type=click.FloatRange(min=0, min_open=True),
    help="Stop after this many minutes.",
)
@click.option(
    "--completion-nudges",
    type=click.IntRange(min=0),
    help="Ask the model to continue (at most N times) when it stops with plan steps open.",
)
@click.option("--thread-source", hidden=True)
@click.option("--cyber-access-program", hidden=True)
@click.option("--enable", multiple=True, hidden=True)
@click.option("--disable", multiple=True, hidden=True)
@click.option(
    "--add-dir", multiple=True, metavar="DIR", help="Another writable directory (workspace-write)."
)
@click.option("--ignore-user-config", is_flag=True, hidden=True)
@click.option("--ignore-rules", is_flag=True, hidden=True)
@click.option(
    "--dangerously-bypass-approvals-and-sandbox",
    "--yolo",
    "yolo",
    is_flag=True,
    help="No sandbox at all (danger-full-access); only inside an external sandbox.",
)
def exec_cmd(args: tuple[str, ...], json_mode: bool, **kw: object) -> None:
    """Run one task headless: progress on stderr, the final message on stdout.

    \b
    burro exec [OPTIONS] [PROMPT | -]
    burro exec [OPTIONS] resume [SESSION_ID | --last] [PROMPT | -]"""
    from burro.frontends.exec.runner import ExecOptions, run_exec

    resume = bool(args) and args[0] == "resume"
    rest = list(args[1:] if resume else args)
    resume_id = None
    if resume and not kw.get("last"):
        if not rest:
            raise click.UsageError("resume needs a SESSION_ID or --last")
        resume_id = rest.pop(0)
    if len(rest) > 1:
        raise click.UsageError(f"expected one PROMPT, got {len(rest)} arguments; quote the prompt")
    prompt = rest[0] if rest else None

    for name in (
        "thread_source",
        "cyber_access_program",
        "ignore_user_config",
        "ignore_rules",
    ):
        if kw.get(name):
            click.echo(
                f"warning: --{name.replace('_', '-')} is accepted for compatibility and ignored",
                err=True,
            )
    for name in ("enable", "disable"):
        if kw.get(name):
            click.echo(
                f"warning: --{name.replace('_', '-')} is not supported yet; ignored", err=True
            )
    provider = apply_oss(kw)
    sandbox = kw.get("sandbox")
    if kw.get("full_auto"):
        sandbox = "workspace-write"
    if kw.get("yolo"):
        sandbox = "danger-full-access"
    opts = ExecOptions(
        prompt=prompt,
        json=json_mode,
        model=kw.get("model"),  # type: ignore[arg-type]
        profile=kw.get("profile"),  # type: ignore[arg-type]
        overrides=list(kw.get("overrides") or ()),  # type: ignore[call-overload]
        cd=kw.get("cd"),  # type: ignore[arg-type]
        skip_git_repo_check=bool(kw.get("skip_git_repo_check")),
        output_last_message=kw.get("output_last_message"),  # type: ignore[arg-type]
        output_schema=kw.get("output_schema"),  # type: ignore[arg-type]
        images=list(kw.get("images") or ()),  # type: ignore[call-overload]
        ephemeral=bool(kw.get("ephemeral")),
        provider=provider,
        sandbox=sandbox,  # type: ignore[arg-type]
        add_dirs=list(kw.get("add_dir") or ()),  # type: ignore[call-overload]
        color=str(kw.get("color") or "auto"),
        resume=resume,
        resume_id=resume_id,
        resume_last=bool(kw.get("last")),
        resume_all=bool(kw.get("all_dirs")),
        max_turns=kw.get("max_turns"),  # type: ignore[arg-type]
        max_tokens=kw.get("max_tokens"),  # type: ignore[arg-type]
        max_minutes=kw.get("max_minutes"),  # type: ignore[arg-type]
        completion_nudges=kw.get("completion_nudges"),  # type: ignore[arg-type]
    )
    sys.exit(run_exec(opts))
