"""/review [--base BRANCH | --commit SHA] [FOCUS…]: the session's ``Review`` op (a
read-only child session); the findings appear in the chat and join the conversation."""

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
    from burro.protocol.ops import Review

    try:
        target, focus = parse_review_args(args)
    except ValueError as exc:
        app.chat.notice(f"■ {exc}", style="red")
        return
    if app.running:
        app.chat.notice(
            "■ a turn is running; wait for it (or press Esc), then /review", style="red"
        )
        return
    # The session's Review op: progress and findings arrive as its events, and the
    # findings join the conversation ("fix finding 2").
    if app.submit(Review(target=target, focus=focus)):
        app.running = True
