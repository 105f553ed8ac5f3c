"""`/cloud [PROMPT]`: hand this session (its saved history) and the checkout's
uncommitted changes to the task server, which continues it. The UI keeps its own copy
open; the task is followed with `burro cloud attach ID`."""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING

from burro.frontends.tui import slash

if TYPE_CHECKING:
    from burro.frontends.tui.app import BurroApp


async def cloud_command(app: BurroApp, args: list[str]) -> None:
    from burro.protocol.session import HandoffError

    if app.handoff is None:
        app.chat.notice("■ /cloud is not available here (no task client)", style="red")
        return
    prompt = " ".join(args).strip()
    rollout = app.rollout if app.rollout is not None and app.rollout.exists() else None
    if rollout is None and not prompt:
        app.chat.notice(
            "■ nothing to hand over yet: send a message first, or `/cloud PROMPT` starts a "
            "task from this checkout",
            style="yellow",
        )
        return
    app.chat.notice("• handing this session to the server…")
    try:
        task_id = await asyncio.to_thread(
            app.handoff,
            session=str(rollout) if rollout else None,
            cwd=str(app.cwd),
            prompt=prompt or slash.CLOUD_PROMPT,
        )
    except HandoffError as exc:
        app.chat.notice(f"■ /cloud: {exc}", style="red")
        return
    app.chat.notice(
        f"• task {task_id} continues this session on the server; "
        f"follow it with: burro cloud attach {task_id}"
    )
