"""Time to the first model request: `burro exec` and `codex exec`, alternating, against
the same fake model server and the same one-line task (issue 11, "Startup").

Codex comes from npm: `npm install --prefix /work/codex-npm @openai/codex` (or set
CODEX_BIN). Without it the script says so and exits 0. Run on demand:

    uv run python -m bench.bench_startup_vs_codex        (BENCH_RUNS=15 for more samples)
"""

from __future__ import annotations

import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from tests.fakes.model_server import FakeModelServer
from tests.fakes.script import Text, Turn
from tests.fakes.workspace import fake_provider_overrides, make_repo

from bench._common import BURRO, ROOT, summary

RUNS = int(os.environ.get("BENCH_RUNS", "9"))
CODEX_DEFAULT = Path("/work/codex-npm/node_modules/.bin/codex")
MODEL = "gpt-5.5"


def codex_bin() -> str | None:
    found = os.environ.get("CODEX_BIN") or (str(CODEX_DEFAULT) if CODEX_DEFAULT.exists() else None)
    return found or shutil.which("codex")


def _argv(exe: str, base_url: str) -> list[str]:
    """The same provider table for both (Codex rejects burro's extra retry key)."""
    provider, _ = fake_provider_overrides(base_url, "responses")
    table = (
        f'model_providers.fake={{name="fake",base_url="{base_url}",'
        'wire_api="responses",env_key="FAKE_KEY"}'
    )
    return [
        exe,
        "exec",
        "-c",
        provider,
        "-c",
        table,
        "-m",
        MODEL,
        "--skip-git-repo-check",
        "say hi",
    ]


def one_run(tool: str, exe: str, root: Path) -> float:
    """Seconds from spawning the process to the first model request arriving."""
    repo = root / f"{tool}-repo"
    if not repo.exists():
        make_repo(repo)
    home = root / f"{tool}-home"
    home.mkdir(exist_ok=True)
    env = {k: v for k, v in os.environ.items() if not k.endswith("_API_KEY")}
    env.update({"BURRO_HOME": str(home), "CODEX_HOME": str(home), "FAKE_KEY": "k"})
    with FakeModelServer([Turn([Text("hi")])]) as srv:
        t0 = time.monotonic()
        proc = subprocess.run(
            _argv(exe, srv.base_url),
            cwd=repo,
            env=env,
            stdin=subprocess.DEVNULL,
            capture_output=True,
            text=True,
            timeout=60,
        )
        posts = [r for r in srv.requests if r.method == "POST"]
    if proc.returncode != 0 or not posts:
        raise SystemExit(f"{tool} failed ({proc.returncode}): {proc.stderr[-800:]}")
    return posts[0].received_at - t0


def main() -> int:
    codex = codex_bin()
    if codex is None:
        print(
            "codex is not installed (npm install --prefix /work/codex-npm @openai/codex); skipped"
        )
        return 0
    version = subprocess.run([codex, "--version"], capture_output=True, text=True).stdout.strip()
    # An installed wheel has its bytecode compiled; an editable checkout under
    # PYTHONDONTWRITEBYTECODE would otherwise compile every module on every start.
    subprocess.run(
        [sys.executable, "-m", "compileall", "-q", str(ROOT / "src" / "burro")], check=True
    )
    root = Path(tempfile.mkdtemp(prefix="burro-vs-codex-"))
    times: dict[str, list[float]] = {"burro": [], "codex": []}
    try:
        for tool, exe in (("burro", str(BURRO)), ("codex", codex)):
            one_run(tool, exe, root)  # warm-up: page cache, bytecode, first-run files
        for i in range(RUNS):
            order = [("burro", str(BURRO)), ("codex", codex)]
            for tool, exe in order if i % 2 == 0 else order[::-1]:
                times[tool].append(one_run(tool, exe, root))
    finally:
        shutil.rmtree(root, ignore_errors=True)
    burro, cx = statistics.median(times["burro"]), statistics.median(times["codex"])
    print(f"time to first model request ({RUNS} alternating runs, {version}):")
    print(f"  burro exec: {summary(times['burro'])}")
    print(f"  codex exec: {summary(times['codex'])}")
    print(f"  ratio burro/codex: {burro / cx:.2f} of the medians (goal <= 0.5)")
    # On a busy machine the medians mostly measure the queue for a CPU; the fastest run
    # of each is closer to what each program itself costs.
    print(f"  ratio of the fastest runs: {min(times['burro']) / min(times['codex']):.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
