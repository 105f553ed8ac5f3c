"""The ``burro`` entry point. Front ends are imported lazily, inside each command."""

from __future__ import annotations

import sys
from typing import Any

import click

from burro import __version__


class _BurroGroup(click.Group):
    """`burro PROMPT` starts the TUI with a first prompt: a first argument that is not a
    subcommand is taken as the prompt."""

    def resolve_command(
        self, ctx: click.Context, args: list[str]
    ) -> tuple[str | None, click.Command | None, list[str]]:
        if args and args[0] not in self.commands and not args[0].startswith("-"):
            return "tui", self.commands["tui"], args
        return super().resolve_command(ctx, args)


def _tui_options(f: Any) -> Any:
    opts = [
        click.option("-m", "--model", help="Model to use."),
        click.option("-p", "--profile", help="Configuration profile from config.toml."),
        click.option(
            "-c",
            "--config",
            "overrides",
            multiple=True,
            metavar="KEY=VALUE",
            help="Override a config key (TOML value).",
        ),
        click.option("-C", "--cd", "cd", metavar="DIR", help="Working directory."),
        click.option(
            "-s",
            "--sandbox",
            type=click.Choice(["read-only", "workspace-write", "danger-full-access"]),
        ),
        click.option(
            "-a",
            "--ask-for-approval",
            "approval",
            type=click.Choice(["untrusted", "on-failure", "on-request", "never"]),
        ),
        click.option(
            "--full-auto", is_flag=True, help="workspace-write sandbox, ask only on request."
        ),
        click.option("--oss", is_flag=True, help="Use a local OpenAI-compatible server (ollama)."),
        click.option("-i", "--image", "images", multiple=True, metavar="FILE"),
    ]
    for opt in reversed(opts):
        f = opt(f)
    return f


def _run_tui(prompt: str | None, kw: dict[str, Any], **resume: Any) -> None:
    from burro.frontends.tui.app import run_tui
    from burro.frontends.tui.options import TuiOptions

    sandbox = kw.get("sandbox")
    approval = kw.get("approval")
    if kw.get("full_auto"):
        sandbox, approval = "workspace-write", "on-request"
    opts = TuiOptions(
        prompt=prompt,
        model=kw.get("model"),
        profile=kw.get("profile"),
        overrides=list(kw.get("overrides") or ()),
        cd=kw.get("cd"),
        sandbox=sandbox,
        approval_policy=approval,
        provider="ollama" if kw.get("oss") else None,
        images=list(kw.get("images") or ()),
        **resume,
    )
    sys.exit(run_tui(opts))


@click.group(
    cls=_BurroGroup,
    invoke_without_command=True,
    context_settings={"help_option_names": ["-h", "--help"]},
)
@click.version_option(__version__, "-V", "--version", prog_name="burro")
@_tui_options
@click.pass_context
def main(ctx: click.Context, /, **kw: Any) -> None:
    """burro: an open agentic software engineer.

    `burro [PROMPT]` opens the terminal UI in this repository."""
    if ctx.invoked_subcommand is None:
        _run_tui(None, kw)
    else:
        ctx.obj = kw


@main.command("tui", hidden=True)
@click.argument("prompt", nargs=-1)
@click.pass_context
def tui_cmd(ctx: click.Context, prompt: tuple[str, ...]) -> None:
    """Open the terminal UI with a first prompt."""
    _run_tui(" ".join(prompt) or None, dict(ctx.obj or {}))


@main.command("resume")
@click.argument("session_id", required=False)
@click.option("--last", is_flag=True, help="Continue the newest session of this directory.")
@click.option("--all", "all_dirs", is_flag=True, help="Pick among sessions of every directory.")
@click.pass_context
def resume_cmd(ctx: click.Context, session_id: str | None, last: bool, all_dirs: bool) -> None:
    """Continue a saved session in the terminal UI (a picker without an id)."""
    _run_tui(
        None,
        dict(ctx.obj or {}),
        resume=True,
        resume_id=session_id,
        resume_last=last,
        resume_all=all_dirs,
    )


@main.command("apply-patch")
@click.argument("patch_file", required=False, default="-")
def apply_patch_cmd(patch_file: str) -> None:
    """Apply a patch (``*** Begin Patch`` format) in the current directory.

    PATCH_FILE is a file path, or ``-`` (default) for standard input."""
    from burro.tools.apply_patch.cli import main as run

    sys.exit(run(patch_file))


@main.command("exec")
@click.argument("args", nargs=-1)
@click.option(
    "--json",
    "--experimental-json",
    "json_mode",
    is_flag=True,
    help="Print one JSON event per line on stdout.",
)
@click.option("-m", "--model", help="Model to use.")
@click.option("-p", "--profile", help="Configuration profile from config.toml.")
@click.option(
    "-c",
    "--config",
    "overrides",
    multiple=True,
    metavar="KEY=VALUE",
    help='Override a config key (TOML value), e.g. -c model="gpt-5.5".',
)
@click.option("-C", "--cd", "cd", metavar="DIR", help="Working directory for the session.")
@click.option("--skip-git-repo-check", is_flag=True, help="Allow running outside a git repository.")
@click.option(
    "-o", "--output-last-message", metavar="FILE", help="Write the final message to FILE."
)
@click.option("--output-schema", metavar="FILE", help="JSON Schema the final message must follow.")
@click.option(
    "-i", "--image", "images", multiple=True, metavar="FILE", help="Attach an image to the prompt."
)
@click.option("--ephemeral", is_flag=True, help="Do not write a session file.")
@click.option(
    "--oss", is_flag=True, help="Use a local OpenAI-compatible server (ollama by default)."
)
@click.option(
    "--local-provider", type=click.Choice(["ollama", "lmstudio"]), help="Local provider for --oss."
)
@click.option(
    "-s", "--sandbox", type=click.Choice(["read-only", "workspace-write", "danger-full-access"])
)
@click.option("--full-auto", is_flag=True, help="workspace-write sandbox, ask only on request.")
@click.option("--color", type=click.Choice(["always", "never", "auto"]), default="auto")
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
    provider = None
    if kw.get("oss"):
        provider = str(kw.get("local_provider") or "ollama")
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


@main.group("sessions")
def sessions_group() -> None:
    """Saved sessions."""


@sessions_group.command("list")
@click.option(
    "--all", "all_dirs", is_flag=True, help="Sessions of every directory, not just this one."
)
@click.option("-n", "--limit", type=int, default=50, show_default=True)
@click.option("--json", "json_mode", is_flag=True, help="One JSON object per line.")
def sessions_list(all_dirs: bool, limit: int, json_mode: bool) -> None:
    """List saved sessions, newest first (this directory's unless --all)."""
    import json
    import os
    from pathlib import Path

    from burro.config import burro_home
    from burro.core.api import list_sessions
    from burro.util.timefmt import age

    found = list_sessions(burro_home(os.environ), cwd=None if all_dirs else Path.cwd(), limit=limit)
    if not found:
        click.echo("no saved sessions" + ("" if all_dirs else " here; try --all"), err=True)
    for s in found:
        if json_mode:
            click.echo(
                json.dumps(
                    {
                        "id": s.id,
                        "cwd": s.cwd,
                        "model": s.model,
                        "started_at": s.started_at,
                        "first_prompt": s.first_prompt,
                        "path": s.path,
                    }
                )
            )
            continue
        prompt = " ".join(s.first_prompt.split())[:60] or "(no prompt)"
        where = f"  {s.cwd}" if all_dirs else ""
        click.echo(f"{s.id}  {age(s.modified):>8}  {s.model:<18} {prompt}{where}")


@main.command("fork")
@click.argument("session_id")
def fork_cmd(session_id: str) -> None:
    """Start a new session from a copy of another session's history; prints its id."""
    import os
    from pathlib import Path

    from burro.config import ConfigError, load_settings
    from burro.core.api import CoreError, fork_session

    try:
        settings = load_settings(cwd=Path.cwd(), env=os.environ)
        new_id, path = fork_session(settings, session_id)
    except (ConfigError, CoreError) as exc:
        click.echo(f"error: {exc}", err=True)
        sys.exit(1)
    click.echo(new_id)
    click.echo(
        f"forked from {session_id} into {path}; continue with: burro exec resume {new_id} PROMPT",
        err=True,
    )


@main.command(
    "sandbox", context_settings={"ignore_unknown_options": True, "allow_interspersed_args": False}
)
@click.argument("argv", nargs=-1, type=click.UNPROCESSED)
def sandbox_cmd(argv: tuple[str, ...]) -> None:
    """Run one command under exactly the sandbox burro would use.

    \b
    burro sandbox [-s MODE] [--writable-root DIR ...] [--network] -- CMD ARGS..."""
    from burro.sandbox.cli import main as run

    sys.exit(run(list(argv)))
