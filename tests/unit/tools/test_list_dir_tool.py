"""list_dir on real trees: format, depth, paging, .gitignore (root and nested), symlinks."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from burro.tools.base import ToolError
from burro.tools.list_dir import ListDirTool
from tests.unit.tools._helpers import make_ctx, run


def ls(cwd: Path, **args: object) -> str:
    ctx, _ = make_ctx(cwd)
    return run(ListDirTool().run(json.dumps(args), ctx)).output


def make_tree(root: Path) -> None:
    (root / ".git").mkdir()
    (root / ".git" / "HEAD").write_text("ref: x\n")
    (root / ".gitignore").write_text("*.log\nbuild/\n")
    (root / "README.md").write_text("hi")
    (root / "app.log").write_text("noise")
    (root / "build").mkdir()
    (root / "build" / "out.o").write_text("")
    (root / "src").mkdir()
    (root / "src" / "main.py").write_text("")
    (root / "src" / ".gitignore").write_text("generated/\n!keep.log\n")
    (root / "src" / "keep.log").write_text("")
    (root / "src" / "generated").mkdir()
    (root / "src" / "pkg").mkdir()
    (root / "src" / "pkg" / "deep.py").write_text("")
    os.symlink("README.md", root / "link")


def test_tree_format_with_gitignore_root_and_nested(tmp_path: Path) -> None:
    make_tree(tmp_path)
    assert ls(tmp_path, dir_path=".") == "\n".join(
        [
            f"Absolute path: {tmp_path}",
            ".gitignore",
            "README.md",
            "link@",
            "src/",
            "  .gitignore",
            "  keep.log",
            "  main.py",
            "  pkg/",
        ]
    )


def test_depth_three_shows_grandchildren(tmp_path: Path) -> None:
    make_tree(tmp_path)
    out = ls(tmp_path, dir_path=str(tmp_path), depth=3)
    assert "    deep.py" in out.splitlines()


def test_listing_a_subdirectory_honours_the_repository_gitignore(tmp_path: Path) -> None:
    make_tree(tmp_path)
    (tmp_path / "src" / "debug.log").write_text("")
    out = ls(tmp_path, dir_path="src", depth=1)
    assert out.splitlines()[1:] == [".gitignore", "keep.log", "main.py", "pkg/"]


def test_paging_with_offset_and_limit(tmp_path: Path) -> None:
    for i in range(10):
        (tmp_path / f"f{i}").write_text("")
    out = ls(tmp_path, dir_path=".", offset=3, limit=4).splitlines()
    assert out[1:5] == ["f2", "f3", "f4", "f5"]
    assert out[5].startswith("More than 6 entries found")
    with pytest.raises(ToolError, match="offset 20 is past the last entry"):
        ls(tmp_path, dir_path=".", offset=20)


def test_missing_and_file_paths_are_errors(tmp_path: Path) -> None:
    (tmp_path / "f.txt").write_text("")
    with pytest.raises(ToolError, match="directory not found"):
        ls(tmp_path, dir_path="nope")
    with pytest.raises(ToolError, match="is not a directory"):
        ls(tmp_path, dir_path="f.txt")


def test_listing_is_deterministic(tmp_path: Path) -> None:
    make_tree(tmp_path)
    assert ls(tmp_path, dir_path=".", depth=5) == ls(tmp_path, dir_path=".", depth=5)


def test_bad_json(tmp_path: Path) -> None:
    ctx, _ = make_ctx(tmp_path)
    with pytest.raises(ToolError, match="list_dir: arguments are not valid JSON"):
        run(ListDirTool().run("{", ctx))
