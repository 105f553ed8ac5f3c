"""Tasks end to end: `burro cloud exec` + `wait` + `diff` + `apply`, best-of-N, follow-ups,
cancel, live status."""

from __future__ import annotations

import json
import subprocess
import time
import uuid
from pathlib import Path

from tests.cloud.harness import BURRO, SQLITE_ONLY, processes_with, shell, steps
from tests.fakes.script import Turn


def test_three_step_task_completes_and_applies_locally(make_serve, committed_repo: Path) -> None:
    serve, _ = make_serve(
        lambda i: steps(
            "echo one > a.txt",
            "mkdir -p src && echo two > src/b.txt",
            "echo three >> a.txt",
            final="wrote a.txt and src/b.txt",
        )
    )
    task_id = serve.submit("write the files")
    assert task_id.startswith("task_")

    done = serve.wait(task_id)
    assert done.returncode == 0, done.stderr + serve.log()
    assert "completed" in done.stderr

    diff = serve.cli("diff", task_id)
    assert "+++ b/a.txt" in diff.stdout and "+++ b/src/b.txt" in diff.stdout
    assert "+three" in diff.stdout

    view = json.loads(serve.cli("status", task_id, "--json").stdout)
    attempt = view["attempts"][0]
    assert view["status"] == "completed"
    assert view["branch"] == "main"  # the branch checked out where the task came from
    assert sorted(attempt["files_changed"]) == ["a.txt", "src/b.txt"]
    assert attempt["last_message"] == "wrote a.txt and src/b.txt"
    assert attempt["model"] == "gpt-5.5"
    assert view["usage"]["input_tokens"] > 0
    assert attempt["last_command"]["command"].endswith("echo three >> a.txt'")

    applied = serve.cli("apply", task_id)
    assert applied.returncode == 0, applied.stderr
    assert (committed_repo / "a.txt").read_text() == "one\nthree\n"
    assert (committed_repo / "src" / "b.txt").read_text() == "two\n"

    # A second apply conflicts: refused with a clear message, nothing changed.
    (committed_repo / "a.txt").write_text("local edit\n")
    again = serve.cli("apply", task_id)
    assert again.returncode == 1
    assert "does not apply" in again.stderr and "nothing was changed" in again.stderr
    assert (committed_repo / "a.txt").read_text() == "local edit\n"


def test_best_of_three_gives_three_independent_diffs(make_serve) -> None:
    serve, fake = make_serve(lambda i: steps(f"echo attempt-{i} > answer.txt"))
    task_id = serve.submit("answer", "--attempts", "3")
    assert serve.wait(task_id).returncode == 0, serve.log()
    diffs = [serve.cli("diff", task_id, "--attempt", str(k)).stdout for k in (1, 2, 3)]
    assert all("+++ b/answer.txt" in d for d in diffs)
    assert len(set(diffs)) == 3
    assert len(fake.sessions) == 3
    view = serve.task(task_id)
    assert [a["status"] for a in view["attempts"]] == ["completed"] * 3
    total = sum(a["usage"]["input_tokens"] for a in view["attempts"])
    assert view["usage"]["input_tokens"] == total


def test_follow_up_joins_a_finished_task(make_serve) -> None:
    serve, fake = make_serve(
        lambda i: [
            *steps("echo first > one.txt", final="first done"),
            *steps("echo second > two.txt", final="second done"),
        ]
    )
    task_id = serve.submit("first")
    assert serve.wait(task_id).returncode == 0, serve.log()
    assert "two.txt" not in serve.cli("diff", task_id).stdout
    # Waiting for a follow-up holds nothing: the attempt's workflow has ended.
    assert _workflow_status(serve, f"burro-attempt-{task_id}_1") == "COMPLETED"

    sent = serve.cli("follow-up", task_id, "now the second file")
    assert sent.returncode == 0, sent.stderr
    view = serve.wait_until(task_id, lambda v: v["attempts"][0]["last_message"] == "second done")
    assert view["status"] == "completed"
    diff = serve.cli("diff", task_id).stdout
    assert "+++ b/one.txt" in diff and "+++ b/two.txt" in diff
    # The second turn carried the whole conversation: same session, both user messages.
    last = fake.requests[-1].json
    texts = json.dumps(last["input"])
    assert "first" in texts and "now the second file" in texts


def _workflow_status(serve, workflow_id: str, timeout: float = 15) -> str:
    """The workflow's status once it is no longer running (or RUNNING at the deadline)."""
    import asyncio

    from temporalio.client import Client

    async def describe() -> str:
        client = await Client.connect(serve.temporal_address)
        deadline = time.monotonic() + timeout
        while True:
            desc = await client.get_workflow_handle(workflow_id).describe()
            name = desc.status.name if desc.status else "UNKNOWN"
            if name != "RUNNING" or time.monotonic() > deadline:
                return name
            await asyncio.sleep(0.2)

    return asyncio.run(describe())


def test_cancel_kills_the_running_command(make_serve) -> None:
    marker = f"m{uuid.uuid4().hex[:8]}"
    serve, _ = make_serve(lambda i: steps(f"sleep 600 && echo {marker}"))
    task_id = serve.submit("sleep")
    serve.wait_until(task_id, lambda v: "sleep 600" in (v["attempts"][0]["command"] or ""))
    assert processes_with(marker), "the command should be running"

    assert serve.cli("cancel", task_id).returncode == 0
    waited = serve.wait(task_id)
    assert waited.returncode == 3, waited.stderr
    deadline = time.monotonic() + 20
    while processes_with(marker) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert processes_with(marker) == []
    view = serve.wait_until(task_id, lambda v: v["attempts"][0]["status"] == "cancelled")
    assert view["attempts"][0]["command"] is None


@SQLITE_ONLY
def test_bad_input_gets_a_json_error_that_says_what_to_fix(make_serve, tmp_path: Path) -> None:
    serve, _ = make_serve(lambda i: [])
    with serve.http() as c:
        r = c.post("/api/tasks", json={"repo": str(tmp_path / "nope"), "prompt": "x"})
        assert r.status_code == 422
        assert "no such directory" in r.json()["error"]
        r = c.post("/api/tasks", json={"repo": "relative/path", "prompt": "x"})
        assert "absolute path or a git URL" in r.json()["error"]
        r = c.post("/api/tasks", json={"repo": "/tmp", "prompt": ""})
        assert r.status_code == 422 and "prompt" in r.json()["error"]
        r = c.post("/api/tasks", json={"repo": "/tmp", "prompt": "x", "attempts": 99})
        assert r.status_code == 422 and "attempts" in r.json()["error"]
        r = c.get("/api/tasks/task_nope")
        assert r.status_code == 404 and "GET /api/tasks" in r.json()["error"]
    out = serve.cli("status", "task_nope")
    assert out.returncode == 1 and out.stderr.startswith("error: server said (404)")


@SQLITE_ONLY
def test_serve_stops_all_children_on_sigterm(make_serve) -> None:
    serve, _ = make_serve(lambda i: [], "--no-worker", own_temporal=True)
    assert serve.proc is not None
    children = subprocess.run(
        ["ps", "-o", "pid=", "--ppid", str(serve.proc.pid)],
        capture_output=True,
        text=True,
        check=False,
    ).stdout.split()
    assert children, "the Temporal dev server runs as a child"
    task_id = serve.submit("never runs (no worker)")
    follower = subprocess.Popen(  # an open event stream must not hold the server up
        [str(BURRO), "cloud", "--server", serve.url, "logs", task_id, "--follow"],
        env=serve.env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        time.sleep(1.0)
        serve.proc.terminate()
        assert serve.proc.wait(timeout=30) == 0
    finally:
        follower.kill()
        follower.wait()
    for pid in children:
        assert (
            not Path(f"/proc/{pid}").exists() or "zombie" in Path(f"/proc/{pid}/status").read_text()
        )


@SQLITE_ONLY
def test_pull_brings_the_session_and_the_diff_home(make_serve, committed_repo: Path) -> None:
    from burro.core.api import find_session, session_transcript

    serve, _ = make_serve(lambda i: steps("echo pulled > p.txt", final="pulled it"))
    task_id = serve.submit("make p.txt")
    assert serve.wait(task_id).returncode == 0, serve.log()
    out = serve.cli("pull", task_id)
    assert out.returncode == 0, out.stderr
    session_id = out.stdout.strip()
    assert (committed_repo / "p.txt").read_text() == "pulled\n"
    assert find_session(serve.home, session_id).is_file()
    texts = [getattr(e, "text", None) for e in session_transcript(serve.home, session_id)]
    assert "make p.txt" in texts and "pulled it" in texts
    again = serve.cli("pull", task_id, "--no-apply")
    assert again.returncode == 1 and "burro resume" in again.stderr


@SQLITE_ONLY
def test_attach_streams_sends_follow_ups_and_answers_approvals(make_serve) -> None:
    serve, _ = make_serve(
        lambda i: [
            *steps(final="hello from the task"),
            *steps("touch more.txt", final="more done"),
        ]
    )
    task_id = serve.submit("say hello", "-a", "untrusted")
    serve.wait_until(task_id, lambda v: v["status"] == "completed")
    proc = subprocess.Popen(
        [str(BURRO), "cloud", "--server", serve.url, "attach", task_id],
        env=serve.env,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert proc.stdin is not None
    try:
        time.sleep(1.0)
        proc.stdin.write("make more\n")
        proc.stdin.flush()
        serve.wait_until(task_id, lambda v: v["status"] == "waiting_approval")
        proc.stdin.write("y\n")
        proc.stdin.flush()
        serve.wait_until(task_id, lambda v: v["attempts"][0]["last_message"] == "more done")
        time.sleep(1.0)
        proc.stdin.write("/quit\n")
        proc.stdin.flush()
        out, err = proc.communicate(timeout=20)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 0, err
    assert "burro: hello from the task" in out
    assert "[follow-up sent]" in out and "approve? y/n" in out and "[approved]" in out
    assert "burro: more done" in out
    assert "b/more.txt" in serve.cli("diff", task_id).stdout


@SQLITE_ONLY
def test_attach_detaches_when_its_input_breaks(make_serve) -> None:
    serve, _ = make_serve(lambda i: steps(final="hello from the task"))
    task_id = serve.submit("say hello")
    serve.wait_until(task_id, lambda v: v["status"] == "completed")
    # A line that is not text: the input thread fails; attach says so and detaches.
    out = subprocess.run(
        [str(BURRO), "cloud", "--server", serve.url, "attach", task_id],
        env={**serve.env, "PYTHONIOENCODING": "utf-8:strict"},
        input=b"\xff\xfe not text\n",
        capture_output=True,
        timeout=60,
        check=False,
    )
    assert out.returncode == 1, out.stderr
    assert b"error: UnicodeDecodeError" in out.stdout
    assert b"[detached; the task keeps running]" in out.stdout


@SQLITE_ONLY
def test_interrupt_stops_the_turn_and_the_task_takes_follow_ups(make_serve) -> None:
    marker = f"m{uuid.uuid4().hex[:8]}"
    serve, _ = make_serve(
        lambda i: [Turn([shell(f"sleep 600 && echo {marker}")]), *steps("echo after > after.txt")]
    )
    task_id = serve.submit("sleep")
    serve.wait_until(task_id, lambda v: "sleep 600" in (v["attempts"][0]["command"] or ""))
    with serve.http() as c:
        assert c.post(f"/api/tasks/{task_id}/interrupt").status_code == 202
    view = serve.wait_until(task_id, lambda v: v["status"] == "failed")
    assert view["attempts"][0]["error"] == "turn interrupted"
    deadline = time.monotonic() + 20
    while processes_with(marker) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert processes_with(marker) == []
    assert serve.cli("follow-up", task_id, "go on").returncode == 0
    serve.wait_until(task_id, lambda v: v["status"] == "completed")
    assert "+++ b/after.txt" in serve.cli("diff", task_id).stdout


@SQLITE_ONLY
def test_a_local_session_is_handed_to_the_server(make_serve, committed_repo: Path) -> None:
    serve, fake = make_serve(
        # One session throughout (the same session id): its first turn runs locally.
        lambda i: [
            *steps(final="local answer"),
            *steps("echo remote > r.txt", final="remote answer"),
        ]
    )
    local = subprocess.run(
        [str(BURRO), "exec", "--json", "remember the word pumpkin"],
        cwd=committed_repo,
        env=serve.env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert local.returncode == 0, local.stderr
    session_id = json.loads(local.stdout.splitlines()[0])["thread_id"]
    (committed_repo / "wip.txt").write_text("uncommitted\n")

    task_id = serve.submit("now continue on the server", "--from-session", session_id)
    assert serve.wait(task_id).returncode == 0, serve.log()
    view = serve.task(task_id)
    assert view["attempts"][0]["session_id"] == session_id
    texts = json.dumps(fake.requests[-1].json["input"])
    assert "remember the word pumpkin" in texts and "local answer" in texts
    diff = serve.cli("diff", task_id).stdout
    assert "+++ b/wip.txt" in diff and "+++ b/r.txt" in diff
