"""Fault tests with real processes and kill -9: a worker dies mid-command or mid-stream,
`burro serve` (API, worker and Temporal dev server) dies and restarts. The task ends on
another process with every completed tool call run exactly once."""

from __future__ import annotations

import json
import subprocess
import time
from pathlib import Path

from tests.cloud.harness import BURRO, shell
from tests.fakes.script import Text, Turn


def _roots(tmp_path: Path) -> tuple[Path, list[str]]:
    """A side-effect counter outside the workspace, writable from the sandbox."""
    outside = tmp_path / "outside"
    outside.mkdir()
    return outside / "count", ["-c", f'sandbox_workspace_write.writable_roots=["{outside}"]']


def _script(count: Path, *, middle: Turn) -> list[Turn]:
    return [
        Turn([shell(f"echo a >> {count} && echo a > a.txt")]),
        middle,
        Turn([shell(f"echo c >> {count} && echo c > c.txt")]),
        Turn([Text("all done")]),
    ]


def test_worker_killed_mid_command_resumes_on_the_other_worker(make_serve, tmp_path: Path) -> None:
    count, cfg = _roots(tmp_path)
    middle = Turn([shell(f"echo b >> {count} && sleep 30 && echo never > b.txt")])
    serve, fake = make_serve(lambda i: _script(count, middle=middle), "--no-worker")
    workers = {w.pid: w for w in (serve.start_worker(), serve.start_worker())}
    task_id = serve.submit("count", *cfg)
    running = serve.wait_until(task_id, lambda v: "sleep 30" in (v["attempts"][0]["command"] or ""))
    victim = workers.pop(int(running["attempts"][0]["worker"].rsplit(":", 1)[1]))
    victim.kill()
    victim.wait(timeout=10)
    (survivor,) = workers.values()

    view = serve.wait_until(task_id, lambda v: v["status"] == "completed", timeout=90)
    assert count.read_text() == "a\nb\nc\n"  # every started call ran once; none again
    assert view["attempts"][0]["last_message"] == "all done"
    assert view["attempts"][0]["worker"].endswith(f":{survivor.pid}")
    diff = serve.cli("diff", task_id).stdout
    assert "+++ b/a.txt" in diff and "+++ b/c.txt" in diff and "b.txt" not in diff
    # The resumed session told the model that the cut-off command was interrupted.
    outputs = [
        item
        for item in fake.requests[-2].json["input"]
        if item.get("type") == "function_call_output"
    ]
    assert len(outputs) == 2 and "interrupted" in json.dumps(outputs[-1]).lower()


def test_worker_killed_mid_stream_resumes_on_a_fresh_worker(make_serve, tmp_path: Path) -> None:
    count, cfg = _roots(tmp_path)
    slow = Turn([Text("thinking out loud " * 40, chunks=40)], event_gap_s=0.25)
    serve, fake = make_serve(lambda i: _script(count, middle=slow), "--no-worker")
    first = serve.start_worker()
    task_id = serve.submit("count", *cfg)
    serve.wait_until(task_id, lambda v: len(fake.requests) >= 2 and count.exists())
    time.sleep(1.0)  # inside the slow stream
    first.kill()
    first.wait(timeout=10)
    serve.start_worker()

    view = serve.wait_until(task_id, lambda v: v["status"] == "completed", timeout=90)
    assert count.read_text() == "a\nc\n"
    assert view["attempts"][0]["last_message"] == "all done"


def test_serve_killed_and_restarted_loses_nothing(make_serve, tmp_path: Path) -> None:
    count, cfg = _roots(tmp_path)
    middle = Turn([shell(f"echo b >> {count} && sleep 4 && echo b > b.txt")])
    serve, _ = make_serve(lambda i: _script(count, middle=middle), own_temporal=True)
    task_id = serve.submit("count", *cfg)
    follower = subprocess.Popen(
        [str(BURRO), "cloud", "--server", serve.url, "logs", task_id, "--follow", "--json"],
        env=serve.env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        serve.wait_until(task_id, lambda v: "sleep 4" in (v["attempts"][0]["command"] or ""))
        serve.kill9()
        time.sleep(0.5)
        serve.start()
        view = serve.wait_until(task_id, lambda v: v["status"] == "completed", timeout=90)
        out, err = follower.communicate(timeout=60)
    finally:
        if follower.poll() is None:
            follower.kill()
    assert view["attempts"][0]["last_message"] == "all done"
    assert count.read_text() == "a\nb\nc\n"
    seen = [json.loads(line) for line in out.splitlines()]
    seqs = [(e["attempt"], e["seq"]) for e in seen]
    assert len(seqs) == len(set(seqs)), "no event twice"
    stored = [(d["attempt"], d["seq"]) for _, _, d in serve.events(task_id)]
    assert seqs == stored, "every stored event exactly once, in order"
    assert [s for _, s in seqs] == list(range(1, len(seqs) + 1))
    assert follower.returncode == 0, err


def test_worker_stopped_with_sigterm_hands_the_turn_over(make_serve, tmp_path: Path) -> None:
    count, cfg = _roots(tmp_path)
    middle = Turn([shell(f"echo b >> {count} && sleep 30 && echo never > b.txt")])
    serve, _ = make_serve(lambda i: _script(count, middle=middle), "--no-worker")
    first = serve.start_worker()
    task_id = serve.submit("count", *cfg)
    serve.wait_until(task_id, lambda v: "sleep 30" in (v["attempts"][0]["command"] or ""))
    first.terminate()
    assert first.wait(timeout=30) == 0  # one SIGTERM ends it, its command with it
    second = serve.start_worker()
    view = serve.wait_until(task_id, lambda v: v["status"] == "completed", timeout=90)
    assert count.read_text() == "a\nb\nc\n"
    assert view["attempts"][0]["worker"].endswith(f":{second.pid}")
