"""read_file on real files: ranges, long lines, binary files, and clear errors."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from burro.tools.base import ToolError
from burro.tools.read_file import ReadFileTool
from tests.unit.tools._helpers import make_ctx, run


def read(cwd: Path, **args: object) -> str:
    ctx, _ = make_ctx(cwd)
    return run(ReadFileTool().run(json.dumps(args), ctx)).output


def test_reads_numbered_lines_relative_to_cwd(tmp_path: Path) -> None:
    (tmp_path / "a.txt").write_text("one\ntwo\r\nthree")
    assert read(tmp_path, file_path="a.txt") == "L1: one\nL2: two\nL3: three"


def test_offset_and_limit_select_a_range_and_say_how_to_continue(tmp_path: Path) -> None:
    f = tmp_path / "n.txt"
    f.write_text("".join(f"{i}\n" for i in range(1, 101)))
    out = read(tmp_path, file_path=str(f), offset=10, limit=3)
    lines = out.splitlines()
    assert lines[:3] == ["L10: 10", "L11: 11", "L12: 12"]
    assert "offset=13" in lines[3]


def test_long_lines_are_cut_at_500_chars(tmp_path: Path) -> None:
    (tmp_path / "w.txt").write_text("é" * 2000 + "\nshort\n")
    out = read(tmp_path, file_path="w.txt").splitlines()
    assert out[0] == "L1: " + "é" * 500
    assert out[1] == "L2: short"


def test_invalid_utf8_is_replaced(tmp_path: Path) -> None:
    (tmp_path / "bad.txt").write_bytes(b"ok\xff\n")
    assert read(tmp_path, file_path="bad.txt") == "L1: ok\ufffd"


def test_whole_output_is_capped(tmp_path: Path) -> None:
    (tmp_path / "big.txt").write_text(("x" * 400 + "\n") * 2000)
    out = read(tmp_path, file_path="big.txt")
    assert len(out.encode()) <= 256 * 1024 + 200
    assert "output capped" in out.splitlines()[-1]


def test_binary_files_are_refused(tmp_path: Path) -> None:
    (tmp_path / "blob.bin").write_bytes(b"\x7fELF\x00\x01\x02" * 10)
    with pytest.raises(ToolError, match="binary"):
        read(tmp_path, file_path="blob.bin")


def test_missing_file_and_directory_errors(tmp_path: Path) -> None:
    with pytest.raises(ToolError, match="file not found"):
        read(tmp_path, file_path="nope.txt")
    with pytest.raises(ToolError, match="is a directory; use list_dir"):
        read(tmp_path, file_path=".")


def test_offset_past_end_reports_line_count(tmp_path: Path) -> None:
    (tmp_path / "s.txt").write_text("a\nb\nc\n")
    with pytest.raises(ToolError, match=r"offset 10 is past the end .* 3 lines"):
        read(tmp_path, file_path="s.txt", offset=10)


def test_empty_file(tmp_path: Path) -> None:
    (tmp_path / "e.txt").write_text("")
    assert read(tmp_path, file_path="e.txt") == "(empty file)"


@pytest.mark.parametrize(
    ("payload", "message"),
    [
        ("nope", "not valid JSON"),
        ("{}", "missing required field 'file_path'"),
        ('{"file_path": "a", "offset": 0}', "'offset' must be at least 1"),
        ('{"file_path": ["a"]}', "'file_path' must be a string"),
    ],
)
def test_bad_arguments(tmp_path: Path, payload: str, message: str) -> None:
    ctx, _ = make_ctx(tmp_path)
    with pytest.raises(ToolError, match=message):
        run(ReadFileTool().run(payload, ctx))


def test_huge_single_line_is_cut_without_reading_it_whole(tmp_path: Path) -> None:
    with (tmp_path / "min.js").open("w") as f:
        f.write("a" * 3_000_000 + "\nnext\n")
    assert read(tmp_path, file_path="min.js") == "L1: " + "a" * 500 + "\nL2: next"
