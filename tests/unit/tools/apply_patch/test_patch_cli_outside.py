"""``burro apply-patch`` refuses paths outside the current directory unless told."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
from tests.unit.tools.apply_patch.test_patch_cli import _burro as _run


def _burro(cwd: Path, patch: str, *flags: str) -> subprocess.CompletedProcess[str]:
    return _run(cwd, *flags, stdin=patch)


def _add(path: str) -> str:
    return f"*** Begin Patch\n*** Add File: {path}\n+hi\n*** End Patch\n"


@pytest.fixture
def work(tmp_path: Path) -> Path:
    d = tmp_path / "work"
    d.mkdir()
    return d


@pytest.mark.parametrize("how", ["dotdot", "absolute", "symlink", "move"])
def test_paths_outside_the_directory_are_refused(work: Path, how: str) -> None:
    outside = work.parent / "x.txt"
    (work / "in.txt").write_text("a\n")
    (work / "link").symlink_to(work.parent)
    patch = {
        "dotdot": _add("../x.txt"),
        "absolute": _add(str(outside)),
        "symlink": _add("link/x.txt"),
        "move": "*** Begin Patch\n*** Update File: in.txt\n*** Move to: ../x.txt\n"
        "@@\n-a\n+b\n*** End Patch\n",
    }[how]
    out = _burro(work, patch)
    assert out.returncode == 1
    assert out.stdout == ""
    assert len(out.stderr.splitlines()) == 1, out.stderr
    assert "outside the current directory" in out.stderr
    assert "--allow-outside" in out.stderr
    assert not outside.exists()
    assert (work / "in.txt").read_text() == "a\n"


def test_one_outside_path_stops_the_whole_patch(work: Path) -> None:
    patch = (
        "*** Begin Patch\n*** Add File: ok.txt\n+1\n*** Add File: ../bad.txt\n+2\n*** End Patch\n"
    )
    out = _burro(work, patch)
    assert out.returncode == 1
    assert not (work / "ok.txt").exists() and not (work.parent / "bad.txt").exists()


def test_allow_outside_writes_there(work: Path) -> None:
    out = _burro(work, _add("../x.txt"), "--allow-outside")
    assert out.returncode == 0, out.stderr
    assert (work.parent / "x.txt").read_text() == "hi\n"


def test_paths_inside_still_work(work: Path) -> None:
    (work / "sub").mkdir()
    out = _burro(work, _add("sub/../inside.txt"))
    assert out.returncode == 0, out.stderr
    assert (work / "inside.txt").read_text() == "hi\n"
