"""Run every benchmark in bench/ (or the ones named), each in its own subprocess.

    uv run python -m bench.run_all [NAME ...]

NAME is ``bench_tools``, ``tools`` or ``bench_tools.py``; without names every
``bench/bench_*.py`` runs, in alphabetical order. Benchmarks run from the repository
root as ``python -m bench.NAME`` with ``PYTHONDONTWRITEBYTECODE`` removed from the
environment, so bytecode is cached as in a real install, after one warm-up process
that imports burro and every selected benchmark module (compiling and caching their
bytecode). Each benchmark's output is printed under a heading; a failing benchmark
is reported and the others still run. Exit status: 1 if any benchmark failed.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BENCH = ROOT / "bench"
# Imported by the warm-up process besides the benchmarks themselves: the modules that
# `burro exec` loads on its way to the first request (the rest load lazily).
WARM_MODULES = ("burro.cli", "burro.core.api", "burro.tools.registry", "burro.models")


def available() -> list[str]:
    return sorted(p.stem for p in BENCH.glob("bench_*.py"))


def resolve(names: list[str]) -> list[str]:
    known = available()
    if not names:
        return known
    chosen: list[str] = []
    for raw in names:
        stem = Path(raw).name.removesuffix(".py")
        name = stem if stem.startswith("bench_") else f"bench_{stem}"
        if name not in known:
            raise SystemExit(f"run_all: no benchmark {raw!r}; available: {', '.join(known)}")
        if name not in chosen:
            chosen.append(name)
    return chosen


def bench_env() -> dict[str, str]:
    env = dict(os.environ)
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    env["PYTHONUNBUFFERED"] = "1"  # keep each benchmark's lines in order as they come
    return env


def heading(text: str) -> None:
    bar = "=" * max(60, len(text) + 8)
    print(f"\n{bar}\n=== {text}\n{bar}", flush=True)


def warm_up(names: list[str], env: dict[str, str]) -> None:
    modules = [*WARM_MODULES, *(f"bench.{n}" for n in names)]
    code = (
        "import importlib, sys\n"
        f"for m in {modules!r}:\n"
        "    try:\n"
        "        importlib.import_module(m)\n"
        "    except Exception as exc:\n"
        "        print(f'warm-up: cannot import {m}: {type(exc).__name__}: {exc}', file=sys.stderr)\n"
    )
    t0 = time.perf_counter()
    subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, check=False)
    print(f"warm-up import: {time.perf_counter() - t0:.2f} s", flush=True)


def run_one(name: str, env: dict[str, str]) -> int:
    heading(f"{name}  (python -m bench.{name})")
    t0 = time.perf_counter()
    proc = subprocess.run(
        [sys.executable, "-m", f"bench.{name}"], cwd=ROOT, env=env, stdin=subprocess.DEVNULL
    )
    elapsed = time.perf_counter() - t0
    status = "ok" if proc.returncode == 0 else f"FAILED (exit {proc.returncode})"
    print(f"--- {name}: {status}, {elapsed:.1f} s wall", flush=True)
    return proc.returncode


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if any(a in ("-h", "--help") for a in args):
        print(__doc__)
        print("available:", ", ".join(available()))
        return 0
    names = resolve(args)
    env = bench_env()
    heading(f"benchmarks: {', '.join(names)}")
    warm_up(names, env)
    failed = [n for n in names if run_one(n, env) != 0]
    heading("summary")
    for n in names:
        print(f"{n:<24} {'FAILED' if n in failed else 'ok'}")
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
