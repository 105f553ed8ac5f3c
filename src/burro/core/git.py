"""Every git call the engine makes, in one place: repository facts, the workspace diff
and applying a diff. Calls are bounded in time and never touch the user's index."""

from __future__ import annotations

import os
import subprocess
from collections.abc import Mapping
from pathlib import Path

from burro.core.errors import CoreError

GIT_TIMEOUT_S = 60


class GitError(CoreError):
    """A git operation failed; the message carries git's own words."""


def run_git(
    cwd: Path,
    *args: str,
    env: Mapping[str, str] | None = None,
    input: bytes | None = None,
    timeout: float = GIT_TIMEOUT_S,
) -> subprocess.CompletedProcess[bytes]:
    """``git -C cwd ARGS``; a missing git or a timeout becomes a GitError."""
    full_env = {**os.environ, "GIT_OPTIONAL_LOCKS": "0", **(env or {})}
    try:
        return subprocess.run(
            ["git", "-C", str(cwd), *args],
            env=full_env,
            input=input,
            capture_output=True,
            check=False,
            timeout=timeout,
        )
    except FileNotFoundError as exc:
        raise GitError("git is not installed; install it (apt-get install git)") from exc
    except subprocess.TimeoutExpired as exc:
        raise GitError(f"git {args[0] if args else ''} took over {timeout:g}s") from exc


def _text(out: subprocess.CompletedProcess[bytes]) -> str:
    return out.stdout.decode(errors="replace")


def in_git_repo(cwd: Path) -> bool:
    return any((d / ".git").exists() for d in (cwd, *cwd.parents))


def repo_root(cwd: Path) -> Path | None:
    try:
        out = run_git(cwd, "rev-parse", "--show-toplevel", timeout=5)
    except GitError:
        return None
    root = _text(out).strip()
    return Path(root) if out.returncode == 0 and root else None


def head(cwd: Path) -> tuple[str | None, str | None]:
    """(commit, branch) of ``cwd``'s repository, one git call; (None, None) without one."""
    try:
        out = run_git(cwd, "rev-parse", "HEAD", "--abbrev-ref", "HEAD", timeout=2)
    except GitError:
        return None, None
    lines = _text(out).split()
    if out.returncode != 0 or len(lines) != 2:
        return None, None
    return lines[0], lines[1]


def branch_name(cwd: Path) -> str | None:
    """The branch, or the short commit when HEAD is detached; None outside a repo."""
    for args in (("symbolic-ref", "--short", "HEAD"), ("rev-parse", "--short", "HEAD")):
        try:
            out = run_git(cwd, *args, timeout=2)
        except GitError:
            return None
        name = _text(out).strip()
        if out.returncode == 0 and name:
            return name
    return None


def tracked_and_untracked(cwd: Path) -> list[str] | None:
    """Files git knows or would add (ignored ones left out); None outside a repo."""
    try:
        out = run_git(cwd, "ls-files", "-co", "--exclude-standard", timeout=5)
    except GitError:
        return None
    if out.returncode != 0:
        return None
    return sorted(set(_text(out).splitlines()))


def workspace_diff(cwd: Path, *, base: str | None = None) -> str:
    """The workspace against ``base`` (default HEAD; the index in a repo without
    commits) as a unified diff, untracked files included. GitError outside a repo."""
    if run_git(cwd, "rev-parse", "--git-dir", timeout=5).returncode != 0:
        raise GitError(f"{cwd} is not inside a git repository")
    has_head = run_git(cwd, "rev-parse", "--verify", "-q", "HEAD", timeout=5).returncode == 0
    if base is not None:
        out = run_git(cwd, "diff", "--binary", base)
    else:
        out = run_git(cwd, "diff", "--binary", "HEAD") if has_head else run_git(cwd, "diff")
    if out.returncode != 0:
        raise GitError(f"git diff failed: {out.stderr.decode(errors='replace').strip()}")
    parts = [_text(out)]
    listing = run_git(cwd, "ls-files", "--others", "--exclude-standard", "-z")
    for name in filter(None, listing.stdout.decode(errors="surrogateescape").split("\0")):
        extra = run_git(cwd, "diff", "--binary", "--no-index", "--", "/dev/null", name)
        parts.append(_text(extra))
    return "".join(parts)


def apply_diff(cwd: Path, diff: str, *, check_only: bool = False) -> None:
    """Apply ``diff`` to the working tree, all or nothing: on a conflict nothing changes
    and GitError says which files did not apply."""
    if not diff.strip():
        return
    data = diff.encode(errors="surrogateescape")
    probe = run_git(cwd, "apply", "--check", "--whitespace=nowarn", "-", input=data)
    if probe.returncode != 0:
        detail = " ".join(probe.stderr.decode(errors="replace").split())
        raise GitError(f"the diff does not apply cleanly, nothing was changed: {detail}")
    if check_only:
        return
    out = run_git(cwd, "apply", "--whitespace=nowarn", "-", input=data)
    if out.returncode != 0:
        detail = " ".join(out.stderr.decode(errors="replace").split())
        raise GitError(f"git apply failed: {detail}")
