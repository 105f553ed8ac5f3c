"""What each slash command does (the app's Ops, pickers and local views)."""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING, Any, cast

from rich.console import Group, RenderableType
from rich.text import Text

from burro.frontends.tui import render, slash
from burro.protocol.ops import Compact, OverrideTurnContext, Undo

if TYPE_CHECKING:
    from burro.frontends.tui.app import BurroApp

EFFORTS = ("minimal", "low", "medium", "high")
APPROVALS = (
    ("untrusted", "untrusted: ask before any command that is not known to be safe"),
    ("on-failure", "on-failure: run in the sandbox; ask to rerun outside it if it fails"),
    ("on-request", "on-request: the model decides when to ask"),
    ("never", "never: never ask; failures go back to the model"),
)
SANDBOXES = (
    ("read-only", "read-only: commands may read files, not change them"),
    ("workspace-write", "workspace-write: commands may change files in the workspace"),
    ("danger-full-access", "danger-full-access: no sandbox at all"),
)
BUSY = {"new", "resume", "undo", "init", "compact", "cloud"}
# A window opened on a session that runs elsewhere (`burro cloud attach`) keeps it.
FIXED = {"new", "resume", "cloud"}


async def choose(
    app: BurroApp, title: str, options: list[tuple[str, str]], *, current: str | None = None
) -> str | None:
    from burro.frontends.tui.screens.choice import ChoiceScreen

    return await app.push_screen_wait(ChoiceScreen(title, options, current=current))


async def pick_session(app: BurroApp, *, all_dirs: bool = False) -> str | None:
    """The session picker; returns a rollout path or None."""
    from burro.core.api import list_sessions
    from burro.util.timefmt import age

    assert app.settings is not None
    found = await asyncio.to_thread(
        list_sessions, app.settings.burro_home, cwd=None if all_dirs else app.cwd, limit=100
    )
    found = [s for s in found if s.id != app.session_id]
    if not found:
        app.chat.notice(
            "• no saved sessions here"
            + ("" if all_dirs else " (burro resume --all looks everywhere)")
        )
        return None
    options = []
    for s in found:
        prompt = " ".join(s.first_prompt.split())[:70] or "(no prompt)"
        where = f"  {s.cwd}" if all_dirs else ""
        options.append((s.path, f"{age(s.modified):>9}  {s.model:<16} {prompt}{where}"))
    return await choose(app, "Resume a session", options)


OTHERS = "\x00others"


async def _pick_model(app: BurroApp, current: str) -> str | None:
    """The current provider's models; the other providers' on request."""
    from burro.core.api import list_models

    assert app.settings is not None
    entries = list_models(app.settings)
    here = [e.slug for e in entries if e.current_provider]
    options = [(m, m) for m in dict.fromkeys([current, *here]) if m]
    if len(here) < len(entries):
        options.append((OTHERS, "Other providers' models…"))
    model = await choose(app, "Model", options, current=current)
    if model == OTHERS:
        everything = [e.slug for e in entries]
        return await choose(app, "Model (every provider)", [(m, m) for m in everything])
    return model


async def _model(app: BurroApp, args: list[str]) -> None:
    current = app.status.info.model
    model = args[0] if args else await _pick_model(app, current)
    if model is None:
        return
    effort = args[1] if len(args) > 1 else None
    if effort is None and not args:
        effort = await choose(
            app,
            f"Reasoning effort for {model}",
            [(e, e) for e in EFFORTS],
            current=app.status.info.effort,
        )
    if effort is not None and effort not in EFFORTS:
        app.chat.notice(
            f"■ unknown effort `{effort}`; use one of {', '.join(EFFORTS)}", style="red"
        )
        return
    # The status line follows the TurnContext event: what the engine really applied.
    if app.submit(OverrideTurnContext(model=model, effort=cast(Any, effort))):
        app.chat.notice(f"• model: {model}" + (f" ({effort})" if effort else ""))


async def _policy(app: BurroApp, name: str, args: list[str]) -> None:
    table = APPROVALS if name == "approvals" else SANDBOXES
    values = [v for v, _ in table]
    current = app.status.info.approval if name == "approvals" else app.status.info.sandbox
    value = args[0] if args else await choose(app, name.capitalize(), list(table), current=current)
    if value is None:
        return
    if value not in values:
        app.chat.notice(f"■ unknown value `{value}`; use one of {', '.join(values)}", style="red")
        return
    if name == "approvals":
        op = OverrideTurnContext(approval_policy=cast(Any, value))
        field = "approval"
    else:
        op = OverrideTurnContext(sandbox_mode=cast(Any, value))
        field = "sandbox"
    if app.submit(op):
        app.status.set(**{field: value})
        app.chat.notice(f"• {name}: {value}")


async def _diff(app: BurroApp) -> None:
    from burro.core.api import CoreError, workspace_diff

    try:
        diff = await asyncio.to_thread(workspace_diff, app.cwd)
    except (CoreError, OSError) as exc:
        app.chat.notice(f"■ /diff: {exc}", style="red")
        return
    if not diff.strip():
        app.chat.notice("• no changes in the workspace")
        return
    app.chat.add(Group(Text("• git diff", style="bold"), render.diff_text(diff)))


def _status(app: BurroApp) -> RenderableType:
    i = app.status.info
    s = app.settings
    rows = [
        ("model", f"{i.model}" + (f" (effort {i.effort})" if i.effort else "")),
        ("provider", s.provider_id if s else "?"),
        ("directory", str(app.cwd) + (f" ({i.branch})" if i.branch else "")),
        ("approvals", i.approval),
        ("sandbox", i.sandbox),
        ("session", app.session_id or "none"),
    ]
    if app.handle is not None and app.handle.rollout_path is not None:
        rows.append(("session file", str(app.handle.rollout_path)))
    if i.total is not None:
        t = i.total
        rows.append(
            (
                "tokens",
                f"{t.input_tokens} in ({t.cached_input_tokens} cached), {t.output_tokens} out",
            )
        )
    left = render.context_left(i.last, i.window) if i.last is not None else None
    rows.append(
        ("context", f"{left if left is not None else 100}% left of {i.window or '?'} tokens")
    )
    lines: list[RenderableType] = [Text("• status", style="bold")]
    lines += [Text.assemble((f"  {k:<13}", "dim"), v) for k, v in rows]
    return Group(*lines)


def _mcp(app: BurroApp) -> RenderableType:
    servers = app.handle.mcp_servers() if app.handle is not None else []
    if not servers:
        return Text("• no MCP servers configured (burro mcp add NAME -- COMMAND)")
    lines: list[RenderableType] = [Text("• MCP servers", style="bold")]
    style = {"ready": "green", "starting": "yellow", "failed": "red", "disabled": "dim"}
    for srv in servers:
        lines.append(
            Text.assemble(
                f"  {srv.name} ", (srv.status, style[srv.status]), (f"  {srv.target}", "dim")
            )
        )
        if srv.error:
            lines.append(Text(f"    {srv.error}", style="red"))
        lines += [
            Text.assemble("    ", t.qualified, (f"  {t.description[:60]}", "dim"))
            for t in srv.tools
        ]
    return Group(*lines)


async def run_command(app: BurroApp, cmd: slash.Parsed) -> None:
    if cmd.name not in slash.BY_NAME:
        hint = slash.suggest(cmd.name)
        extra = f" Did you mean /{hint}?" if hint else ""
        app.chat.notice(f"■ unknown command /{cmd.name}.{extra} (/help lists them)", style="red")
        return
    if app.running and cmd.name in BUSY:
        app.chat.notice(
            f"■ /{cmd.name} is not available while a turn runs; press esc first", style="yellow"
        )
        return
    if app.given_session is not None and cmd.name in FIXED:
        app.chat.notice(f"■ /{cmd.name} is not available in this window", style="yellow")
        return
    name, args = cmd.name, cmd.args
    if name in ("quit", "exit"):
        await app.action_quit_now()
    elif name == "help":
        app.chat.notice(slash.help_text())
    elif name == "model":
        await _model(app, args)
    elif name in ("approvals", "sandbox"):
        await _policy(app, name, args)
    elif name == "compact":
        if app.submit(Compact()):
            app.chat.notice("• compacting the conversation…")
    elif name == "diff":
        await _diff(app)
    elif name == "review":
        from burro.frontends.tui.review import review_command

        await review_command(app, args)
    elif name == "undo":
        if app.submit(Undo()):
            app.chat.notice("• undoing the last turn's file changes…")
    elif name == "status":
        app.chat.add(_status(app))
    elif name == "mcp":
        app.chat.add(_mcp(app))
    elif name == "mention":
        app.composer.insert("@")
        app.composer.focus()
    elif name == "init":
        if (app.cwd / "AGENTS.md").exists():
            app.chat.notice("• AGENTS.md already exists here; /init leaves it alone")
            return
        from burro.frontends.tui.widgets.composer import Draft

        app.send_draft(Draft(slash.INIT_PROMPT))
    elif name in ("new", "resume"):
        await _switch(app, name, args)
    elif name == "cloud":
        from burro.frontends.tui.handoff import cloud_command

        await cloud_command(app, args)


async def _switch(app: BurroApp, name: str, args: list[str]) -> None:
    key: str | None = None
    if name == "resume":
        if args:
            from burro.core.api import CoreError, resolve_session

            assert app.settings is not None
            try:
                key = str(resolve_session(app.settings.burro_home, args[0], cwd=None))
            except CoreError as exc:
                app.chat.notice(f"■ {exc}", style="red")
                return
        else:
            key = await pick_session(app)
        if key is None:
            return
    carried = app.turn_context  # choices made in this session (/model, /approvals, …)
    await app.stop_session()
    app.chat.clear()
    app.composer.files.invalidate()
    started = await app.start(resume=key)
    if name == "new":
        app.chat.notice("• new session")
        if started and carried is not None:
            _carry_over(app, carried)


def _carry_over(app: BurroApp, tc: Any) -> None:
    """/new keeps what the user chose in the session it replaces."""
    s = app.settings
    assert s is not None
    changed = {
        "model": tc.model if tc.model != s.model else None,
        "provider": tc.provider if tc.provider != s.provider_id else None,
        "effort": tc.reasoning_effort if tc.reasoning_effort != s.effort else None,
        "approval_policy": tc.approval_policy if tc.approval_policy != s.approval_policy else None,
        "sandbox_mode": tc.sandbox_mode if tc.sandbox_mode != s.sandbox_mode else None,
    }
    if changed["provider"] and not changed["model"]:
        changed["model"] = tc.model  # a provider switch names its model
    wanted = {k: v for k, v in changed.items() if v is not None}
    if wanted:
        app.submit(OverrideTurnContext(**wanted))
