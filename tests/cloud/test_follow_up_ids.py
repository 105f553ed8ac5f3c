"""Identical follow-ups on one task each run exactly once, across worker deaths: the
worker finds a turn in the stored rollout by the follow-up's id, not by its text."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from tests.cloud.harness import SQLITE_ONLY, SessionScripts, shell
from tests.fakes.script import Text, Turn


def _requests_with(fake: SessionScripts, text: str) -> int:
    """How many user messages saying ``text`` the model's last request carried."""
    body = fake.requests[-1].json
    return sum(
        1
        for item in body["input"]
        if item.get("role") == "user" and text in str(item.get("content"))
    )


@SQLITE_ONLY
def test_identical_follow_ups_each_run_once_across_worker_deaths(
    make_serve, tmp_path: Path
) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    count = outside / "count"
    cfg = ["-c", f'sandbox_workspace_write.writable_roots=["{outside}"]']
    script = [
        Turn([shell(f"echo 1 >> {count}")]),
        Turn([Text("did 1")]),
        Turn([shell(f"echo 2 >> {count} && sleep 30 && echo never >> {count}")]),
        Turn([Text("did 2")]),
        Turn([shell(f"echo 3 >> {count}")]),
        Turn([Text("did 3")]),
    ]
    serve, fake = make_serve(lambda i: list(script), "--no-worker")
    first = serve.start_worker()
    task_id = serve.submit("again", *cfg)
    serve.wait_until(task_id, lambda v: v["attempts"][0]["last_message"] == "did 1")

    # The same text again; the worker dies (kill -9) in the middle of its command.
    assert serve.cli("follow-up", task_id, "again").returncode == 0
    serve.wait_until(task_id, lambda v: "sleep 30" in (v["attempts"][0]["command"] or ""))
    first.kill()
    first.wait(timeout=10)
    second = serve.start_worker()
    view = serve.wait_until(task_id, lambda v: v["attempts"][0]["last_message"] == "did 2", 90)
    assert count.read_text() == "1\n2\n"

    # Once more; this time the worker dies right after claiming the turn, before the
    # session recorded the message (too short a moment to hit with a signal from outside,
    # so the store is left the way that death leaves it).
    second.kill()
    second.wait(timeout=10)
    assert serve.cli("follow-up", task_id, "again").returncode == 0
    db = sqlite3.connect(serve.home / "serve" / "tasks.sqlite3")
    with db:
        claimed = db.execute("UPDATE turns SET status = 'started' WHERE status = 'queued'")
    db.close()
    assert claimed.rowcount == 1
    serve.start_worker()
    view = serve.wait_until(task_id, lambda v: v["status"] == "completed", 90)
    assert view["attempts"][0]["last_message"] == "did 3", serve.log()
    assert count.read_text() == "1\n2\n3\n"  # each follow-up ran once; none twice
    assert _requests_with(fake, "again") == 3
