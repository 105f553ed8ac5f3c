"""A private checkout of a pull request's head: the base branch and GitHub's
``refs/pull/N/head`` fetched from the base repository (so forks work too). The review
itself runs in burro's read-only sandbox."""

from __future__ import annotations

import base64
import os
import shutil
import subprocess
from pathlib import Path

from burro.frontends.github.client import GitHubError

_PASS = (
    "HTTPS_PROXY",
    "HTTP_PROXY",
    "NO_PROXY",
    "https_proxy",
    "http_proxy",
    "no_proxy",
    "SSL_CERT_FILE",
    "GIT_SSL_CAINFO",
    "PATH",
    "LANG",
)


def _env(cwd: Path) -> dict[str, str]:
    """No user git config or credentials helpers: only the token we pass, and proxies."""
    env = {k: v for k, v in os.environ.items() if k in _PASS}
    env.setdefault("PATH", "/usr/local/bin:/usr/bin:/bin")
    env.update(GIT_TERMINAL_PROMPT="0", HOME=str(cwd), GIT_CONFIG_NOSYSTEM="1")
    return env


def _git(cwd: Path, *args: str, token: str = "", url: str = "") -> str:
    cmd = ["git"]
    if token and url.startswith(("https://", "http://")):
        basic = base64.b64encode(f"x-access-token:{token}".encode()).decode()
        cmd += ["-c", f"http.extraHeader=Authorization: Basic {basic}"]
    out = subprocess.run(
        [*cmd, *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        stdin=subprocess.DEVNULL,
        timeout=600,
        check=False,
        env=_env(cwd),
    )
    if out.returncode != 0:
        detail = " ".join(out.stderr.split())[:300]
        raise GitHubError(f"git {args[0]} failed: {detail}", retryable=True)
    return out.stdout.strip()


def checkout(
    dest: Path, *, clone_url: str, base_ref: str, number: int, head_sha: str, token: str
) -> None:
    """``dest`` becomes a repository at ``head_sha`` with the base branch fetched."""
    if dest.exists():
        shutil.rmtree(dest)
    dest.mkdir(parents=True)
    _git(dest, "init", "-q")
    _git(
        dest,
        "fetch",
        "-q",
        "--no-tags",
        clone_url,
        f"+refs/heads/{base_ref}:refs/remotes/base/{base_ref}",
        f"+refs/pull/{number}/head:refs/remotes/pull/{number}",
        token=token,
        url=clone_url,
    )
    _git(dest, "-c", "advice.detachedHead=false", "checkout", "-q", "--detach", head_sha)


def merge_base(dest: Path, a: str, b: str) -> str:
    return _git(dest, "merge-base", a, b)


def is_ancestor(dest: Path, old: str, new: str) -> bool:
    try:
        _git(dest, "merge-base", "--is-ancestor", old, new)
    except GitHubError:
        return False
    return True
