"""burro exec against the fake model server: startup to first request, per-step harness
overhead, exit time after the final answer, peak RSS.

Budgets (issue 2): first request <= 0.2 s, per-step overhead <= 50 ms, exit <= 0.05 s,
peak RSS <= 90 MB.
"""

from __future__ import annotations

import itertools
import json
import os
import subprocess
import sys
import time

from tests.fakes.model_server import FakeModelServer
from tests.fakes.script import Call, Text, Turn

from bench._common import BURRO, env_for, provider_args, scratch_repo, summary

RUNS = int(os.environ.get("BENCH_RUNS", "7"))
STEPS = int(os.environ.get("BENCH_STEPS", "20"))


def one_run(steps: int, wire: str) -> dict[str, float]:
    repo = scratch_repo()
    home = repo / ".home"
    home.mkdir()
    turns = [Turn([Call("shell", {"command": "true"}, call_id=f"c{i}")]) for i in range(steps)]
    turns.append(Turn([Text("done")]))
    with FakeModelServer(turns) as srv:
        t0 = time.monotonic()
        proc = subprocess.Popen(
            [str(BURRO), "exec", "--json", "--ephemeral", *provider_args(srv.base_url, wire), "go"],
            cwd=repo,
            env=env_for(home),
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
        )
        assert proc.stdout is not None
        durations: list[int] = []
        final_at = None
        for line in proc.stdout:
            ev = json.loads(line)
            item = ev.get("item", {})
            if ev["type"] == "item.completed" and item.get("type") == "agent_message":
                final_at = time.monotonic()
        _, status, rusage = os.wait4(proc.pid, 0)
        exited_at = time.monotonic()
        reqs = srv.requests
        arrivals = [r.received_at for r in reqs]
    assert os.waitstatus_to_exitcode(status) == 0
    gaps = [b - a for a, b in itertools.pairwise(arrivals)]
    del durations
    return {
        "first_request_s": arrivals[0] - t0,
        "step_s": sorted(gaps)[len(gaps) // 2] if gaps else 0.0,
        "exit_s": exited_at - (final_at or exited_at),
        "rss_mb": rusage.ru_maxrss / 1024,
    }


def main() -> None:
    wire = sys.argv[1] if len(sys.argv) > 1 else "responses"
    results = [one_run(STEPS, wire) for _ in range(RUNS)]
    # The command itself (`true` under bash -c) is timed separately and subtracted.
    t = []
    for _ in range(50):
        s = time.monotonic()
        subprocess.run(["bash", "-c", "true"], check=True)
        t.append(time.monotonic() - s)
    cmd = sorted(t)[len(t) // 2]
    print(f"wire: {wire}, {STEPS} steps per run, {RUNS} runs")
    print("start -> first request: " + summary([r["first_request_s"] for r in results]))
    print("per-step turnaround:    " + summary([r["step_s"] for r in results]))
    print(f"command's own run time: {cmd * 1000:.1f} ms (bash -c true)")
    print("per-step overhead:      " + summary([r["step_s"] - cmd for r in results]))
    print("exit after final answer:" + summary([r["exit_s"] for r in results]))
    print(
        "peak RSS:               " + summary([r["rss_mb"] for r in results], unit="MB", scale=1.0)
    )


if __name__ == "__main__":
    main()
