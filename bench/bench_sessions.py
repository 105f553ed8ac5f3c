"""Long sessions: a 10,000-step scripted session with compaction (peak RSS growth,
per-step harness CPU at step 100 vs step 10,000; budget <= 1.5x), and the time to
resume a 10,000-item rollout (budget <= 0.5 s).

Usage: python -m bench.bench_sessions [STEPS]
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path

from tests.fakes.model_server import FakeModelServer
from tests.fakes.script import Call, Text, Turn, Usage

from bench._common import BURRO, env_for, provider_args, scratch_repo

TICK = os.sysconf("SC_CLK_TCK")


def _cpu_and_rss(pid: int) -> tuple[float, int]:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    cpu = (int(fields[11]) + int(fields[12])) / TICK
    rss_kb = 0
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            rss_kb = int(line.split()[1])
    return cpu, rss_kb


def long_session(steps: int) -> None:
    turns: list[Turn] = []
    for i in range(steps):
        big = (i + 1) % 1000 == 0
        usage = Usage(input_tokens=5500 if big else 1000, output_tokens=10)
        turns.append(Turn([Call("shell", {"command": "true"}, call_id=f"c{i}")], usage=usage))
        if big:
            turns.append(
                Turn([Text(f"summary at {i}")], usage=Usage(input_tokens=100, output_tokens=10))
            )
    turns.append(Turn([Text("done")]))
    repo = scratch_repo()
    home = repo / ".home"
    home.mkdir()
    samples: dict[int, tuple[float, float, int]] = {}
    total = len(turns)
    marks = sorted({50, 100, 150, total - 110, total - 10})
    with FakeModelServer(turns) as srv:
        proc = subprocess.Popen(
            [
                str(BURRO),
                "exec",
                "--json",
                "-c",
                "model_context_window=6000",
                *provider_args(srv.base_url),
                "go",
            ],
            cwd=repo,
            env=env_for(home),
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )

        def sampler() -> None:
            pending = list(marks)
            while pending and proc.poll() is None:
                n = len(srv.requests)
                while pending and n >= pending[0]:
                    cpu, rss = _cpu_and_rss(proc.pid)
                    samples[pending.pop(0)] = (time.monotonic(), cpu, rss)
                time.sleep(0.01)

        t = threading.Thread(target=sampler, daemon=True)
        t.start()
        _, status, rusage = os.wait4(proc.pid, 0)
        t.join(timeout=2)
    assert os.waitstatus_to_exitcode(status) == 0, "the long session failed"

    def per_step(a: int, b: int) -> float:
        return (samples[b][1] - samples[a][1]) / (b - a) * 1000

    early = per_step(50, 150)
    late = per_step(total - 110, total - 10)
    print(f"{steps}-step session with compaction every 1000 steps")
    print(f"  harness CPU per step around step 100:    {early:.2f} ms")
    print(
        f"  harness CPU per step around step {steps}: {late:.2f} ms  (ratio {late / early:.2f}x, budget 1.5x)"
    )
    print(
        f"  RSS at step 100: {samples[100][2] / 1024:.1f} MB; near the end: "
        f"{samples[total - 10][2] / 1024:.1f} MB; peak {rusage.ru_maxrss / 1024:.1f} MB"
    )


def resume_time(items: int) -> None:
    from burro.core.reconstruct import restore
    from burro.core.rollout import RolloutWriter, SessionMeta
    from burro.protocol.items import FunctionCall, FunctionCallOutput, user_text

    home = Path(tempfile.mkdtemp(prefix="burro-bench-home-"))
    repo = scratch_repo()
    sid = str(uuid.uuid4())
    path = home / "sessions" / "2026" / "01" / "01" / f"rollout-2026-01-01T00-00-00-{sid}.jsonl"
    w = RolloutWriter(path)
    w.meta(
        SessionMeta(
            id=sid,
            cwd=str(repo),
            model="gpt-5.5",
            provider="fake",
            burro_version="bench",
            started_at="2026-01-01T00:00:00Z",
        )
    )
    w.item(user_text("start"))
    for i in range(items // 2):
        w.item(FunctionCall(call_id=f"c{i}", name="shell", arguments='{"command": "ls -la src/"}'))
        w.item(
            FunctionCallOutput(
                call_id=f"c{i}",
                output="Exit code: 0\nWall time: 0.0 seconds\nOutput:\n" + "file.py\n" * 20,
            )
        )
    w.close()
    runs = []
    for _ in range(5):
        t0 = time.perf_counter()
        restored = restore(path)
        runs.append(time.perf_counter() - t0)
    assert len(restored.history) == items + 1
    print(
        f"restore a {items}-item rollout ({path.stat().st_size / 1e6:.1f} MB): "
        f"median {sorted(runs)[2] * 1000:.0f} ms (budget 500 ms)"
    )
    with FakeModelServer([Turn([Text("ok")])]) as srv:
        t0 = time.monotonic()
        proc = subprocess.run(
            [
                str(BURRO),
                "exec",
                "-c",
                "model_context_window=100000000",
                *provider_args(srv.base_url),
                "resume",
                sid,
                "next",
            ],
            cwd=repo,
            env=env_for(home),
            capture_output=True,
            text=True,
            check=False,
        )
        first = srv.requests[0].received_at - t0 if srv.requests else float("nan")
    assert proc.returncode == 0, proc.stderr
    print(f"burro exec resume of that session: first request after {first * 1000:.0f} ms")


if __name__ == "__main__":
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 10_000
    resume_time(10_000)
    long_session(n)
