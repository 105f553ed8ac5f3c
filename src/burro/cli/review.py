"""`burro review`: review uncommitted work, a branch against its base, or a commit.
Markdown on stdout (or JSON / SARIF), progress on stderr; ``--fail-on`` gates CI."""

from __future__ import annotations

import sys
from typing import Any

import click

from burro.cli._options import CD, CONFIG, MODEL, PROFILE

EXIT_FINDINGS = 1
EXIT_ERROR = 3
_EXAMPLES = """\b
Examples:
  burro review                               the uncommitted changes
  burro review --base main                   this branch against main
  burro review --commit HEAD~1 "error paths" a commit, with a focus
  burro review --base main --sarif > review.sarif
  burro review --base main --fail-on P1      exit 1 on any P0/P1 finding (CI gate)
\b
Exit status: 0 clean (or nothing at --fail-on), 1 findings at --fail-on or above,
2 bad usage, 3 the review failed (model error, unreadable answer, unknown target).
"""


@click.command("review", epilog=_EXAMPLES)
@click.argument("focus", nargs=-1)
@click.option("--uncommitted", is_flag=True, help="Staged, unstaged and untracked changes.")
@click.option("--base", metavar="BRANCH", help="This branch's changes against BRANCH.")
@click.option("--commit", metavar="SHA", help="The changes one commit introduced.")
@click.option("--title", metavar="T", help="With --commit: the commit's title, for context.")
@click.option("--json", "fmt", flag_value="json", help="The review as JSON on stdout.")
@click.option("--sarif", "fmt", flag_value="sarif", help="The review as SARIF 2.1.0.")
@click.option(
    "--fail-on",
    type=click.Choice(["P0", "P1", "P2", "P3"], case_sensitive=False),
    help="Exit 1 when a finding of this priority or higher is in the change.",
)
@MODEL
@PROFILE
@CONFIG
@CD
def review_cmd(focus: tuple[str, ...], fmt: str | None, **kw: Any) -> None:
    """Review a change and list prioritised findings.

    FOCUS (optional) is extra text for the reviewer, e.g. "security" or "the parser"."""
    from burro.protocol.review import BaseBranch, Commit, ReviewTarget, Uncommitted

    chosen = [k for k in ("uncommitted", "base", "commit") if kw.get(k)]
    if len(chosen) > 1:
        raise click.UsageError("choose one of --uncommitted, --base, --commit")
    if kw.get("title") and not kw.get("commit"):
        raise click.UsageError("--title goes with --commit")
    target: ReviewTarget = Uncommitted()
    if kw.get("base"):
        target = BaseBranch(branch=kw["base"])
    elif kw.get("commit"):
        target = Commit(sha=kw["commit"], title=kw.get("title"))
    sys.exit(_run(target, " ".join(focus), fmt=fmt, **kw))


def _run(target: Any, focus: str, *, fmt: str | None, **kw: Any) -> int:
    import asyncio
    import os
    from pathlib import Path

    from burro import __version__
    from burro.config import ConfigError, load_settings
    from burro.core.api import CoreError, in_git_repo
    from burro.protocol.errors import BurroError
    from burro.review import describe, parse_priority, run_review, to_json, to_markdown, to_sarif

    cwd = Path(kw["cd"]).resolve() if kw.get("cd") else Path.cwd()
    try:
        if not cwd.is_dir():
            raise click.UsageError(f"-C {kw['cd']}: not a directory")
        if not in_git_repo(cwd):
            _err(f"{cwd} is not inside a git repository; run burro review in one (or use -C)")
            return EXIT_ERROR
        settings = load_settings(
            cwd=cwd,
            env=os.environ,
            overrides=list(kw.get("overrides") or ()),
            profile=kw.get("profile"),
            model=kw.get("model"),
        )
        what = describe(target)
        _err(f"reviewing {what} with {settings.model}…")
        run = asyncio.run(run_review(settings, target, focus=focus, on_event=_progress))
    except (ConfigError, CoreError, BurroError) as exc:
        _err(f"error: {exc}")
        return EXIT_ERROR
    output = run.output
    if fmt == "json":
        sys.stdout.write(to_json(output, target=what))
    elif fmt == "sarif":
        sys.stdout.write(to_sarif(output, version=__version__, target=what))
    else:
        sys.stdout.write(to_markdown(output, title=what))
    sys.stdout.flush()
    fail_on = kw.get("fail_on")
    if fail_on and output.at_or_above(parse_priority(fail_on)):
        n = len(output.at_or_above(parse_priority(fail_on)))
        _err(f"{n} finding(s) at {fail_on.upper()} or above")
        return EXIT_FINDINGS
    return 0


def _err(text: str) -> None:
    click.echo(text, err=True)


def _progress(envelope: Any) -> None:
    from burro.protocol import events as ev

    event = envelope.event
    if isinstance(event, ev.ExecCommandBegin):
        _err(f"  $ {event.command}")
    elif isinstance(event, ev.ToolCallBegin):
        _err(f"  · {event.tool}")
    elif isinstance(event, ev.Warning):
        _err(f"warning: {event.message}")
