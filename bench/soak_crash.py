"""kill -9 soak: the full 30-point crash matrix, then random kill points, each followed
by a resume. Prints trials / lost / duplicated / failed resumes (all should be 0 but the
trials). Runs on demand (minutes), never in the test suite.

Usage: uv run python -m bench.soak_crash [RANDOM_TRIALS] [--seed N] [--no-matrix]
"""

from __future__ import annotations

import argparse
import random
import shutil
import tempfile
import time
from pathlib import Path

from tests.e2e.crash_trial import FULL_MATRIX, STEPS, KillPoint, Trial, run_trial


def _random_point(rng: random.Random) -> KillPoint:
    kind = rng.choice(["request", "tool", "delay"])
    if kind == "request":
        return ("request", rng.randint(1, STEPS + 1))
    if kind == "tool":
        return ("tool", rng.randrange(STEPS))
    return ("delay", rng.randint(300, 4000))  # ms after start: anywhere, even mid-write


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("random_trials", nargs="?", type=int, default=40)
    parser.add_argument("--seed", type=int, default=None)
    parser.add_argument("--no-matrix", action="store_true")
    args = parser.parse_args()
    seed = args.seed if args.seed is not None else int(time.time())
    rng = random.Random(seed)
    points = [] if args.no_matrix else list(FULL_MATRIX)
    points += [_random_point(rng) for _ in range(args.random_trials)]
    print(f"soak_crash: {len(points)} trials (seed {seed})", flush=True)
    bad: list[Trial] = []
    totals = {"lost": 0, "duplicated": 0, "failed resumes": 0, "ran after kill": 0, "stuck": 0}
    started = time.monotonic()
    for n, point in enumerate(points, 1):
        tmp = Path(tempfile.mkdtemp(prefix="burro-soak-"))
        try:
            trial = run_trial(tmp, point)
        except Exception as exc:  # a harness failure is a failed trial, not the end
            trial = Trial(point, resume_error=f"harness: {type(exc).__name__}: {exc}")
        finally:
            shutil.rmtree(tmp, ignore_errors=True)
        totals["lost"] += len(trial.lost)
        totals["duplicated"] += len(trial.duplicated)
        totals["failed resumes"] += bool(trial.resume_error)
        totals["ran after kill"] += trial.ran_after_kill
        totals["stuck"] += bool(trial.stuck)
        if not trial.ok:
            bad.append(trial)
            print(f"  trial {n} {point}: {trial}", flush=True)
        elif n % 10 == 0:
            print(f"  {n}/{len(points)} trials, {time.monotonic() - started:.0f} s", flush=True)
    print(
        f"trials {len(points)}, lost {totals['lost']}, duplicated {totals['duplicated']}, "
        f"failed resumes {totals['failed resumes']}, ran after kill {totals['ran after kill']}, "
        f"stuck {totals['stuck']}"
    )
    return 1 if bad else 0


if __name__ == "__main__":
    raise SystemExit(main())
