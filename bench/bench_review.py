"""Precision and recall of `burro review` on the seeded-bug corpus (bench/review_corpus).

    uv run python -m bench.bench_review --model gpt-5.5            a real model (needs its key)
    uv run python -m bench.bench_review -m M -c model_provider=P   any configured provider
    uv run python -m bench.bench_review                            offline: scripted answers

Each case is reviewed twice as uncommitted changes in a fresh git repository: the buggy
version (a finding overlapping the planted lines is a true positive; other findings are
false positives; no hit is a false negative) and its clean twin (every finding there is a
false positive). Findings at or above --min-priority count (default P2: nits are free).
Offline, a scripted reviewer answers (one planted miss, one false alarm) only to prove
that the runner and its arithmetic work; the numbers say nothing about any model.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import subprocess
import sys
import tempfile
import time
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bench._common import ROOT

CORPUS = ROOT / "bench" / "review_corpus" / "cases.toml"


@dataclass(frozen=True)
class Case:
    name: str
    file: str
    lines: tuple[int, int]
    base: str
    buggy: str
    clean: str


@dataclass
class Tally:
    tp: int = 0
    fp: int = 0
    fn: int = 0

    @property
    def precision(self) -> float:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 1.0

    @property
    def recall(self) -> float:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 1.0


def load_cases(names: list[str] | None = None) -> list[Case]:
    data = tomllib.loads(CORPUS.read_text(encoding="utf-8"))
    cases = [
        Case(
            c["name"], c["file"], (c["lines"][0], c["lines"][1]), c["base"], c["buggy"], c["clean"]
        )
        for c in data["case"]
    ]
    return [c for c in cases if not names or c.name in names]


def score(case: Case, variant: str, findings: list[Any], *, min_priority: int) -> Tally:
    """One review's contribution: ``findings`` are burro.review Finding objects."""
    counted = [f for f in findings if f.priority <= min_priority]
    lo, hi = case.lines
    hits = [f for f in counted if f.file == case.file and f.start <= hi and f.end >= lo]
    if variant == "clean":
        return Tally(fp=len(counted))
    return Tally(tp=1 if hits else 0, fp=len(counted) - len(hits), fn=0 if hits else 1)


def make_repo(root: Path, case: Case, variant: str) -> Path:
    repo = root / f"{case.name}-{variant}"
    repo.mkdir(parents=True)
    run = lambda *a: subprocess.run(["git", *a], cwd=repo, check=True, capture_output=True)  # noqa: E731
    run("init", "-q", "-b", "main")
    (repo / case.file).write_text(case.base, encoding="utf-8")
    run("add", "-A")
    run("-c", "user.name=bench", "-c", "user.email=bench@example.com", "commit", "-qm", "base")
    (repo / case.file).write_text(getattr(case, variant), encoding="utf-8")
    return repo


def scripted_answer(case: Case, variant: str, repo: Path, index: int, total: int) -> str:
    """The offline reviewer: right on every buggy case but the last, wrong on the first
    clean twin (so precision and recall both show a miss)."""
    findings = []
    if (variant == "buggy" and index < total - 1) or (variant == "clean" and index == 0):
        findings.append(
            {
                "title": f"[P1] Planted bug in {case.name}",
                "body": "Scripted finding.",
                "priority": 1,
                "confidence_score": 0.9,
                "code_location": {
                    "absolute_file_path": str(repo / case.file),
                    "line_range": {"start": case.lines[0], "end": case.lines[1]},
                },
            }
        )
    return json.dumps(
        {
            "findings": findings,
            "overall_correctness": "patch is incorrect" if findings else "patch is correct",
            "overall_explanation": "scripted",
            "overall_confidence_score": 0.5,
        }
    )


async def review_one(repo: Path, args: argparse.Namespace, answer: str | None) -> list[Any]:
    from burro.config import load_settings
    from burro.review import Uncommitted, run_review

    if answer is not None:
        from tests.fakes.scripted import ScriptedModel, say

        env = {
            "BURRO_HOME": str(repo.parent / "home"),
            "OPENAI_API_KEY": "offline",
            "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        }
        settings = load_settings(cwd=repo, env=env, model="gpt-5.5")
        run = await run_review(settings, Uncommitted(), env=env, client=ScriptedModel(say(answer)))
    else:
        settings = load_settings(
            cwd=repo, env=os.environ, model=args.model, profile=args.profile, overrides=args.config
        )
        run = await run_review(settings, Uncommitted(), env=os.environ)
    return [*run.output.findings, *run.output.outside]


def main(argv: list[str] | None = None) -> dict[str, Any]:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("-m", "--model", help="A real model (else: scripted, offline).")
    p.add_argument("-p", "--profile")
    p.add_argument("-c", "--config", action="append", default=[], metavar="KEY=VALUE")
    p.add_argument("--cases", help="Comma-separated case names (default: all).")
    p.add_argument("--min-priority", type=int, default=2, choices=[0, 1, 2, 3])
    p.add_argument("--out", help="Write the results as JSON here.")
    args = p.parse_args(argv)
    from burro.protocol.errors import BurroError

    cases = load_cases(args.cases.split(",") if args.cases else None)
    scripted = args.model is None and not args.config and not args.profile
    total, rows = Tally(), []
    with tempfile.TemporaryDirectory(prefix="burro-review-bench-") as tmp:
        for i, case in enumerate(cases):
            for variant in ("buggy", "clean"):
                repo = make_repo(Path(tmp), case, variant)
                answer = scripted_answer(case, variant, repo, i, len(cases)) if scripted else None
                started = time.monotonic()
                try:
                    findings = asyncio.run(review_one(repo, args, answer))
                    error = ""
                except BurroError as exc:
                    findings, error = [], str(exc)
                t = score(case, variant, findings, min_priority=args.min_priority)
                if error and variant == "buggy":
                    t = Tally(fn=1)
                total.tp, total.fp, total.fn = total.tp + t.tp, total.fp + t.fp, total.fn + t.fn
                rows.append(
                    {
                        "case": case.name,
                        "variant": variant,
                        "tp": t.tp,
                        "fp": t.fp,
                        "fn": t.fn,
                        "seconds": round(time.monotonic() - started, 2),
                        "error": error,
                    }
                )
                mark = "ok " if not (t.fp or t.fn) else "MISS" if t.fn else "FP "
                print(
                    f"{mark} {case.name:<26} {variant:<5} tp={t.tp} fp={t.fp} fn={t.fn}"
                    + (f"  error: {error}" if error else ""),
                    file=sys.stderr,
                )
    result = {
        "model": args.model or "scripted",
        "cases": len(cases),
        "tp": total.tp,
        "fp": total.fp,
        "fn": total.fn,
        "precision": round(total.precision, 3),
        "recall": round(total.recall, 3),
        "rows": rows,
    }
    print(
        f"{result['model']}: precision {result['precision']:.3f}  recall "
        f"{result['recall']:.3f}  (tp {total.tp}, fp {total.fp}, fn {total.fn}, "
        f"{len(cases)} cases x 2)"
    )
    if args.out:
        Path(args.out).write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    return result


if __name__ == "__main__":
    main()
