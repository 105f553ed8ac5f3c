"""The web page: served without the token (it holds no data), and in a real browser
(Debian chromium, headless) it shows a task's status, final message and live events."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import httpx
import pytest

from tests.cloud.harness import steps

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
# The page does not depend on the store: SQLite only.
pytestmark = pytest.mark.parametrize("database_args", [[]])


def test_page_needs_no_token_and_holds_no_data(make_serve) -> None:
    serve, _ = make_serve(lambda i: steps(final="secret result"))
    task_id = serve.submit("do it")
    assert serve.wait(task_id).returncode == 0
    page = httpx.get(serve.url + "/", timeout=10)
    assert page.status_code == 200 and "<title>burro tasks</title>" in page.text
    assert task_id not in page.text and "secret result" not in page.text
    assert httpx.post(serve.url + "/", timeout=10).status_code == 401


@pytest.mark.skipif(CHROMIUM is None, reason="chromium is installed by scripts/test.sh")
def test_browser_shows_the_task_live(make_serve, tmp_path: Path) -> None:
    serve, _ = make_serve(lambda i: steps("echo web > w.txt", final="shown in the browser"))
    task_id = serve.submit("for the page")
    assert serve.wait(task_id).returncode == 0
    url = f"{serve.url}/?task={task_id}#token={serve.token}"
    dom = subprocess.run(
        [
            str(CHROMIUM),
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--no-first-run",
            f"--user-data-dir={tmp_path / 'profile'}",
            "--virtual-time-budget=15000",
            "--dump-dom",
            url,
        ],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    ).stdout
    assert 'id="status">completed<' in dom, dom[-3000:]
    assert "burro: shown in the browser" in dom  # from the event stream
    assert "$ bash -lc 'echo web &gt; w.txt'" in dom
    assert "files: w.txt" in dom
