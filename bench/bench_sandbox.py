"""Overhead of running `true` through the bubblewrap sandbox (workspace-write) vs directly.

Run: uv run python bench/bench_sandbox.py   (budget: <= 10 ms added, median of 50 runs)
"""

from __future__ import annotations

import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench._common import scratch_repo, summary
from burro.sandbox import BwrapSandbox, policy_for

RUNS = 50
BUDGET_MS = 10.0


def _time(argv: list[str], *, cwd: Path) -> list[float]:
    out = []
    for _ in range(RUNS):
        t0 = time.perf_counter()
        subprocess.run(argv, cwd=cwd, check=True)
        out.append(time.perf_counter() - t0)
    return out


def main() -> int:
    repo = scratch_repo()
    try:
        true = shutil.which("true") or "/bin/true"
        sandbox = BwrapSandbox(policy_for("workspace-write", cwd=repo, burro_home=repo / ".burro"))
        wrapped = sandbox.wrap([true], cwd=repo)
        _time([true], cwd=repo)  # warm up
        direct = _time([true], cwd=repo)
        boxed = _time(wrapped, cwd=repo)
        t0 = time.perf_counter()
        for _ in range(RUNS):
            sandbox.wrap([true], cwd=repo)
        build_ms = (time.perf_counter() - t0) / RUNS * 1000
    finally:
        shutil.rmtree(repo, ignore_errors=True)
    added = (statistics.median(boxed) - statistics.median(direct)) * 1000
    print(f"direct `true`:    {summary(direct)}")
    print(f"bwrap `true`:     {summary(boxed)}")
    print(f"argv build:       {build_ms:.3f} ms per wrap()")
    verdict = "within" if added <= BUDGET_MS else "OVER"
    print(f"added (median):   {added:.1f} ms ({verdict} the {BUDGET_MS:.0f} ms budget)")
    return 0 if added <= BUDGET_MS else 1


if __name__ == "__main__":
    raise SystemExit(main())
