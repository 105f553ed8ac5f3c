"""`!cmd` in the composer: run a command in the user's own shell, as the user (not in the
sandbox: it is the user typing, as in Codex), shown like the model's commands. Its
output is handed to the model with the next message, so "!pytest" then "fix it" works."""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import time
from typing import TYPE_CHECKING

from burro.frontends.tui import render

if TYPE_CHECKING:
    from burro.frontends.tui.app import BurroApp

MAX_CONTEXT_CHARS = 10_000


def context_block(command: str, output: str, exit_code: int | None) -> str:
    """What the model is told about a command the user ran."""
    if len(output) > MAX_CONTEXT_CHARS:
        output = "…" + output[-MAX_CONTEXT_CHARS:]
    return (
        f"<user_shell_command>\n<command>{command}</command>\n<exit_code>{exit_code}</exit_code>\n"
        f"<output>\n{output.rstrip()}\n</output>\n</user_shell_command>"
    )


async def run_user_shell(app: BurroApp, command: str) -> None:
    from burro.frontends.tui.widgets.cells import ExecCell

    shell = app.env.get("SHELL") or "/bin/bash"
    cell = ExecCell(command)
    app.chat.live.mount(cell)
    app.activity.start("Running your command")
    started = time.monotonic()
    proc = await asyncio.create_subprocess_exec(
        shell,
        "-c",
        command,
        cwd=app.cwd,
        env=app.env,
        stdin=asyncio.subprocess.DEVNULL,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
        start_new_session=True,  # esc ends the whole process group
    )
    app.user_shell = proc
    chunks: list[str] = []
    assert proc.stdout is not None
    try:
        while data := await proc.stdout.read(4096):
            text = data.decode("utf-8", errors="replace")
            chunks.append(text)
            cell.add_output(text)
        code = await proc.wait()
    finally:
        app.user_shell = None
        if proc.returncode is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGKILL)
    output = "".join(chunks)
    status = "completed" if code >= 0 else "aborted"
    cell.end(
        exit_code=code if code >= 0 else None,
        duration_ms=int((time.monotonic() - started) * 1000),
        status=status,
        output=output,
    )
    app.chat.flush()
    app.activity.stop()
    app.pending_context.append(context_block(command, output, code if code >= 0 else None))
    app.chat.add(render.notice("• the output goes to the model with your next message"))


def interrupt_user_shell(app: BurroApp) -> bool:
    proc = app.user_shell
    if proc is None or proc.returncode is not None:
        return False
    with contextlib.suppress(ProcessLookupError):
        os.killpg(proc.pid, signal.SIGTERM)
    return True
