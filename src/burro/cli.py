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


@main.command("exec", context_settings={"ignore_unknown_options": False})
@click.argument("prompt", required=False)
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
@click.option("--thread-source", hidden=True)
@click.option("--cyber-access-program", hidden=True)
@click.option("--enable", multiple=True, hidden=True)
@click.option("--disable", multiple=True, hidden=True)
@click.option("--add-dir", multiple=True, hidden=True)
@click.option("--ignore-user-config", is_flag=True, hidden=True)
@click.option("--ignore-rules", is_flag=True, hidden=True)
@click.option(
    "--dangerously-bypass-approvals-and-sandbox", "--yolo", "yolo", is_flag=True, hidden=True
)
def exec_cmd(prompt: str | None, json_mode: bool, **kw: object) -> None:
    """Run one task headless: progress on stderr, the final message on stdout."""
    from burro.frontends.exec.runner import ExecOptions, run_exec

    for name in (
        "thread_source",
        "cyber_access_program",
        "ignore_user_config",
        "ignore_rules",
        "yolo",
    ):
        if kw.get(name):
            click.echo(
                f"warning: --{name.replace('_', '-')} is accepted for compatibility and ignored",
                err=True,
            )
    for name in ("enable", "disable", "add_dir"):
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
        color=str(kw.get("color") or "auto"),
    )
    sys.exit(run_exec(opts))
