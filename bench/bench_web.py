"""Web UI figures (run on demand): page load to a rendered 10,000-event task, and the
`burro serve` CPU each connected viewer costs while a task streams.

    uv run python bench/bench_web.py [VIEWERS...]      (default: 1 4 8)

Needs Debian's chromium (`apt-get install chromium`). The API server runs with
--no-worker and a separate `burro worker`, so its CPU is the HTTP side only."""

from __future__ import annotations

import contextlib
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from bench._common import ROOT

STREAM = "for i in $(seq 1200); do echo stream-line-$i; sleep 0.05; done"


def _cpu_s(pid: int) -> float:
    """User + system CPU seconds of one process (not its children)."""
    import os

    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _script(i: int) -> list[Any]:
    from tests.cloud.harness import shell
    from tests.fakes.script import Text, Turn

    if i == 0:
        return [Turn([Text("a short first turn")])]
    return [Turn([shell(STREAM)]), Turn([Text("streamed")])]


def _start(tmp: Path) -> tuple[Any, Any]:
    import subprocess

    from tests.cloud.harness import Serve, SessionScripts, free_port, write_config
    from tests.fakes.workspace import make_repo

    fake = SessionScripts(_script)
    fake.start()
    home = tmp / "home"
    write_config(home, fake.base_url)
    repo = make_repo(tmp / "repo")
    subprocess.run(["git", "add", "-A"], cwd=repo, check=True)
    git = ["git", "-c", "user.name=b", "-c", "user.email=b@b"]
    subprocess.run([*git, "commit", "-qm", "i"], cwd=repo, check=True)
    serve = Serve(home, repo, None)
    serve.extra = ["--temporal-port", str(free_port())]
    serve.start("--no-worker")
    serve.start_worker()
    return serve, fake


def _new_task(serve: Any) -> str:
    with serve.http() as c:
        resp = c.post("/api/tasks", json={"prompt": "stream", "repo": str(serve.repo)})
        resp.raise_for_status()
        return str(resp.json()["id"])


def _signed_in_context(browser: Any, serve: Any) -> Any:
    from tests.web.conftest import SIZES

    with serve.http() as c:
        url = c.post("/web/sign-in-links").json()["url"]
    context = browser.new_context(**SIZES["phone"])
    page = context.new_page()
    page.goto(url)
    page.locator("#view-list").wait_for(state="visible")
    page.close()
    return context


def long_task_load(browser: Any, serve: Any) -> None:
    from tests.web.seed import seed_long_turn

    task_id = _new_task(serve)
    serve.wait_until(task_id, lambda v: v["status"] == "completed", timeout=120)
    _, last = seed_long_turn(serve.home / "serve" / "tasks.sqlite3", f"{task_id}_1", 9996)
    context = _signed_in_context(browser, serve)
    times = []
    for _ in range(5):
        page = context.new_page()
        t0 = time.perf_counter()
        page.goto(f"{serve.url}/#/task/{task_id}")
        page.locator(".ev.cmd .out", has_text="row-9996").wait_for(state="attached")
        page.locator("#t-status", has_text="done").wait_for()
        times.append(time.perf_counter() - t0)
        page.close()
    page = context.new_page()
    page.goto(f"{serve.url}/#/task/{task_id}")
    page.locator(".ev.cmd .out", has_text="row-9996").wait_for(state="attached")
    t0 = time.perf_counter()
    earlier = page.get_by_role("button", name="Show earlier events")
    clicks = 0
    while earlier.is_visible():
        earlier.click()
        clicks += 1
        page.wait_for_timeout(20)
    page.locator(".ev.agent", has_text="a short first turn").wait_for(state="attached")
    every = time.perf_counter() - t0
    context.close()
    print(f"{last} events in one attempt (phone size; newest 500 events, then 2000 a click):")
    print(
        f"  page load -> newest page rendered: median {statistics.median(times) * 1000:.0f} ms"
        f" (min {min(times) * 1000:.0f}, max {max(times) * 1000:.0f}, 5 loads)"
    )
    print(f"  all {last} events rendered after {clicks} 'Show earlier' clicks: {every:.1f} s")


def viewer_cpu(browser: Any, serve: Any, counts: list[int], window_s: float = 10.0) -> None:
    assert serve.proc is not None
    pid = serve.proc.pid
    results: dict[int, float] = {}
    for viewers in [0, *counts]:
        task_id = _new_task(serve)
        serve.wait_until(task_id, lambda v: "stream-line-5" in v["attempts"][0]["output"])
        # One browser context (cookie jar, connection pool) per viewer, like separate phones.
        contexts = [_signed_in_context(browser, serve) for _ in range(viewers)]
        for context in contexts:
            page = context.new_page()
            page.goto(f"{serve.url}/#/task/{task_id}")
            page.locator(".ev.cmd.running").wait_for(state="attached")
        c0, t0 = _cpu_s(pid), time.perf_counter()
        time.sleep(window_s)
        share = (_cpu_s(pid) - c0) / (time.perf_counter() - t0)
        still = serve.task(task_id)["status"]
        for context in contexts:
            context.close()
        results[viewers] = share
        with serve.http() as c:
            c.post(f"/api/tasks/{task_id}/cancel")
        serve.wait_until(task_id, lambda v: v["status"] == "cancelled", timeout=60)
        print(
            f"  {viewers:2d} viewer(s): server CPU {share * 100:5.1f}% of one core (task {still})"
        )
    base = results[0]
    per = [(results[v] - base) / v for v in counts if v]
    print(f"  => about {statistics.median(per) * 100:.1f}% of one core per connected viewer")


def main(argv: list[str]) -> int:
    from playwright.sync_api import sync_playwright
    from tests.web.conftest import CHROMIUM_ARGS, chromium_path

    exe = chromium_path()
    if exe is None:
        print("bench_web: chromium is missing; apt-get install chromium", file=sys.stderr)
        return 2
    counts = [int(a) for a in argv] or [1, 4, 8]
    tmp = Path(tempfile.mkdtemp(prefix="burro-bench-web-"))
    serve, fake = _start(tmp)
    try:
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=exe, args=CHROMIUM_ARGS)
            try:
                long_task_load(browser, serve)
                print("server CPU while a task streams ~20 output lines/s:")
                viewer_cpu(browser, serve, counts)
            finally:
                browser.close()
    finally:
        serve.stop()
        fake.stop()
        with contextlib.suppress(OSError):
            shutil.rmtree(tmp)
    return 0


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT))
    raise SystemExit(main(sys.argv[1:]))
