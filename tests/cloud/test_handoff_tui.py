"""`/cloud` in the terminal UI (Pilot) hands the local session and the uncommitted changes
to a real `burro serve`, which continues the same session."""

from __future__ import annotations

import asyncio
import json
import re
from pathlib import Path

import pytest

from burro.cli._compose import cloud_handoff
from burro.config import load_settings
from burro.frontends.tui.app import BurroApp
from burro.frontends.tui.options import TuiOptions
from tests.cloud.harness import SQLITE_ONLY, Serve, steps
from tests.tui.conftest import wait_for

pytestmark = [pytest.mark.asyncio, SQLITE_ONLY]


def ui_env(serve: Serve) -> dict[str, str]:
    return {k: v for k, v in serve.env.items() if k != "NO_COLOR"}


def last_notice(app: BurroApp) -> str:
    return [ln for ln in app.chat.text().splitlines() if ln.strip()][-1]


async def test_cloud_hands_the_session_and_local_changes_to_the_server(
    make_serve, committed_repo: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    serve, fake = make_serve(
        # One session throughout (the same id): its first turn runs here, the next there.
        lambda i: [
            *steps(final="local answer"),
            *steps("echo remote > r.txt", final="remote answer"),
        ]
    )
    # The handoff finds the server as `burro cloud` does: $BURRO_HOME's serve.json and token.
    monkeypatch.setenv("BURRO_HOME", str(serve.home))
    monkeypatch.delenv("BURRO_SERVER", raising=False)
    monkeypatch.delenv("BURRO_TOKEN", raising=False)
    settings = load_settings(cwd=committed_repo, env=serve.env)
    app = BurroApp(
        TuiOptions(),
        env=ui_env(serve),
        cwd=committed_repo,
        clock=lambda: 0.0,
        settings=settings,
        handoff=cloud_handoff,
    )
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for(lambda: app.ready)
        app.composer.text = "/cloud"
        await pilot.press("enter")
        await wait_for(lambda: "nothing to hand over yet" in app.chat.text())

        app.composer.text = "remember the word pumpkin"
        await pilot.press("enter")
        await wait_for(lambda: "local answer" in app.chat.text() and not app.running)
        (committed_repo / "wip.txt").write_text("uncommitted\n")

        app.composer.text = "/cloud now continue on the server"
        await pilot.press("enter")
        await wait_for(lambda: "burro cloud attach" in app.chat.text(), timeout=30)
        line = last_notice(app)
        match = re.search(r"burro cloud attach (\S+)", line)
        assert match is not None and "continues this session on the server" in app.chat.text()
        task_id = match.group(1)
        local_session = app.session_id

        done = await asyncio.to_thread(serve.wait, task_id)
        assert done.returncode == 0, serve.log()
        assert serve.task(task_id)["attempts"][0]["session_id"] == local_session
        sent = json.dumps(fake.requests[-1].json["input"])
        assert "remember the word pumpkin" in sent and "local answer" in sent
        assert "now continue on the server" in sent
        diff = (await asyncio.to_thread(serve.cli, "diff", task_id)).stdout
        assert "+++ b/wip.txt" in diff and "+++ b/r.txt" in diff

        # No server listening any more: one line saying so; the local session goes on.
        await asyncio.to_thread(serve.stop)
        app.composer.text = "/cloud once more"
        await pilot.press("enter")
        await wait_for(lambda: last_notice(app).startswith("■ /cloud: "), timeout=30)
        assert "cannot reach http://127.0.0.1" in last_notice(app)
        assert app.ready and app.session_id == local_session


async def test_cloud_without_a_token_is_one_line(
    make_serve, committed_repo: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    serve, _ = make_serve(lambda i: steps(final="x"))
    (serve.home / "serve" / "token").unlink()
    monkeypatch.setenv("BURRO_HOME", str(serve.home))
    monkeypatch.delenv("BURRO_TOKEN", raising=False)
    app = BurroApp(
        TuiOptions(),
        env=ui_env(serve),
        cwd=committed_repo,
        settings=load_settings(cwd=committed_repo, env=serve.env),
        handoff=cloud_handoff,
    )
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for(lambda: app.ready)
        app.composer.text = "/cloud start fresh"
        await pilot.press("enter")
        await wait_for(lambda: last_notice(app).startswith("■ /cloud: "), timeout=30)
        assert "no token: set BURRO_TOKEN" in last_notice(app)
