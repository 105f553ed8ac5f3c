"""The shared apply_patch scenario suite, run through the real ``burro apply-patch`` CLI."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

SCENARIOS = (
    Path(__file__).resolve().parents[2].parent
    / "shared"
    / "conformance"
    / "apply_patch"
    / "scenarios"
)
BURRO = Path(sys.executable).parent / "burro"


# The suite lives beside the project (../shared). A clone without it still passes; where
# it is present (as in CI) every case runs and the count is checked. BURRO_CONFORMANCE
# points at another copy.
SCENARIOS = Path(os.environ.get("BURRO_CONFORMANCE", SCENARIOS))
if not SCENARIOS.is_dir():
    pytest.skip(f"apply_patch conformance suite not found at {SCENARIOS}", allow_module_level=True)


def _cases() -> list[Path]:
    return sorted(p for p in SCENARIOS.iterdir() if p.is_dir())


def _snapshot(root: Path) -> dict[str, bytes | None]:
    """relative path -> file bytes (None for a directory)."""
    if not root.exists():
        return {}
    out: dict[str, bytes | None] = {}
    for path in sorted(root.rglob("*")):
        rel = path.relative_to(root).as_posix()
        out[rel] = None if path.is_dir() else path.read_bytes()
    return out


def test_suite_is_present() -> None:
    assert len(_cases()) >= 23


@pytest.mark.parametrize("case", _cases(), ids=lambda p: p.name)
def test_scenario(case: Path, tmp_path: Path) -> None:
    work = tmp_path / "work"
    if (case / "input").is_dir():
        shutil.copytree(case / "input", work)
    else:
        work.mkdir()
    patch_file = tmp_path / "patch.txt"
    shutil.copyfile(case / "patch.txt", patch_file)
    subprocess.run(
        [str(BURRO), "apply-patch", str(patch_file)], cwd=work, capture_output=True, timeout=60
    )
    assert _snapshot(work) == _snapshot(case / "expected")
