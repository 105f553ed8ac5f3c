"""The session's (commit, branch) read from the repository's files matches what git
itself says, in every layout a user has: a plain repository, a subfolder, a detached
HEAD, packed refs, a linked worktree, a branch with no commit yet, no repository."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from burro.core import git as core_git
from tests.fakes.workspace import make_repo


def _git(cwd: Path, *args: str) -> str:
    return subprocess.run(
        ["git", "-C", str(cwd), *args], check=True, capture_output=True, text=True
    ).stdout.strip()


def _what_git_says(cwd: Path) -> tuple[str | None, str | None]:
    out = subprocess.run(
        ["git", "-C", str(cwd), "rev-parse", "HEAD", "--abbrev-ref", "HEAD"],
        capture_output=True,
        text=True,
    )
    lines = out.stdout.split()
    return (lines[0], lines[1]) if out.returncode == 0 and len(lines) == 2 else (None, None)


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    path = make_repo(tmp_path / "repo")
    _git(path, "add", "README.md")
    _git(path, "-c", "user.name=t", "-c", "user.email=t@e", "commit", "-qm", "first")
    return path


def _check(cwd: Path) -> tuple[str | None, str | None]:
    from_files = core_git._head_from_files(cwd)
    assert from_files is not None, "the plain layout should not need git"
    assert from_files == _what_git_says(cwd)
    assert core_git.head(cwd) == from_files
    return from_files


def test_plain_repository_and_a_subfolder(repo: Path) -> None:
    commit, branch = _check(repo)
    assert commit is not None and len(commit) == 40 and branch
    (repo / "sub" / "deeper").mkdir(parents=True)
    assert _check(repo / "sub" / "deeper") == (commit, branch)


def test_branch_with_a_slash_and_packed_refs(repo: Path) -> None:
    _git(repo, "checkout", "-q", "-b", "feature/x")
    _git(repo, "pack-refs", "--all")
    assert not (repo / ".git" / "refs" / "heads" / "feature" / "x").exists()
    assert _check(repo)[1] == "feature/x"


def test_detached_head(repo: Path) -> None:
    _git(repo, "checkout", "-q", "--detach")
    assert _check(repo)[1] == "HEAD"


def test_linked_worktree(repo: Path, tmp_path: Path) -> None:
    _git(repo, "worktree", "add", "-q", "-b", "side", str(tmp_path / "wt"))
    (tmp_path / "wt" / "f.txt").write_text("x\n")
    _git(tmp_path / "wt", "add", "f.txt")
    _git(tmp_path / "wt", "-c", "user.name=t", "-c", "user.email=t@e", "commit", "-qm", "side")
    commit, branch = _check(tmp_path / "wt")
    assert branch == "side" and commit != _check(repo)[0]


def test_no_commit_yet_and_no_repository(tmp_path: Path) -> None:
    fresh = tmp_path / "fresh"
    fresh.mkdir()
    _git(fresh, "init", "-q")
    assert _check(fresh) == (None, None)
    plain = tmp_path / "plain"
    plain.mkdir()
    assert core_git.head(plain) == (None, None)
