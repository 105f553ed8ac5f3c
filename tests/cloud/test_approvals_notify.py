"""A task that asks before running a command: the approval is answered over the API, and
the webhook (`[cloud.notify]` in config.toml, or `--notify`) hears about the wait and the
end."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from tests.cloud.harness import SQLITE_ONLY, cloud_env, free_port, serve_refusing, steps
from tests.fakes.script import HttpError, Turn


class _Hook(ThreadingHTTPServer):
    daemon_threads = True
    posts: list[tuple[dict[str, str], bytes]]
    paths: list[str]
    status: int = 200


class _Handler(BaseHTTPRequestHandler):
    server: _Hook

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        self.server.posts.append(({k.lower(): v for k, v in self.headers.items()}, body))
        self.server.paths.append(self.path)
        self.send_response(self.server.status)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture
def hook() -> Iterator[_Hook]:
    srv = _Hook(("127.0.0.1", 0), _Handler)
    srv.posts, srv.paths = [], []
    thread = threading.Thread(target=srv.serve_forever, daemon=True)
    thread.start()
    yield srv
    srv.shutdown()
    srv.server_close()


def _url(hook: _Hook) -> str:
    return f"http://127.0.0.1:{hook.server_address[1]}/hook"


def test_approval_over_the_api_and_json_webhook(make_serve, hook: _Hook) -> None:
    serve, _ = make_serve(
        lambda i: steps("touch approved.txt", final="made it"), "--notify", _url(hook)
    )
    task_id = serve.submit("touch", "-a", "untrusted")
    view = serve.wait_until(task_id, lambda v: v["status"] == "waiting_approval")
    (pending,) = view["attempts"][0]["pending_approvals"]
    assert "touch approved.txt" in pending["command"]
    assert serve.cli("status", task_id).stdout.count(pending["call_id"]) == 1

    with serve.http() as c:
        wrong = c.post(f"/api/tasks/{task_id}/approvals/nope", json={"decision": "approved"})
        assert wrong.status_code == 404 and "pending_approvals" in wrong.json()["error"]
        ok = c.post(
            f"/api/tasks/{task_id}/approvals/{pending['call_id']}", json={"decision": "approved"}
        )
        assert ok.status_code == 202
    assert serve.wait(task_id).returncode == 0, serve.log()
    assert "b/approved.txt" in serve.cli("diff", task_id).stdout

    events = [json.loads(body)["event"] for _, body in hook.posts]
    assert events == ["task.waiting_approval", "task.completed"]
    last = json.loads(hook.posts[-1][1])
    assert last["task_id"] == task_id and last["message"] == "made it"


@SQLITE_ONLY
def test_denied_command_and_ntfy_webhook(make_serve, hook: _Hook) -> None:
    serve, _ = make_serve(
        lambda i: steps("touch denied.txt", final="could not"),
        "--notify",
        _url(hook),
        "--notify-format",
        "ntfy",
    )
    task_id = serve.submit("touch", "-a", "untrusted")
    serve.decide_approval(task_id, "denied")
    assert serve.wait(task_id).returncode == 0
    assert "denied.txt" not in serve.cli("diff", task_id).stdout
    headers, body = hook.posts[-1]
    assert headers["title"] == f"burro task {task_id} completed"
    assert body == b"could not"


SECRET = "tk_s3cr3t_topic"


@SQLITE_ONLY
def test_cloud_notify_table_posts_json_on_wait_completion_and_failure(make_serve, hook) -> None:
    hook.status = 500  # the receiver fails: serve logs it, without the URL's secret
    url = f"http://user:{SECRET}@127.0.0.1:{hook.server_address[1]}/hook/{SECRET}?key={SECRET}"
    serve, _ = make_serve(
        lambda i: (
            steps("touch ok.txt", final="all good")
            if i == 0
            else [Turn(fault=HttpError(400, message="bad request from the model"))]
        ),
        config=f'\n[cloud.notify]\nwebhook = "{url}"\n',
    )
    ok = serve.submit("touch", "-a", "untrusted")
    serve.decide_approval(ok, "approved")
    assert serve.wait(ok).returncode == 0, serve.log()
    bad = serve.submit("fail please")
    assert serve.wait(bad).returncode == 1

    posts = [json.loads(body) for _, body in hook.posts]
    assert [(p["task_id"], p["event"]) for p in posts] == [
        (ok, "task.waiting_approval"),
        (ok, "task.completed"),
        (bad, "task.failed"),
    ]
    assert posts[1]["message"] == "all good"
    assert "bad request from the model" in posts[2]["message"]
    assert hook.posts[0][0]["content-type"] == "application/json"
    log = serve.log()
    assert "answered 500" in log  # the failure was logged...
    assert SECRET not in log  # ...without the secret in the URL
    assert SECRET not in (serve.home / "serve.log").read_text()


@SQLITE_ONLY
def test_cloud_notify_ntfy_form_with_a_filter_and_the_flag_override(make_serve, hook) -> None:
    port = hook.server_address[1]
    serve, _ = make_serve(
        lambda i: steps("touch n.txt", final="ntfy done"),
        "--notify",
        f"http://127.0.0.1:{port}/from-flag",
        config=(
            "\n[cloud.notify]\n"
            f'webhook = "http://127.0.0.1:{port}/from-config"\n'
            'format = "ntfy"\non = ["approval", "completed"]\n'
        ),
    )
    task_id = serve.submit("touch", "-a", "untrusted")
    serve.decide_approval(task_id, "approved")
    assert serve.wait(task_id).returncode == 0
    assert hook.paths == ["/from-flag", "/from-flag"]  # --notify wins over the table
    (wait_h, _), (done_h, done_b) = hook.posts
    assert wait_h["title"] == f"burro task {task_id} waiting approval"
    assert wait_h["priority"] == "4" and wait_h["tags"] == "burro,raising_hand"
    assert done_h["title"] == f"burro task {task_id} completed"
    assert done_h["priority"] == "3" and "white_check_mark" in done_h["tags"]
    assert done_b == b"ntfy done"
    assert not wait_h.get("content-type", "").startswith("application/json")


@pytest.mark.parametrize(
    ("table", "key"),
    [
        ('webhook = "ftp://x"', "`cloud.notify`: `webhook` must be an http"),
        ('webhook = "http://x"\nformat = "xml"', "`cloud.notify.format`"),
        ('webhook = "http://x"\non = ["done"]', "`cloud.notify.on[0]`"),
        ('webhook = "http://x"\nurl = "http://x"', "unknown key `cloud.notify.url`"),
    ],
)
def test_a_bad_cloud_notify_table_is_one_line_naming_the_key(
    tmp_path: Path, table: str, key: str
) -> None:
    home = tmp_path / "home"
    home.mkdir()
    # The top-level `notify` (Codex's program hook) and the table live side by side.
    (home / "config.toml").write_text(f'notify = ["true"]\n[cloud.notify]\n{table}\n')
    stderr = serve_refusing(["--port", str(free_port())], cloud_env(home))
    (line,) = stderr.splitlines()
    assert line.startswith("error: ") and key in line, line
    assert not (home / "serve").exists()  # nothing was started


@SQLITE_ONLY
def test_a_separate_worker_notifies_from_the_table(make_serve, hook) -> None:
    serve, _ = make_serve(
        lambda i: steps(final="worked elsewhere"),
        "--no-worker",
        config=f'\n[cloud.notify]\nwebhook = "{_url(hook)}"\non = ["completed"]\n',
    )
    serve.start_worker()  # same $BURRO_HOME: it reads the same config.toml
    task_id = serve.submit("hello")
    assert serve.wait(task_id).returncode == 0, serve.log()
    (post,) = [json.loads(body) for _, body in hook.posts]
    assert post["event"] == "task.completed" and post["message"] == "worked elsewhere"
