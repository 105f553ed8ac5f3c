"""grep_files with the real ripgrep binary and with the pure-Python fallback."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from burro.tools.base import ToolError
from burro.tools.grep_files import GrepFilesTool, find_ripgrep
from tests.unit.tools._helpers import make_ctx, run

ENGINES = [
    pytest.param(GrepFilesTool(), id="ripgrep"),
    pytest.param(GrepFilesTool(use_ripgrep=False), id="python"),
]


def grep(tool: GrepFilesTool, cwd: Path, **args: object) -> str:
    ctx, _ = make_ctx(cwd)
    return run(tool.run(json.dumps(args), ctx)).output


def make_repo(root: Path) -> None:
    (root / ".gitignore").write_text("ignored/\n")
    (root / "src").mkdir()
    (root / "src" / "a.py").write_text("def needle():\n    pass\n")
    (root / "src" / "b.txt").write_text("needle in text\n")
    (root / "src" / "c.py").write_text("nothing here\n")
    (root / "ignored").mkdir()
    (root / "ignored" / "d.py").write_text("needle\n")
    (root / "old.py").write_text("needle old\n")
    os.utime(root / "old.py", (1_000_000, 1_000_000))


def test_ripgrep_is_found_in_the_environment() -> None:
    assert find_ripgrep() is not None


@pytest.mark.parametrize("tool", ENGINES)
def test_matches_are_relative_newest_first_and_skip_ignored(
    tool: GrepFilesTool, tmp_path: Path
) -> None:
    make_repo(tmp_path)
    out = grep(tool, tmp_path, pattern="needle").splitlines()
    assert sorted(out) == ["old.py", "src/a.py", "src/b.txt"]
    assert out[-1] == "old.py"


@pytest.mark.parametrize("tool", ENGINES)
def test_include_glob_and_path(tool: GrepFilesTool, tmp_path: Path) -> None:
    make_repo(tmp_path)
    assert grep(tool, tmp_path, pattern=r"need\w+", include="*.py", path="src") == "src/a.py"


@pytest.mark.parametrize("tool", ENGINES)
def test_no_matches(tool: GrepFilesTool, tmp_path: Path) -> None:
    make_repo(tmp_path)
    assert grep(tool, tmp_path, pattern="absent_zzz") == "No matches found."


@pytest.mark.parametrize("tool", ENGINES)
def test_invalid_regex_is_a_one_line_tool_error(tool: GrepFilesTool, tmp_path: Path) -> None:
    make_repo(tmp_path)
    with pytest.raises(ToolError) as info:
        grep(tool, tmp_path, pattern="needle(")
    text = str(info.value)
    assert text.startswith("grep_files: ") and "\n" not in text
    assert "regex" in text


@pytest.mark.parametrize("tool", ENGINES)
def test_limit_caps_the_list(tool: GrepFilesTool, tmp_path: Path) -> None:
    for i in range(5):
        (tmp_path / f"f{i}.txt").write_text("hit\n")
    out = grep(tool, tmp_path, pattern="hit", limit=2).splitlines()
    assert len(out) == 3 and "3 more matching files" in out[2]


def test_missing_path_and_bad_args(tmp_path: Path) -> None:
    with pytest.raises(ToolError, match="does not exist"):
        grep(GrepFilesTool(), tmp_path, pattern="x", path="nope")
    with pytest.raises(ToolError, match="missing required field 'pattern'"):
        grep(GrepFilesTool(), tmp_path)
