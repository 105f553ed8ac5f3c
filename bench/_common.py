"""Shared helpers for benchmarks (run on demand, never as tests)."""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

BURRO = Path(sys.executable).parent / "burro"


def scratch_repo() -> Path:
    d = Path(tempfile.mkdtemp(prefix="burro-bench-"))
    subprocess.run(["git", "init", "-q"], cwd=d, check=True)
    (d / "README.md").write_text("bench\n")
    return d


def env_for(home: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.endswith("_API_KEY")}
    env.update({"BURRO_HOME": str(home), "FAKE_KEY": "k"})
    return env


def provider_args(base_url: str, wire: str = "responses") -> list[str]:
    from tests.fakes.workspace import fake_provider_overrides

    provider, table = fake_provider_overrides(base_url, wire)
    return ["-c", provider, "-c", table, "-m", "test-model"]


def summary(values: list[float], unit: str = "ms", scale: float = 1000.0) -> str:
    v = sorted(x * scale for x in values)
    return f"median {statistics.median(v):.1f} {unit} (min {v[0]:.1f}, max {v[-1]:.1f}, n={len(v)})"
