"""`burro cloud attach` as the full-screen UI: Textual's Pilot drives the real BurroApp on a
RemoteSession against a real `burro serve` (Temporal dev server, fake model server)."""

from __future__ import annotations

import asyncio
import shlex
import shutil
import time
import uuid
from pathlib import Path
from typing import Any

import pytest

from burro.config import load_settings
from burro.frontends.cloud.client import Api
from burro.frontends.cloud.remote import RemoteSession
from burro.frontends.tui.app import BurroApp
from burro.frontends.tui.options import TuiOptions
from burro.frontends.tui.screens.approval import ApprovalScreen
from tests.cloud.harness import BURRO, SQLITE_ONLY, Serve, processes_with, shell, steps
from tests.e2e.test_tui_tmux import (
    Tmux,
    _quit,
    _screen,
    _wait_screen,
    tmux,  # noqa: F401 (a fixture)
)
from tests.fakes.script import Turn
from tests.tui.conftest import wait_for

pytestmark = [SQLITE_ONLY]


def attached_app(serve: Serve, task_id: str, *, attempt: int = 1) -> BurroApp:
    session = RemoteSession.connect(Api(serve.url, serve.token), task_id, attempt=attempt)
    session.retry_s = 0.3
    settings = load_settings(cwd=serve.repo, env=serve.env)
    return BurroApp(
        TuiOptions(),
        env=serve.env,
        cwd=serve.repo,
        clock=lambda: 0.0,
        settings=settings,
        session=session,
        intro=session.intro(),
    )


async def until(serve: Serve, task_id: str, pred: Any, timeout: float = 60) -> dict[str, Any]:
    return await asyncio.to_thread(serve.wait_until, task_id, pred, timeout)


@pytest.mark.asyncio
async def test_history_then_live_follow_up_and_an_approval_from_the_dialog(make_serve) -> None:
    serve, _ = make_serve(
        lambda i: [
            *steps(final="hello from the task"),
            *steps("touch more.txt", final="more done"),
            *steps("touch phone.txt", final="phone done"),
        ]
    )
    task_id = serve.submit("say hello", "-a", "untrusted")
    serve.wait_until(task_id, lambda v: v["status"] == "completed")
    app = attached_app(serve, task_id)
    async with app.run_test(size=(110, 40)) as pilot:
        # Earlier events: the first prompt and its answer.
        await wait_for(lambda: "hello from the task" in app.chat.text(), timeout=30)
        text = app.chat.text()
        assert "say hello" in text
        assert f"attached to task {task_id}" in text

        app.composer.text = "make more"
        await pilot.press("enter")
        await wait_for(lambda: isinstance(app.screen, ApprovalScreen), timeout=60)
        screen = app.screen
        assert isinstance(screen, ApprovalScreen)
        assert "touch more.txt" in getattr(screen.request, "command", "")
        await pilot.press("y")
        await wait_for(lambda: "more done" in app.chat.text(), timeout=60)
        await wait_for(lambda: not app.running and not app.chat.live.children)
        await pilot.pause()
        text = app.chat.text()
        assert "you approved once: " in text
        # Replay then live: every answer exactly once.
        assert text.count("hello from the task") == 1 and text.count("more done") == 1, text
        assert text.count("make more") == 1 and text.count("Ran touch more.txt") == 1

        # Answered elsewhere (the web page, another terminal): the dialog closes by itself.
        app.composer.text = "and from the phone"
        await pilot.press("enter")
        await wait_for(lambda: isinstance(app.screen, ApprovalScreen), timeout=60)
        view = await until(serve, task_id, lambda v: v["status"] == "waiting_approval")
        call_id = view["attempts"][0]["pending_approvals"][0]["call_id"]
        with serve.http() as c:
            url = f"/api/tasks/{task_id}/approvals/{call_id}"
            c.post(url, json={"decision": "approved"}).raise_for_status()
        await wait_for(lambda: "phone done" in app.chat.text(), timeout=60)
        assert not isinstance(app.screen, ApprovalScreen)
        assert "the approval was answered elsewhere" in app.chat.text()
        await pilot.press("ctrl+c", "ctrl+c")
    diff = (await asyncio.to_thread(serve.cli, "diff", task_id)).stdout
    assert "b/more.txt" in diff and "b/phone.txt" in diff
    # Attached again: the answered approvals are history, not dialogs.
    again = attached_app(serve, task_id)
    async with again.run_test(size=(110, 40)) as pilot:
        await wait_for(lambda: "phone done" in again.chat.text(), timeout=30)
        await pilot.pause()
        assert not isinstance(again.screen, ApprovalScreen)
        assert again.chat.text().count("Ran touch more.txt") == 1
    assert serve.task(task_id)["status"] == "completed"  # detaching left it alone


@pytest.mark.asyncio
async def test_esc_interrupts_the_remote_turn_and_the_task_stays_open(make_serve) -> None:
    marker = f"m{uuid.uuid4().hex[:8]}"
    serve, _ = make_serve(
        lambda i: [Turn([shell(f"sleep 600 && echo {marker}")]), *steps(final="after")]
    )
    task_id = serve.submit("sleep")
    serve.wait_until(task_id, lambda v: "sleep 600" in (v["attempts"][0]["command"] or ""))
    app = attached_app(serve, task_id)
    async with app.run_test(size=(110, 40)) as pilot:
        await wait_for(lambda: "sleep 600" in app.chat.text() and app.running, timeout=30)
        await pilot.press("escape")
        view = await until(serve, task_id, lambda v: v["status"] == "failed")
        assert view["attempts"][0]["error"] == "turn interrupted"
        await wait_for(lambda: not app.running, timeout=30)
        # The task takes a follow-up typed here.
        app.composer.text = "go on"
        await pilot.press("enter")
        await wait_for(lambda: "after" in app.chat.text().split("go on")[-1], timeout=60)
        await pilot.press("ctrl+c", "ctrl+c")
    deadline = time.monotonic() + 20
    while processes_with(marker) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert processes_with(marker) == []


@pytest.mark.asyncio
async def test_a_restarted_server_is_followed_without_gaps_or_repeats(make_serve) -> None:
    serve, _ = make_serve(
        lambda i: [
            *steps("echo one", "echo two", final="first answer"),
            *steps("echo three", final="second answer"),
        ]
    )
    task_id = serve.submit("count")
    serve.wait_until(task_id, lambda v: v["status"] == "completed")
    session = RemoteSession.connect(Api(serve.url, serve.token), task_id)
    session.retry_s = 0.3
    seen: list[Any] = []

    async def read() -> None:
        async for event in session.events():
            seen.append(event)

    reader = asyncio.create_task(read())
    await wait_for(lambda: any(getattr(e, "last_agent_message", "") for e in seen), timeout=30)
    await asyncio.to_thread(serve.kill9)  # the stream drops mid-follow
    await asyncio.to_thread(serve.start)
    with serve.http() as c:
        c.post(f"/api/tasks/{task_id}/follow-ups", json={"text": "more"}).raise_for_status()
    await wait_for(
        lambda: any(getattr(e, "last_agent_message", "") == "second answer" for e in seen),
        timeout=60,
    )
    await session.shutdown(grace_s=1)
    await reader
    stored = await asyncio.to_thread(serve.events, task_id)
    kinds = [
        kind for _, kind, _ in stored if kind not in ("shutdown_complete", "session_configured")
    ]
    mine = [type(e).__name__ for e in seen]
    assert "Warning" in mine  # the outage was shown ("lost the connection …; retrying…")
    names = [n for n in mine if n not in ("Warning", "ShutdownComplete", "SessionConfigured")]
    assert len(names) == len(kinds), (names, kinds)  # every stored event exactly once


@pytest.mark.asyncio
async def test_an_unknown_task_is_one_line(make_serve) -> None:
    serve, _ = make_serve(lambda i: steps(final="x"))
    out = await asyncio.to_thread(serve.cli, "attach", "nope")
    assert out.returncode == 1
    (line,) = out.stderr.splitlines()
    assert line.startswith("error: server said (404)")


@pytest.mark.skipif(shutil.which("tmux") is None, reason="tmux is not installed")
def test_burro_cloud_attach_in_a_real_terminal(make_serve, tmux: Tmux, tmp_path: Path) -> None:  # noqa: F811
    """The real command: the CLI hands the UI to `cloud attach` (burro.cli._compose)."""
    serve, _ = make_serve(lambda i: [*steps(final="answer one"), *steps(final="answer two")])
    task_id = serve.submit("first question")
    serve.wait_until(task_id, lambda v: v["status"] == "completed")
    env = {k: v for k, v in serve.env.items() if k not in ("NO_COLOR", "COLUMNS", "LINES")}
    env["TERM"] = "xterm-256color"
    exports = " ".join(f"{k}={shlex.quote(v)}" for k, v in env.items() if k.isidentifier())
    done = tmp_path / "exit-code"
    command = (
        f"cd {shlex.quote(str(serve.repo))} && env {exports} {BURRO} cloud --server {serve.url} "
        f"attach {task_id}; echo $? > {done}; sleep 30"
    )
    started = tmux("new-session", "-d", "-s", "burro", "-x", "120", "-y", "40", command)
    assert started.returncode == 0, started.stderr
    _wait_screen(tmux, lambda s: "answer one" in s and f"attached to task {task_id}" in s)
    tmux("send-keys", "-t", "burro", "-l", "second question")
    tmux("send-keys", "-t", "burro", "Enter")
    _wait_screen(tmux, lambda s: "answer two" in s, timeout=60)
    _quit(tmux, done)  # ctrl+c twice; exit status 0
    assert "the task keeps running" in _screen(tmux)
