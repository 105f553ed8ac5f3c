"""Background tasks under load: 50 concurrent scripted tasks through `burro serve`
(API + embedded Temporal dev server, no worker) and one `burro worker`, against the fake
model server in its own process. Each task runs two commands and answers.

Reports tasks per minute, p50/p95 from submit to the first event and to completion (seen
by one SSE follower per task), the peak RSS of the server, the worker and the Temporal
dev server, and the engine's overhead per task: a task submitted alone (submit to
completion) against `burro exec` running the same script.

Usage: python -m bench.bench_cloud [TASKS] [WORKER_SLOTS]
"""

from __future__ import annotations

import asyncio
import json
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

from bench._common import BURRO, ROOT

SCRIPT = [
    {
        "steps": [
            {
                "type": "call",
                "name": "shell",
                "arguments": {"command": ["bash", "-lc", "echo one > a.txt"]},
            }
        ]
    },
    {
        "steps": [
            {
                "type": "call",
                "name": "shell",
                "arguments": {"command": ["bash", "-lc", "echo two >> a.txt"]},
            }
        ]
    },
    {"steps": [{"type": "text", "text": "done"}]},
]


def _fake_server_main(ready: str) -> None:
    """In a child process: a fake model where every session plays SCRIPT."""
    from tests.cloud.harness import SessionScripts
    from tests.fakes.script import turn_from_dict

    srv = SessionScripts(lambda i: [turn_from_dict(t) for t in SCRIPT])
    srv.start()
    Path(ready).write_text(srv.base_url)
    done = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: done.set())
    done.wait()
    srv.stop()


def _rss_mb(pid: int) -> float:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


def _children(pid: int) -> list[int]:
    out = subprocess.run(["ps", "-o", "pid=", "--ppid", str(pid)], capture_output=True, text=True)
    return [int(p) for p in out.stdout.split()]


class _Peak(threading.Thread):
    def __init__(self, pids: dict[str, int]) -> None:
        super().__init__(daemon=True)
        self.pids = pids
        self.peak = dict.fromkeys(pids, 0.0)
        self.stop = threading.Event()

    def run(self) -> None:
        while not self.stop.wait(0.2):
            for name, pid in self.pids.items():
                self.peak[name] = max(self.peak[name], _rss_mb(pid))


def _pct(values: list[float], q: float) -> float:
    v = sorted(values)
    return v[min(len(v) - 1, round(q * (len(v) - 1)))]


async def _one(client: Any, repo: Path, start: float) -> tuple[float, float]:
    """(submit -> first event, submit -> completion) in seconds."""
    from httpx_sse import aconnect_sse

    t0 = time.perf_counter()
    resp = await client.post("/api/tasks", json={"prompt": "two steps", "repo": str(repo)})
    resp.raise_for_status()
    task_id = resp.json()["id"]
    first = None
    async with aconnect_sse(client, "GET", f"/api/tasks/{task_id}/events") as src:
        async for sse in src.aiter_sse():
            if first is None:
                first = time.perf_counter() - t0
            if sse.event == "end":
                status = json.loads(sse.data)["status"]
                if status != "completed":
                    raise RuntimeError(f"task {task_id} ended {status}")
                break
    return first or 0.0, time.perf_counter() - t0


async def _load(
    url: str, token: str, repo: Path, n: int
) -> tuple[list[tuple[float, float]], float]:
    import httpx

    limits = httpx.Limits(max_connections=n * 2 + 10)
    async with httpx.AsyncClient(
        base_url=url, headers={"authorization": f"Bearer {token}"}, timeout=None, limits=limits
    ) as client:
        start = time.perf_counter()
        results = await asyncio.gather(*(_one(client, repo, start) for _ in range(n)))
        return list(results), time.perf_counter() - start


def _setup(tmp: Path) -> tuple[Path, Path, dict[str, str], subprocess.Popen[bytes], str]:
    from tests.cloud.harness import write_config
    from tests.fakes.workspace import make_repo

    ready = tmp / "fake.ready"
    fake = subprocess.Popen(
        [
            sys.executable,
            "-c",
            f"from bench.bench_cloud import _fake_server_main; _fake_server_main({str(ready)!r})",
        ],
        cwd=ROOT,
    )
    while not ready.exists():
        time.sleep(0.05)
    base_url = ready.read_text()
    home = tmp / "home"
    write_config(home, base_url)
    repo = make_repo(tmp / "repo")
    subprocess.run(["git", "add", "-A"], cwd=repo, check=True)
    subprocess.run(
        ["git", "-c", "user.name=b", "-c", "user.email=b@b", "commit", "-qm", "i"],
        cwd=repo,
        check=True,
    )
    env = {k: v for k, v in os.environ.items() if not k.endswith("_API_KEY")}
    env.update({"BURRO_HOME": str(home), "FAKE_KEY": "k"})
    return home, repo, env, fake, base_url


def _exec_times(repo: Path, env: dict[str, str], n: int) -> list[float]:
    out = []
    for _ in range(n):
        subprocess.run(["git", "checkout", "-q", "--", "."], cwd=repo, check=False)
        subprocess.run(["git", "clean", "-qfd"], cwd=repo, check=False)
        t0 = time.perf_counter()
        proc = subprocess.run(
            [str(BURRO), "exec", "-s", "workspace-write", "two steps"],
            cwd=repo,
            env=env,
            capture_output=True,
            text=True,
            check=False,
        )
        out.append(time.perf_counter() - t0)
        if proc.returncode != 0:
            raise RuntimeError(proc.stderr)
    return out


def main(argv: list[str]) -> int:
    from tests.cloud.harness import free_port

    n = int(argv[0]) if argv else 50
    slots = int(argv[1]) if len(argv) > 1 else 16
    tmp = Path(tempfile.mkdtemp(prefix="burro-bench-cloud-"))
    home, repo, env, fake, _ = _setup(tmp)
    port = free_port()
    serve = subprocess.Popen(
        [
            str(BURRO),
            "serve",
            "--no-worker",
            "--port",
            str(port),
            "--temporal-port",
            str(free_port()),
        ],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=(tmp / "serve.log").open("wb"),
    )
    worker = None
    try:
        info = home / "serve" / "serve.json"
        while not info.exists():
            if serve.poll() is not None:
                raise RuntimeError((tmp / "serve.log").read_text())
            time.sleep(0.1)
        worker = subprocess.Popen(
            [str(BURRO), "worker", "--slots", str(slots)],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=(tmp / "worker.log").open("wb"),
        )
        token = (home / "serve" / "token").read_text().strip()
        url = f"http://127.0.0.1:{port}"
        time.sleep(1.0)
        temporal = _children(serve.pid)
        peak = _Peak(
            {
                "server": serve.pid,
                "worker": worker.pid,
                "temporal": temporal[0] if temporal else serve.pid,
            }
        )
        peak.start()
        results, wall = asyncio.run(_load(url, token, repo, n))
        peak.stop.set()
        firsts = [f for f, _ in results]
        dones = [d for _, d in results]
        print(f"{n} concurrent tasks, worker slots {slots}, {os.cpu_count()} cpus")
        print(f"  throughput: {n / wall * 60:.1f} tasks/min (all done in {wall:.1f} s)")
        print(
            f"  submit -> first event: p50 {_pct(firsts, 0.5) * 1000:.0f} ms, p95 {_pct(firsts, 0.95) * 1000:.0f} ms"
        )
        print(
            f"  submit -> completion:  p50 {_pct(dones, 0.5):.2f} s, p95 {_pct(dones, 0.95):.2f} s"
        )
        print(
            "  peak RSS: server {server:.0f} MB, worker {worker:.0f} MB, temporal dev server {temporal:.0f} MB".format(
                **peak.peak
            )
        )
        alone = [asyncio.run(_load(url, token, repo, 1))[0][0][1] for _ in range(5)]
        execs = _exec_times(repo, env, 5)
        over = statistics.median(alone) - statistics.median(execs)
        print(
            f"  one task alone: {statistics.median(alone):.2f} s vs burro exec {statistics.median(execs):.2f} s"
            f" -> engine overhead {over:.2f} s per task (median of 5)"
        )
    finally:
        for proc in (worker, serve, fake):
            if proc is not None and proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
                try:
                    proc.wait(timeout=30)
                except subprocess.TimeoutExpired:
                    proc.kill()
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
