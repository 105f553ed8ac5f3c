"""How `burro ARGS` is split into a subcommand or a prompt for the terminal UI.

As in Codex: a first word that names no subcommand is an error with a suggestion, not a
prompt (`burro doctr` must not send "doctr" to a model); prose (spaces, punctuation,
several words) and anything after `--` is a prompt. Options may follow the prompt."""

from __future__ import annotations

import re
import sys
from typing import Any, ClassVar

import click

_WORD = re.compile(r"[a-z][a-z0-9_-]*")
_OPTION_WORDS = {"version": "--version", "help": "--help"}


class UnknownCommand(click.UsageError):
    """One line on stderr, exit status 2 (a usage error)."""

    def show(self, file: Any = None) -> None:
        click.echo(f"error: {self.message}", err=True, file=file)


def suggestion(word: str, commands: list[str]) -> str:
    import difflib

    if word in _OPTION_WORDS:
        return f"did you mean `burro {_OPTION_WORDS[word]}`?"
    close = difflib.get_close_matches(word, commands, n=1, cutoff=0.6)
    if close:
        return f"did you mean `burro {close[0]}`?"
    return "see `burro --help`"


class BurroGroup(click.Group):
    """`burro PROMPT [OPTIONS]` opens the terminal UI with a first prompt. Subcommands
    listed in ``LAZY`` are imported only when used (startup time)."""

    # name -> "module:attribute"; the subcommands imported only when used
    LAZY: ClassVar[dict[str, str]] = {
        "exec": "burro.cli._exec:exec_cmd",
        "review": "burro.cli.review:review_cmd",
        "github": "burro.frontends.github.cli:github_group",
        "doctor": "burro.cli.doctor:doctor_cmd",
        "mcp": "burro.cli.mcp:mcp_group",
        "mcp-server": "burro.cli.mcp:mcp_server_cmd",
        "login": "burro.cli.login:login_cmd",
        "logout": "burro.cli.login:logout_cmd",
        "serve": "burro.cli.serve:serve_cmd",
        "worker": "burro.frontends.cloud.cli:worker_cmd",
        "cloud": "burro.frontends.cloud.cli:cloud_group",
        "acp": "burro.cli._ide:acp_cmd",
        "app-server": "burro.cli._ide:app_server_cmd",
    }

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted({*self.commands, *self.LAZY})

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name not in self.commands and cmd_name in self.LAZY:
            import importlib

            module, attr = self.LAZY[cmd_name].split(":")
            self.add_command(getattr(importlib.import_module(module), attr), cmd_name)
        return self.commands.get(cmd_name)

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        if "--" in args:  # `burro -- WORD`: WORD is a prompt even if it looks like a command
            ctx.meta["burro.literal"] = args[args.index("--") + 1 :]
        return super().parse_args(ctx, args)

    def resolve_command(
        self, ctx: click.Context, args: list[str]
    ) -> tuple[str | None, click.Command | None, list[str]]:
        if not args or args[0] != "exec":
            from burro.util.startup import started

            started()  # `burro exec` turns the collector back on once its session runs
        if not args or args[0] in self.list_commands(ctx) or args[0].startswith("-"):
            return super().resolve_command(ctx, args)
        tui = self.commands["tui"]
        if ctx.meta.get("burro.literal") != args:
            try:
                sub = click.Context(tui, parent=ctx, allow_interspersed_args=True)
                parsed = tui.make_parser(sub).parse_args(list(args))[0]
                positional = parsed.get("prompt") or ()
            except click.UsageError:  # a bad option: judge the word alone
                positional = (args[0],)
            word = args[0]
            if len(positional) == 1 and _WORD.fullmatch(word):
                hidden = {n for n, c in self.commands.items() if c.hidden}
                visible = [n for n in self.list_commands(ctx) if n not in hidden]
                raise UnknownCommand(
                    f"unknown command '{word}' ({suggestion(word, visible)}); "
                    f"to send it to the model as a prompt: burro -- {word}",
                    ctx,
                )
        return "tui", tui, args


def require_terminal() -> None:
    """The UI needs a terminal on both ends; without one it exits at once (status 1)."""
    for name, stream in (("stdin", sys.stdin), ("stdout", sys.stdout)):
        if stream is None or not stream.isatty():
            click.echo(
                f"error: {name} is not a terminal; use `burro exec` for scripts and pipes",
                err=True,
            )
            sys.exit(1)
