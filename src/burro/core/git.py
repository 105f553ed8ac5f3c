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
    """(commit, branch) of ``cwd``'s repository ("HEAD" as the branch when detached);
    (None, None) without one or before the first commit. Read from the repository's
    files when they are plain (every session start asks; a git process costs
    milliseconds), else from one git call."""
    if "GIT_DIR" not in os.environ:
        found = _head_from_files(cwd)
        if found is not None:
            return found
    try:
        out = run_git(cwd, "rev-parse", "HEAD", "--abbrev-ref", "HEAD", timeout=2)
    except GitError:
        return None, None
    lines = _text(out).split()
    if out.returncode != 0 or len(lines) != 2:
        return None, None
    return lines[0], lines[1]


def _head_from_files(cwd: Path) -> tuple[str | None, str | None] | None:
    """What ``git rev-parse HEAD --abbrev-ref HEAD`` says, from ``.git`` (linked
    worktrees, loose and packed refs); None when the layout needs git itself."""
    for folder in (cwd, *cwd.parents):
        dot = folder / ".git"
        if dot.is_dir():
            git_dir = dot
            break
        if dot.is_file():
            text = _read(dot)
            if text is None or not text.startswith("gitdir: "):
                return None
            git_dir = folder / text[len("gitdir: ") :].strip()
            break
    else:
        return (None, None)
    head_text = _read(git_dir / "HEAD")
    if head_text is None:
        return None
    common = git_dir
    common_text = _read(git_dir / "commondir")
    if common_text is not None:
        common = git_dir / common_text.strip()
    head_text = head_text.strip()
    if not head_text.startswith("ref: "):
        is_sha = len(head_text) in (40, 64) and all(c in "0123456789abcdef" for c in head_text)
        return (head_text, "HEAD") if is_sha else None
    ref = head_text[len("ref: ") :]
    if not ref.startswith("refs/heads/") or ref == "refs/heads/.invalid":  # reftable
        return None
    loose = _read(common / ref)
    commit = loose.strip() if loose is not None else _packed_ref(common, ref)
    if commit is None:
        return (None, None) if (common / "refs").is_dir() else None  # unborn branch
    return (commit, ref[len("refs/heads/") :])


def _packed_ref(common: Path, ref: str) -> str | None:
    for line in (_read(common / "packed-refs") or "").splitlines():
        sha, _, name = line.partition(" ")
        if name == ref and not line.startswith(("#", "^")):
            return sha
    return None


def _read(path: Path) -> str | None:
    try:
        return path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return None


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
