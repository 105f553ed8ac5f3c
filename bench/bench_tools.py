"""Tool benchmarks (plain script, prints figures; not a test).

    uv run python bench/bench_tools.py [--runs N] [--files N]

- shell tool spawn->exit for `true`: argv form (exec'd directly) and string form (bash -c);
  budget: median <= 10 ms.
- grep_files over a generated tree of 50,000 files: ripgrep and the pure-Python fallback.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import tempfile
import time
from pathlib import Path

from burro.tools.base import ToolContext
from burro.tools.grep_files import GrepFilesTool
from burro.tools.shell import ShellTool


def _ctx(cwd: Path) -> ToolContext:
    return ToolContext(turn_id="bench", call_id="bench", cwd=cwd, emit=lambda _e: None)


async def _time_shell(payload: str, runs: int, cwd: Path) -> list[float]:
    tool = ShellTool()
    ctx = _ctx(cwd)
    for _ in range(5):  # warm up
        await tool.run(payload, ctx)
    samples = []
    for _ in range(runs):
        t0 = time.perf_counter()
        result = await tool.run(payload, ctx)
        samples.append((time.perf_counter() - t0) * 1000)
        assert result.success, result.output
    return samples


def _make_tree(root: Path, files: int) -> None:
    per_dir = 100
    for i in range(files):
        d = root / f"pkg{i // per_dir:04d}"
        if i % per_dir == 0:
            d.mkdir()
        body = f"def function_{i}():\n    return {i}\n"
        if i % 997 == 0:
            body += "# NEEDLE_MARKER\n"
        (d / f"mod{i % per_dir:03d}.py").write_text(body)


async def _time_grep(tool: GrepFilesTool, root: Path) -> tuple[float, int]:
    t0 = time.perf_counter()
    result = await tool.run('{"pattern": "NEEDLE_MARKER", "limit": 2000}', _ctx(root))
    elapsed = (time.perf_counter() - t0) * 1000
    return elapsed, len(result.output.splitlines())


def _report(label: str, samples: list[float]) -> None:
    samples = sorted(samples)
    p90 = samples[int(len(samples) * 0.9) - 1]
    print(
        f"{label:<34} median {statistics.median(samples):6.2f} ms   "
        f"p90 {p90:6.2f} ms   min {samples[0]:6.2f} ms   (n={len(samples)})"
    )


async def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=200)
    parser.add_argument("--files", type=int, default=50_000)
    parser.add_argument("--skip-fallback", action="store_true")
    opts = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="burro-bench-") as tmp:
        cwd = Path(tmp)
        _report(
            'shell ["true"] (direct exec)',
            await _time_shell('{"command": ["true"]}', opts.runs, cwd),
        )
        _report('shell "true" (bash -c)', await _time_shell('{"command": "true"}', opts.runs, cwd))
        _report(
            'shell ["bash","-lc","true"]',
            await _time_shell('{"command": ["bash", "-lc", "true"]}', opts.runs, cwd),
        )
        root = cwd / "tree"
        root.mkdir()
        t0 = time.perf_counter()
        _make_tree(root, opts.files)
        print(f"generated {opts.files} files in {time.perf_counter() - t0:.1f} s")
        ms, hits = await _time_grep(GrepFilesTool(), root)
        print(f"{'grep_files (ripgrep), one run':<34} {ms:8.1f} ms   ({hits} matching files)")
        ms, hits = await _time_grep(GrepFilesTool(), root)
        print(f"{'grep_files (ripgrep), warm run':<34} {ms:8.1f} ms   ({hits} matching files)")
        if not opts.skip_fallback:
            ms, hits = await _time_grep(GrepFilesTool(use_ripgrep=False), root)
            print(f"{'grep_files (python fallback)':<34} {ms:8.1f} ms   ({hits} matching files)")


if __name__ == "__main__":
    asyncio.run(main())
