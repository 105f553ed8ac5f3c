"""``burro apply-patch`` as a user runs it: exit codes, stdout and stderr."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

BURRO = Path(sys.executable).parent / "burro"


def _burro(cwd: Path, *args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(BURRO), "apply-patch", *args],
        cwd=cwd,
        input=stdin,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_file_argument_success(tmp_path: Path) -> None:
    (tmp_path / "p.txt").write_text("*** Begin Patch\n*** Add File: a.txt\n+hi\n*** End Patch\n")
    out = _burro(tmp_path, "p.txt")
    assert out.returncode == 0, out.stderr
    assert out.stdout == "Success. Updated the following files:\nA a.txt\n"
    assert out.stderr == ""
    assert (tmp_path / "a.txt").read_text() == "hi\n"


def test_stdin_success(tmp_path: Path) -> None:
    (tmp_path / "a.txt").write_text("x\n")
    out = _burro(tmp_path, "-", stdin="*** Begin Patch\n*** Delete File: a.txt\n*** End Patch\n")
    assert out.returncode == 0 and out.stdout.endswith("D a.txt\n")
    assert not (tmp_path / "a.txt").exists()


def test_apply_failure_is_one_message_on_stderr(tmp_path: Path) -> None:
    (tmp_path / "a.txt").write_text("x\n")
    patch = "*** Begin Patch\n*** Update File: a.txt\n@@\n-nope\n+y\n*** End Patch\n"
    out = _burro(tmp_path, stdin=patch)
    assert out.returncode == 1
    assert out.stdout == ""
    assert out.stderr == "Failed to find expected lines in a.txt:\nnope\n"
    assert (tmp_path / "a.txt").read_text() == "x\n"


def test_parse_failure(tmp_path: Path) -> None:
    out = _burro(tmp_path, stdin="*** Begin Patch\n*** Frobnicate File: x\n*** End Patch\n")
    assert out.returncode == 1
    assert "line 2" in out.stderr and "Traceback" not in out.stderr


def test_missing_patch_file(tmp_path: Path) -> None:
    out = _burro(tmp_path, "nope.txt")
    assert out.returncode == 1
    assert "nope.txt" in out.stderr and "Traceback" not in out.stderr


def test_non_utf8_patch_file(tmp_path: Path) -> None:
    (tmp_path / "p.txt").write_bytes(b"*** Begin Patch\n\xff\n*** End Patch\n")
    out = _burro(tmp_path, "p.txt")
    assert out.returncode == 1 and "UTF-8" in out.stderr
