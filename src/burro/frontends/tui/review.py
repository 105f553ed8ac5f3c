"""/review [--base BRANCH | --commit SHA] [FOCUS…]: a review of the workspace in a child
session, in the background; the findings appear in the chat as Markdown."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from burro.frontends.tui.app import BurroApp

USAGE = "/review [--base BRANCH | --commit SHA] [focus…]"


def parse_review_args(args: list[str]) -> tuple[Any, str]:
    """(target, focus); ValueError with the usage for a bad command line."""
    from burro.review import BaseBranch, Commit, Uncommitted

    target: Any = Uncommitted()
    rest = list(args)
    if rest and rest[0] in ("--base", "--commit"):
        if len(rest) < 2:
            raise ValueError(f"{rest[0]} needs a value; {USAGE}")
        flag, value = rest[0], rest[1]
        target = BaseBranch(branch=value) if flag == "--base" else Commit(sha=value)
        rest = rest[2:]
    elif rest and rest[0].startswith("--"):
        raise ValueError(f"unknown option {rest[0]}; {USAGE}")
    return target, " ".join(rest)


async def review_command(app: BurroApp, args: list[str]) -> None:
    from rich.markdown import Markdown

    from burro.protocol.errors import BurroError
    from burro.review import describe, run_review, to_markdown

    try:
        target, focus = parse_review_args(args)
    except ValueError as exc:
        app.chat.notice(f"■ {exc}", style="red")
        return
    if app.settings is None:
        app.chat.notice("■ /review needs a configured model", style="red")
        return
    what = describe(target)
    app.chat.notice(f"• reviewing {what} (read-only, in a separate session)…")
    try:
        run = await run_review(app.settings, target, focus=focus, env=app.env)
    except BurroError as exc:
        app.chat.notice(f"■ /review: {exc}", style="red")
        return
    app.chat.add(Markdown(to_markdown(run.output, title=what)))
