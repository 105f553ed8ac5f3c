"""Where `burro exec` spends its time before the first model request: one run under an
audit hook (imports, subprocesses, the first connect), printed as milestones with the
milliseconds since the interpreter handed over. For the start-up goal of issue 11; run
on a quiet machine (the figures are wall time):

    uv run python -m bench.startup_timeline          (BENCH_RUNS=5: the median of 5)
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

from tests.fakes.model_server import FakeModelServer
from tests.fakes.script import Text, Turn
from tests.fakes.workspace import fake_provider_overrides, make_repo

from bench._common import ROOT

RUNS = int(os.environ.get("BENCH_RUNS", "5"))

# The hook runs inside burro's process: it records each milestone once.
_PROBE = r"""
import sys, time
T0 = time.perf_counter()
seen = {}
MARKS = {
    "import click": "click", "import asyncio": "asyncio", "import burro.protocol": "protocol",
    "import burro.config": "config", "import burro.core.api": "core.api",
    "import burro.core.launch": "session code", "import httpcore": "HTTP stack",
    "subprocess.Popen": "first subprocess", "socket.connect": "connect",
}
def hook(event, args):
    key = event if event != "import" else f"import {args[0]}"
    name = MARKS.get(key)
    if name and name not in seen:
        seen[name] = (time.perf_counter() - T0) * 1000
        if name == "connect":
            import json
            sys.stderr.write("TIMELINE " + json.dumps(seen) + "\n")
sys.addaudithook(hook)
sys.argv = ["burro", *sys.argv[1:]]
import runpy
runpy.run_module("burro", run_name="__main__", alter_sys=True)
"""


def one_run(root: Path) -> dict[str, float]:
    repo = root / "repo"
    if not repo.exists():
        make_repo(repo)
    home = root / "home"
    home.mkdir(exist_ok=True)
    env = {k: v for k, v in os.environ.items() if not k.endswith("_API_KEY")}
    env.update({"BURRO_HOME": str(home), "FAKE_KEY": "k"})
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    with FakeModelServer([Turn([Text("hi")])]) as srv:
        provider, table = fake_provider_overrides(srv.base_url, "responses")
        argv = [sys.executable, "-c", _PROBE, "exec", "-c", provider, "-c", table]
        argv += ["-m", "gpt-5.5", "--skip-git-repo-check", "say hi"]
        proc = subprocess.run(
            argv, cwd=repo, env=env, stdin=subprocess.DEVNULL, capture_output=True, text=True
        )
    lines = [ln for ln in proc.stderr.splitlines() if ln.startswith("TIMELINE ")]
    if proc.returncode != 0 or not lines:
        raise SystemExit(f"burro exec failed ({proc.returncode}): {proc.stderr[-800:]}")
    marks: dict[str, float] = json.loads(lines[-1][len("TIMELINE ") :])
    return marks


def main() -> None:
    subprocess.run([sys.executable, "-m", "compileall", "-q", str(ROOT / "src")], check=False)
    with tempfile.TemporaryDirectory(prefix="burro-timeline-") as tmp:
        runs = [one_run(Path(tmp)) for _ in range(RUNS)]
    names = sorted(runs[0], key=lambda n: statistics.median(r.get(n, 0.0) for r in runs))
    print(f"burro exec, ms after the interpreter started (median of {RUNS} runs):")
    for name in names:
        print(f"  {statistics.median(r[name] for r in runs if name in r):7.1f}  {name}")


if __name__ == "__main__":
    main()
