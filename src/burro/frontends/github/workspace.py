"""A private checkout of a pull request's head: the base branch and GitHub's
``refs/pull/N/head`` fetched from the base repository (so forks work too). The review
itself runs in burro's read-only sandbox."""

from __future__ import annotations

import asyncio
import base64
import contextlib
import os
import shutil
import signal
from pathlib import Path

from burro.frontends.github.client import GitHubError

_GIT_TIMEOUT_S = 600

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


async def _git(cwd: Path, *args: str, token: str = "", url: str = "") -> str:
    """git as a child of the event loop (inside `burro serve` a slow fetch must not
    stall the API or a SIGTERM); cancelled, it kills git and its helpers."""
    cmd = ["git"]
    if token and url.startswith(("https://", "http://")):
        basic = base64.b64encode(f"x-access-token:{token}".encode()).decode()
        cmd += ["-c", f"http.extraHeader=Authorization: Basic {basic}"]
    proc = await asyncio.create_subprocess_exec(
        *cmd,
        *args,
        cwd=cwd,
        stdin=asyncio.subprocess.DEVNULL,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
        env=_env(cwd),
        start_new_session=True,  # its group: git-remote-http goes with it
    )
    try:
        stdout, stderr = await asyncio.wait_for(proc.communicate(), _GIT_TIMEOUT_S)
    except TimeoutError:
        raise GitHubError(f"git {args[0]} timed out", retryable=True) from None
    finally:
        if proc.returncode is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGKILL)
            await proc.wait()
    if proc.returncode != 0:
        detail = " ".join(stderr.decode(errors="replace").split())[:300]
        raise GitHubError(f"git {args[0]} failed: {detail}", retryable=True)
    return stdout.decode(errors="replace").strip()


async def checkout(
    dest: Path, *, clone_url: str, base_ref: str, number: int, head_sha: str, token: str
) -> None:
    """``dest`` becomes a repository at ``head_sha`` with the base branch fetched."""
    if dest.exists():
        shutil.rmtree(dest)
    dest.mkdir(parents=True)
    await _git(dest, "init", "-q")
    await _git(
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
    await _git(dest, "-c", "advice.detachedHead=false", "checkout", "-q", "--detach", head_sha)


async def merge_base(dest: Path, a: str, b: str) -> str:
    return await _git(dest, "merge-base", a, b)


async def is_ancestor(dest: Path, old: str, new: str) -> bool:
    try:
        await _git(dest, "merge-base", "--is-ancestor", old, new)
    except GitHubError:
        return False
    return True
