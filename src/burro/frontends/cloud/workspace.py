"""A task's workspace, reconstructable on any worker: repository + base commit + the diff
so far. Git runs here with burro's own rights (outside the sandbox)."""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from collections.abc import Mapping
from pathlib import Path

SECRET_MARKERS = ("KEY", "TOKEN", "SECRET", "PASSWORD", "CREDENTIAL")


class WorkspaceError(Exception):
    """The repository cannot be cloned or the stored diff does not apply."""


def _git(
    args: list[str], cwd: Path, *, env: Mapping[str, str] | None = None, stdin: str | None = None
) -> str:
    full_env = {**os.environ, "GIT_TERMINAL_PROMPT": "0", **(env or {})}
    proc = subprocess.run(
        ["git", *args],
        cwd=cwd,
        env=full_env,
        input=stdin,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    if proc.returncode != 0:
        raise WorkspaceError(
            f"git {' '.join(args[:2])} failed: {proc.stderr.strip() or proc.stdout.strip()}"
        )
    return proc.stdout


def safe_env(env: Mapping[str, str]) -> dict[str, str]:
    """The environment without anything that looks like a credential (setup scripts)."""
    return {k: v for k, v in env.items() if not any(m in k.upper() for m in SECRET_MARKERS)}


def build(ws: Path, *, repo: str, base: str | None, diff: str) -> str:
    """Fresh clone of ``repo`` at ``base`` (default: its HEAD) with ``diff`` applied;
    returns the base commit."""
    if ws.exists():
        shutil.rmtree(ws)
    ws.parent.mkdir(parents=True, exist_ok=True)
    _git(["clone", "--quiet", repo, str(ws)], ws.parent)
    if base:
        try:
            _git(["-c", "advice.detachedHead=false", "checkout", "--quiet", base], ws)
        except WorkspaceError as exc:
            raise WorkspaceError(
                f"base {base} is not in {repo}; push it or pick another --base ({exc})"
            ) from exc
    commit = _git(["rev-parse", "HEAD"], ws).strip()
    _git(["config", "user.name", "burro"], ws)
    _git(["config", "user.email", "burro@localhost"], ws)
    if diff.strip():
        apply(ws, diff, commit)
    return commit


def apply(ws: Path, diff: str, commit: str) -> None:
    try:
        _git(["apply", "--binary", "--whitespace=nowarn", "-"], ws, stdin=diff)
    except WorkspaceError as exc:
        raise WorkspaceError(f"the stored diff does not apply on {commit[:12]}: {exc}") from exc


def exclude_untracked(ws: Path) -> None:
    """Files the setup script created are the environment, not the task's changes: they
    are left out of its diff (and recreated by the setup script on a rebuild)."""
    extra = _git(["ls-files", "--others", "--exclude-standard"], ws).splitlines()
    if extra:
        info = ws / ".git" / "info"
        info.mkdir(parents=True, exist_ok=True)
        with (info / "exclude").open("a", encoding="utf-8") as fh:
            fh.writelines("/" + path + "\n" for path in extra)


def diff(ws: Path, base: str) -> tuple[str, list[str]]:
    """Every change in ``ws`` against ``base``, untracked files included, as a binary git
    diff, plus the changed paths. The user's index is untouched (a private one is used)."""
    fd, index = tempfile.mkstemp(prefix="burro-index-")
    os.close(fd)
    try:
        env = {"GIT_INDEX_FILE": index}
        _git(["read-tree", base], ws, env=env)
        _git(["add", "-A"], ws, env=env)
        text = _git(["diff", "--cached", "--binary", base], ws, env=env)
        names = _git(["diff", "--cached", "--name-only", base], ws, env=env).splitlines()
    finally:
        os.unlink(index)
    return text, [n for n in names if n]


def run_setup(
    ws: Path, script: str, env: Mapping[str, str], *, timeout: float = 600
) -> tuple[int, str]:
    """Run the environment setup script in the workspace; (exit code, output)."""
    with tempfile.NamedTemporaryFile("w", suffix=".sh", delete=False) as fh:
        fh.write(script)
        path = fh.name
    try:
        proc = subprocess.run(
            ["bash", path],
            cwd=ws,
            env=safe_env(env),
            stdin=subprocess.DEVNULL,
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )
        return proc.returncode, (proc.stdout + proc.stderr)
    except subprocess.TimeoutExpired:
        return 124, f"setup script timed out after {timeout:.0f}s"
    finally:
        os.unlink(path)
