"""Many sessions in one process, as a worker or server runs them: 100 concurrent
sessions against the fake model server (in its own process), each running a command
and answering. Reports RSS before, at the peak and after every session ended (three
rounds: it must come back to the baseline, i.e. no process-global growth), and the
event rate delivered to 10 subscribers of one session streaming a long answer.

Usage: python -m bench.bench_concurrent [SESSIONS] [WIRE]
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench._common import ROOT, scratch_repo


def _rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def _settle() -> float:
    """RSS once garbage is collected and the C allocator has returned free pages (the
    per-thread malloc arenas of the command threads otherwise keep them)."""
    import ctypes

    gc.collect()
    with contextlib.suppress(OSError):
        ctypes.CDLL("libc.so.6").malloc_trim(0)
    return _rss_mb()


def _serve(turns: list[dict[str, object]]) -> tuple[subprocess.Popen[bytes], str]:
    tmp = Path(tempfile.mkdtemp(prefix="burro-bench-srv-"))
    script = tmp / "script.json"
    script.write_text(json.dumps({"turns": turns}))
    ready = tmp / "ready"
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "tests.fakes.model_server",
            "--script",
            str(script),
            "--ready-file",
            str(ready),
        ],
        cwd=ROOT,
    )
    for _ in range(200):
        if ready.exists():
            return proc, ready.read_text()
        time.sleep(0.05)
    proc.kill()
    raise SystemExit("fake model server did not start")


def _settings(repo: Path, base_url: str, wire: str) -> object:
    from tests.fakes.workspace import fake_provider_overrides

    from burro.config import load_settings

    return load_settings(
        cwd=repo,
        env={"BURRO_HOME": str(repo / ".home"), "FAKE_KEY": "k"},
        overrides=fake_provider_overrides(base_url, wire),
        model={"responses": "gpt-5.5", "chat": "qwen3-coder", "anthropic": "claude-sonnet-4-5"}[
            wire
        ],
        sandbox_mode="read-only",
        approval_policy="never",
    )


async def _round(settings: object, n: int, peak: list[float]) -> list[str]:
    from burro.core.api import SessionOptions, run_task
    from burro.protocol.items import TextPart
    from burro.protocol.ops import UserTurn

    big = "context " * 12_000  # ~100 KB of user text per session
    env = {"PATH": "/usr/bin:/bin", "FAKE_KEY": "k"}

    async def one(i: int) -> str:
        op = UserTurn(items=[TextPart(text=f"task {i}\n{big}")])
        res = await run_task(settings, op, env=env, options=SessionOptions(ephemeral=True))  # type: ignore[arg-type]
        peak[0] = max(peak[0], _rss_mb())
        return res.status

    return list(await asyncio.gather(*(one(i) for i in range(n))))


async def _fanout(settings: object) -> tuple[int, float]:
    from burro.core.api import SessionOptions, start_session
    from burro.protocol.items import TextPart
    from burro.protocol.ops import UserTurn

    handle = await start_session(
        settings,
        env={"PATH": "/usr/bin:/bin", "FAKE_KEY": "k"},  # type: ignore[arg-type]
        options=SessionOptions(ephemeral=True),
    )
    counts = [0] * 10

    async def reader(k: int) -> None:
        async for _ in handle.subscribe(after=0):
            counts[k] += 1

    readers = [asyncio.create_task(reader(k)) for k in range(10)]
    t0 = time.perf_counter()
    await handle.run_turn(UserTurn(items=[TextPart(text="stream a lot")]))
    await handle.shutdown()
    await asyncio.gather(*readers)
    return sum(counts), time.perf_counter() - t0


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 100
    wire = sys.argv[2] if len(sys.argv) > 2 else "chat"
    rounds = 3
    turns: list[dict[str, object]] = []
    for _ in range(rounds + 1):
        turns += [
            {"steps": [{"type": "call", "name": "shell", "arguments": {"command": ["echo", "hi"]}}]}
        ] * n
        turns += [{"steps": [{"type": "text", "text": "done", "chunks": 3}]}] * (2 * n)
    proc, base_url = _serve(turns)
    long_answer = [{"steps": [{"type": "text", "text": "x" * 40_000, "chunks": 20_000}]}]
    fan_proc, fan_url = _serve(long_answer)
    repo = scratch_repo()
    try:
        settings = _settings(repo, base_url, wire)
        peak = [0.0]
        asyncio.run(_round(settings, 5, peak))  # warm-up: imports, first clients
        baseline = _settle()
        print(f"{n} concurrent sessions, wire {wire}, one process, fake model in another")
        print(f"  baseline RSS after warm-up: {baseline:.1f} MB")
        for r in range(rounds):
            peak = [0.0]
            t0 = time.perf_counter()
            statuses = asyncio.run(_round(settings, n, peak))
            wall = time.perf_counter() - t0
            after = _settle()
            ok = statuses.count("completed")
            print(
                f"  round {r + 1}: {ok}/{n} completed in {wall:.2f}s; peak {peak[0]:.1f} MB "
                f"({(peak[0] - baseline) / n * 1024:.0f} KB/session); after all ended "
                f"{after:.1f} MB ({after - baseline:+.1f} MB vs baseline)"
            )
        events, secs = asyncio.run(_fanout(_settings(repo, fan_url, wire)))
        print(
            f"  fan-out: {events} events to 10 subscribers in {secs:.2f}s = {events / secs:,.0f} ev/s"
        )
    finally:
        for p in (proc, fan_proc):
            p.terminate()
            p.wait()


if __name__ == "__main__":
    os.environ.setdefault("PYTHONHASHSEED", "0")
    main()
