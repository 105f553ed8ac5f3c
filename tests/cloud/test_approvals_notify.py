"""A task that asks before running a command: the approval is answered over the API, and
the `--notify` webhook hears about the wait and the end."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from tests.cloud.harness import SQLITE_ONLY, steps


class _Hook(ThreadingHTTPServer):
    daemon_threads = True
    posts: list[tuple[dict[str, str], bytes]]


class _Handler(BaseHTTPRequestHandler):
    server: _Hook

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        self.server.posts.append(({k.lower(): v for k, v in self.headers.items()}, body))
        self.send_response(200)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture
def hook() -> Iterator[_Hook]:
    srv = _Hook(("127.0.0.1", 0), _Handler)
    srv.posts = []
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
    view = serve.wait_until(task_id, lambda v: v["status"] == "waiting_approval")
    call_id = view["attempts"][0]["pending_approvals"][0]["call_id"]
    with serve.http() as c:
        c.post(f"/api/tasks/{task_id}/approvals/{call_id}", json={"decision": "denied"})
    assert serve.wait(task_id).returncode == 0
    assert "denied.txt" not in serve.cli("diff", task_id).stdout
    headers, body = hook.posts[-1]
    assert headers["title"] == f"burro task {task_id} completed"
    assert body == b"could not"
