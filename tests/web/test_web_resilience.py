"""A dropped event connection resumes without duplicates or gaps, and a long task opens
on its newest page with older events a click away."""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.cloud.harness import shell
from tests.fakes.script import Text, Turn
from tests.web.conftest import SIZES, sign_in, sign_in_token
from tests.web.proxy import CuttableProxy
from tests.web.seed import seed_long_turn

SEEN = """() => {
  const a = window.burroDebug.view.attempts.get(1);
  return {seqs: [...a.r.seen].sort((x, y) => x - y), duplicates: a.r.duplicates};
}"""


@pytest.fixture
def desktop(browser: Any) -> Iterator[Any]:
    context = browser.new_context(**SIZES["desktop"])
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    yield page
    context.close()
    assert errors == [], f"script errors on the page: {errors}"


def _server_seqs(serve: Any, task_id: str) -> list[int]:
    return [seq for _, _, seq in ((e[0], e[1], e[2]["seq"]) for e in serve.events(task_id))]


def test_dropped_connection_resumes_with_every_event_exactly_once(web_serve, desktop: Any) -> None:
    from playwright.sync_api import expect

    gate = Path("/var/tmp") / f"burro-web-gate-{uuid.uuid4().hex}"
    wait = f"for i in $(seq 300); do [ -e {gate} ] && break; sleep 0.1; done"
    cmd = f"for i in 1 2 3 4 5; do echo line-$i; done; {wait}; for i in 6 7 8 9 10; do echo line-$i; sleep 0.05; done"
    serve = web_serve(lambda i: [Turn([shell(cmd)]), Turn([Text("after the tunnel")])])
    proxy = CuttableProxy(serve.port)
    try:
        base = f"http://127.0.0.1:{proxy.port}"
        sign_in(desktop, base, sign_in_token(serve))
        with serve.http() as c:
            task_id = c.post(
                "/api/tasks", json={"prompt": "lines", "repo": str(serve.repo)}
            ).json()["id"]
        desktop.goto(f"{base}/#/task/{task_id}")
        expect(desktop.locator(".ev.cmd.running .out")).to_contain_text("line-5", timeout=60_000)

        # The phone enters a tunnel: every connection drops and none can be made.
        proxy.hold = True
        assert proxy.cut() > 0
        gate.touch()
        serve.wait_until(task_id, lambda v: v["status"] == "completed")
        assert "after the tunnel" not in desktop.locator(".transcript").inner_text()
        proxy.hold = False  # out of the tunnel

        expect(desktop.locator(".ev.agent")).to_contain_text("after the tunnel", timeout=60_000)
        expect(desktop.locator("#t-status")).to_have_text("done", timeout=30_000)
        seen = desktop.evaluate(SEEN)
        assert seen["duplicates"] == 0
        assert seen["seqs"] == _server_seqs(serve, task_id)
        out = desktop.locator(".ev.cmd .out").text_content()
        assert [out.count(f"line-{i}\n") for i in range(1, 11)] == [1] * 10
    finally:
        gate.unlink(missing_ok=True)
        proxy.close()


def test_long_task_opens_on_its_newest_page_and_loads_older_events(web_serve, desktop: Any) -> None:
    from playwright.sync_api import expect

    serve = web_serve(lambda i: [Turn([Text("short first turn")])])
    with serve.http() as c:
        task_id = c.post("/api/tasks", json={"prompt": "rows", "repo": str(serve.repo)}).json()[
            "id"
        ]
    serve.wait_until(task_id, lambda v: v["status"] == "completed")
    first, last = seed_long_turn(serve.home / "serve" / "tasks.sqlite3", f"{task_id}_1", 1200)

    sign_in(desktop, serve.url, sign_in_token(serve))
    desktop.goto(f"{serve.url}/#/task/{task_id}")
    out = desktop.locator(".ev.cmd .out")
    expect(out).to_contain_text("row-1200")
    assert "row-1\n" not in out.text_content()  # only the newest page was fetched
    earlier = desktop.get_by_role("button", name="Show earlier events")
    while earlier.is_visible():
        earlier.click()
        time.sleep(0.2)
    expect(desktop.locator(".ev.agent")).to_contain_text("short first turn")
    text = out.text_content()
    assert [text.count(f"row-{i}\n") for i in (1, 600, 1200)] == [1, 1, 1]
    seen = desktop.evaluate(SEEN)
    assert seen["duplicates"] == 0 and seen["seqs"] == list(range(1, last + 1))
    assert first > 1
