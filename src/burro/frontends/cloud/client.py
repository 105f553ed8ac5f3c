"""`burro cloud`: a small client of the task server's HTTP API."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

from burro.frontends.cloud.paths import client_token, read_info

EXIT = {"completed": 0, "failed": 1, "cancelled": 3}


class CloudError(Exception):
    """One line for stderr; exit code 1 (or ``code``)."""

    def __init__(self, message: str, code: int = 1) -> None:
        super().__init__(message)
        self.code = code


@dataclass(frozen=True)
class Api:
    url: str
    token: str

    @classmethod
    def locate(cls, server: str | None, home: Path, env: Mapping[str, str]) -> Api:
        info = read_info(home)
        url = server or env.get("BURRO_SERVER") or (info.url if info else None)
        if not url:
            raise CloudError(
                "no server: pass --server URL or set BURRO_SERVER (or run `burro serve`)"
            )
        token = client_token(home, env)
        if not token:
            raise CloudError("no token: set BURRO_TOKEN to the token `burro serve` printed")
        return cls(url.rstrip("/"), token)

    def _client(self, timeout: float | None = 30) -> httpx.Client:
        return httpx.Client(
            base_url=self.url, headers={"authorization": f"Bearer {self.token}"}, timeout=timeout
        )

    def call(self, method: str, path: str, **kw: Any) -> httpx.Response:
        try:
            with self._client() as client:
                resp = client.request(method, path, **kw)
        except httpx.HTTPError as exc:
            raise CloudError(f"cannot reach {self.url}: {exc}") from exc
        if resp.status_code >= 400:
            raise CloudError(error_text(resp))
        return resp

    def events(
        self, task_id: str, *, follow: bool, after: str = ""
    ) -> Iterator[tuple[str, str, dict[str, Any]]]:
        """(sse id, kind, data) until the server ends the stream; reconnects with
        Last-Event-ID when the connection drops (a restarting server)."""
        from httpx_sse import connect_sse

        last = after
        failures = 0
        while True:
            try:
                with (
                    self._client(timeout=None) as client,
                    connect_sse(
                        client, **events_request(task_id, follow=follow, last=last)
                    ) as source,
                ):
                    if source.response.status_code >= 400:
                        source.response.read()
                        raise CloudError(error_text(source.response))
                    for sse in source.iter_sse():
                        failures = 0
                        if sse.event == "end":
                            yield "", "end", json.loads(sse.data)
                            return
                        if sse.id:
                            last = sse.id
                        yield sse.id, sse.event, json.loads(sse.data)
            except httpx.HTTPError as exc:
                failures += 1
                if failures > 60:
                    raise CloudError(f"lost the connection to {self.url}: {exc}") from exc
                time.sleep(1.0)


def events_request(task_id: str, *, follow: bool, last: str) -> dict[str, Any]:
    """The SSE request for a task's events after ``last`` (an SSE id), for
    httpx_sse's connect_sse and aconnect_sse alike."""
    return {
        "method": "GET",
        "url": f"/api/tasks/{task_id}/events",
        "params": {"follow": str(follow).lower()},
        "headers": {"last-event-id": last} if last else {},
    }


def error_text(resp: httpx.Response) -> str:
    """The API's JSON error as one line."""
    try:
        message = resp.json().get("error") or resp.text
    except ValueError:
        message = resp.text
    return f"server said ({resp.status_code}): {message}"


# ---------------------------------------------------------------- local git helpers
def git(
    args: list[str], cwd: Path, *, stdin: str | None = None
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["git", *args], cwd=cwd, input=stdin, capture_output=True, text=True, check=False
    )


def repo_root(cwd: Path) -> Path:
    out = git(["rev-parse", "--show-toplevel"], cwd)
    if out.returncode != 0:
        raise CloudError("not inside a git repository; pass --repo PATH|URL")
    return Path(out.stdout.strip())


def task_spec(
    *, prompt: str, repo: str | None, base: str | None, from_local: bool, cwd: Path, **extra: Any
) -> dict[str, Any]:
    spec: dict[str, Any] = {
        "prompt": prompt,
        **{k: v for k, v in extra.items() if v not in (None, [], ())},
    }
    local = repo is None or not ("://" in repo or repo.startswith("git@"))
    if local:
        root = repo_root(Path(repo).resolve() if repo else cwd)
        spec["repo"] = str(root)
        head = git(["rev-parse", base or "HEAD"], root)
        if head.returncode != 0:
            raise CloudError(f"--base {base or 'HEAD'}: not a commit in {root}")
        spec["base"] = head.stdout.strip()
        if from_local:
            from burro.frontends.cloud.workspace import diff

            spec["local_diff"], _ = diff(root, spec["base"])
    else:
        if from_local:
            raise CloudError("--from-local needs a local repository (omit --repo URL)")
        spec["repo"] = repo
        if base:
            spec["base"] = base
    return spec


def apply_diff(text: str, cwd: Path) -> str:
    """git apply into the local checkout, or nothing at all on conflict."""
    if not text.strip():
        return "the task changed nothing; nothing to apply"
    root = repo_root(cwd)
    check = git(["apply", "--check", "--binary", "-"], root, stdin=text)
    if check.returncode != 0:
        raise CloudError(
            "the diff does not apply to this checkout (nothing was changed): "
            + (check.stderr.strip().splitlines() or ["conflict"])[0]
            + "; commit or stash local changes, or check out the task's base commit"
        )
    done = git(["apply", "--binary", "-"], root, stdin=text)
    if done.returncode != 0:
        raise CloudError(f"git apply failed: {done.stderr.strip()}")
    files = git(["apply", "--numstat", "-"], root, stdin=text).stdout.count("\n")
    return f"applied {files} file(s) to {root}"


# ---------------------------------------------------------------- rendering
def render_human(kind: str, data: dict[str, Any], out: Any) -> None:
    ev = data.get("event", {})
    tag = f"[{data.get('attempt')}] " if data.get("attempt", 1) != 1 else ""
    line = None
    if kind == "user_message":
        line = f"user: {ev.get('text', '')}"
    elif kind == "agent_message":
        line = f"burro: {ev.get('text', '')}"
    elif kind == "exec_command_begin":
        line = f"$ {ev.get('command', '')}"
    elif kind == "exec_command_end":
        line = f"  exit {ev.get('exit_code')} ({ev.get('status', 'completed')})"
    elif kind == "patch_apply_end":
        paths = ", ".join(c.get("path", "") for c in ev.get("changes", []))
        line = f"patch {'applied' if ev.get('success') else 'failed'}: {paths}"
    elif kind == "plan_update":
        line = "plan: " + "; ".join(
            f"[{s.get('status')}] {s.get('step')}" for s in ev.get("plan", [])
        )
    elif kind in ("turn_failed", "error"):
        line = f"error: {ev.get('error', {}).get('message', '')}"
    elif kind == "exec_approval_request":
        line = f"approval needed ({ev.get('call_id')}): {ev.get('command')}"
    elif kind == "turn_complete":
        line = "turn complete"
    if line is not None:
        out.write(tag + line + "\n")
        out.flush()


def print_status(view: dict[str, Any], out: Any = None) -> None:
    out = out or sys.stdout
    u = view["usage"]
    out.write(
        f"{view['id']}  {view['status']}  {view.get('model') or '-'} effort={view.get('effort') or '-'}  "
        f"{view['wall_time_s']:.1f}s  tokens in={u['input_tokens']} (cached {u['cached_input_tokens']}) out={u['output_tokens']}\n"
    )
    out.write(f"  {view['prompt'][:100]}\n")
    for a in view["attempts"]:
        au = a["usage"]
        out.write(
            f"  attempt {a['k']}: {a['status']}  files: {', '.join(a['files_changed']) or '-'}  tokens {au['total_tokens']}\n"
        )
        if a.get("command"):
            out.write(f"    running: {a['command']}\n")
            for ln in a["output"].splitlines()[-5:]:
                out.write(f"      {ln}\n")
        for p in a.get("pending_approvals", []):
            out.write(f"    approval {p['call_id']}: {p.get('command') or p.get('reason')}\n")
        if a.get("error"):
            out.write(f"    error: {a['error']}\n")
        if a.get("last_message"):
            out.write(f"    {a['last_message'].strip()[:300]}\n")


def env_home(env: Mapping[str, str]) -> Path:
    from burro.config import burro_home

    return burro_home(env)


def wait_for(api: Api, task_id: str, timeout: float | None) -> dict[str, Any]:
    deadline = None if timeout is None else time.monotonic() + timeout
    while True:
        view: dict[str, Any] = api.call("GET", f"/api/tasks/{task_id}").json()
        if view["status"] in EXIT:
            return view
        if deadline is not None and time.monotonic() > deadline:
            raise CloudError(
                f"task {task_id} is still {view['status']} after {timeout:.0f}s", code=124
            )
        time.sleep(0.5)


def cwd() -> Path:
    return Path(os.getcwd())
