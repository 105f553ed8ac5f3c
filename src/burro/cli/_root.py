"""The ``burro`` click group. Front ends are imported lazily, inside each command."""

from __future__ import annotations

import sys
from typing import Any

import click

from burro import __version__
from burro.cli import _spec
from burro.cli._local import apply_oss
from burro.cli._options import options
from burro.cli._parse import BurroGroup, require_terminal
from burro.cli._spec import merge_options

_MAIN_EXAMPLES = """\b
Examples:
  burro                                  open the terminal UI in this repository
  burro "the tests fail, please fix"     open it with a first prompt
  burro "explain src/app.py" -m gpt-5.5  options may follow the prompt
  burro exec "update the changelog"      one task headless (scripts, CI)
  burro resume --last                    continue the newest session here
  burro doctor                           check provider, sandbox, git and ripgrep
"""


_tui_options = options(
    (
        _spec.MODEL,
        _spec.PROFILE,
        _spec.CONFIG,
        _spec.CD,
        _spec.TUI_SANDBOX,
        _spec.APPROVAL,
        _spec.FULL_AUTO,
        _spec.OSS,
        _spec.LOCAL_PROVIDER,
        _spec.IMAGE,
    )
)


def _run_tui(prompt: str | None, kw: dict[str, Any], **resume: Any) -> None:
    require_terminal()
    from burro.frontends.tui.launch import run_tui
    from burro.frontends.tui.options import TuiOptions

    sandbox = kw.get("sandbox")
    approval = kw.get("approval")
    if kw.get("full_auto"):
        sandbox, approval = "workspace-write", "on-request"
    provider = apply_oss(kw)
    opts = TuiOptions(
        prompt=prompt,
        model=kw.get("model"),
        profile=kw.get("profile"),
        overrides=list(kw.get("overrides") or ()),
        cd=kw.get("cd"),
        sandbox=sandbox,
        approval_policy=approval,
        provider=provider,
        images=list(kw.get("images") or ()),
        **resume,
    )
    from burro.cli._compose import cloud_handoff

    sys.exit(run_tui(opts, handoff=cloud_handoff))


@click.group(
    cls=BurroGroup,
    invoke_without_command=True,
    context_settings={"help_option_names": ["-h", "--help"]},
    epilog=_MAIN_EXAMPLES,
)
@click.version_option(__version__, "-V", "--version", prog_name="burro")
@_tui_options
@click.pass_context
def main(ctx: click.Context, /, **kw: Any) -> None:
    """burro: an open agentic software engineer.

    `burro [PROMPT] [OPTIONS]` opens the terminal UI in this repository; the commands
    below do the rest."""
    if ctx.invoked_subcommand is None:
        _run_tui(None, kw)
    else:
        from burro.cli._compose import ATTACH_UI, open_attached

        ctx.obj = kw
        ctx.meta[ATTACH_UI] = open_attached  # `burro cloud attach` (see _compose)


@main.command("tui", hidden=True)
@click.argument("prompt", nargs=-1)
@_tui_options
@click.pass_context
def tui_cmd(ctx: click.Context, /, prompt: tuple[str, ...], **kw: Any) -> None:
    """Open the terminal UI with a first prompt."""
    _run_tui(" ".join(prompt) or None, merge_options(ctx.obj, kw))


@main.command("resume", epilog="\b\nExamples:\n  burro resume --last\n  burro resume 0199a2")
@click.argument("session_id", required=False)
@click.option("--last", is_flag=True, help="Continue the newest session of this directory.")
@click.option("--all", "all_dirs", is_flag=True, help="Pick among sessions of every directory.")
@_tui_options
@click.pass_context
def resume_cmd(
    ctx: click.Context, /, session_id: str | None, last: bool, all_dirs: bool, **kw: Any
) -> None:
    """Continue a saved session in the terminal UI (a picker without an id)."""
    _run_tui(
        None,
        merge_options(ctx.obj, kw),
        resume=True,
        resume_id=session_id,
        resume_last=last,
        resume_all=all_dirs,
    )


@main.command("fork")
@click.argument("session_id")
@_tui_options
@click.pass_context
def fork_cmd(ctx: click.Context, /, session_id: str, **kw: Any) -> None:
    """Start a new session from a copy of another one's history and open it in the UI.

    Without a terminal (in a script) it prints the new session's id instead."""
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
    if sys.stdin.isatty() and sys.stdout.isatty():
        _run_tui(None, merge_options(ctx.obj, kw), resume=True, resume_id=new_id)
    click.echo(new_id)
    click.echo(
        f"forked from {session_id} into {path}; continue with: burro resume {new_id}",
        err=True,
    )


@main.command("apply-patch")
@click.argument("patch_file", required=False, default="-")
@click.option(
    "--allow-outside", is_flag=True, help="Also write paths outside the current directory."
)
def apply_patch_cmd(patch_file: str, allow_outside: bool) -> None:
    """Apply a patch (``*** Begin Patch`` format) in the current directory.

    PATCH_FILE is a file path, or ``-`` (default) for standard input."""
    from burro.tools.apply_patch.cli import main as run

    sys.exit(run(patch_file, allow_outside=allow_outside))


@main.command("completion")
@click.argument("shell", type=click.Choice(["bash", "zsh", "fish"]))
def completion_cmd(shell: str) -> None:
    """Print a shell completion script.

    \b
    Examples:
      burro completion bash > ~/.local/share/bash-completion/completions/burro
      burro completion zsh > "${fpath[1]}/_burro"
      burro completion fish > ~/.config/fish/completions/burro.fish"""
    from click.shell_completion import get_completion_class

    cls = get_completion_class(shell)
    assert cls is not None  # the three choices are built into click
    click.echo(cls(main, {}, "burro", "_BURRO_COMPLETE").source())


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
