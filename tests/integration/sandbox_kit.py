"""What the sandbox escape tests share: fixtures for a workspace and a folder outside it,
and helpers that run a script (or `burro sandbox`) under the real bubblewrap sandbox."""

from __future__ import annotations

import os
import shlex
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from burro.sandbox import BwrapSandbox, SandboxPolicy, filter_env, policy_for
from burro.sandbox.bwrap import find_bwrap
from burro.sandbox.errors import BWRAP_MISSING

ROOT = Path(__file__).resolve().parents[2]

# The interpreter itself (the venv's python is a symlink to it): outside /tmp, which the
# sandbox replaces with a fresh tmpfs, even when this checkout lives under /tmp.
STDLIB_PY = os.path.realpath(sys.executable)
MODES = ("read-only", "workspace-write")


@pytest.fixture(autouse=True)
def _need_bwrap() -> None:
    if find_bwrap() is None:
        pytest.fail(BWRAP_MISSING)


@pytest.fixture
def ws(tmp_path: Path) -> Path:
    repo = tmp_path / "ws"
    repo.mkdir()
    subprocess.run(["git", "init", "-q", str(repo)], check=True)
    (repo / "README.md").write_text("hello\n")
    return repo


@pytest.fixture
def outside() -> Iterator[Path]:
    # Not under /tmp: the sandbox mounts a fresh /tmp, which would hide a /tmp path.
    d = Path(tempfile.mkdtemp(prefix="burro-outside-", dir="/var/tmp"))
    yield d
    shutil.rmtree(d, ignore_errors=True)


def run(
    policy: SandboxPolicy,
    script: str,
    *,
    cwd: Path,
    env: dict[str, str] | None = None,
    secret_vars: tuple[str, ...] = (),
) -> subprocess.CompletedProcess[str]:
    sandbox = BwrapSandbox(policy)
    argv = sandbox.wrap(["sh", "-c", script], cwd=cwd)
    child_env = filter_env(
        env if env is not None else os.environ,
        secret_vars=secret_vars,
        sandbox_name=sandbox.name,
        network_disabled=policy.network_disabled,
    )
    return subprocess.run(argv, capture_output=True, text=True, env=child_env, timeout=60)


def ww(ws: Path, **kwargs: object) -> SandboxPolicy:
    return policy_for("workspace-write", cwd=ws, **kwargs)  # type: ignore[arg-type]


def in_mode(mode: str, ws: Path, **kwargs: object) -> SandboxPolicy:
    return policy_for(mode, cwd=ws, **kwargs)  # type: ignore[arg-type]


def py(code: str) -> str:
    """A shell command running ``code`` with the real interpreter (quotes kept intact)."""
    return f"{STDLIB_PY} -c {shlex.quote(code)}"


def cli(args: list[str], *, cwd: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    """Run `burro sandbox ARGS` from this checkout."""
    code = "import sys; from burro.sandbox.cli import main; sys.exit(main(sys.argv[1:]))"
    return subprocess.run(
        [sys.executable, "-c", code, *args],
        capture_output=True,
        text=True,
        cwd=cwd,
        env=env,
        timeout=60,
    )


def cli_env(home: Path) -> dict[str, str]:
    return {
        **os.environ,
        "BURRO_HOME": str(home),
        "PYTHONPATH": str(ROOT / "src"),
        "OPENAI_API_KEY": "sk-cli-secret",
    }


class Listener:
    """Accepts connections on a listening socket in a thread, answering each with "hi"."""

    def __init__(self, sock: socket.socket) -> None:
        self.sock = sock
        self.accepted = 0
        self.sock.settimeout(0.2)
        self._stop = False
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self) -> None:
        while not self._stop:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                continue
            self.accepted += 1
            conn.sendall(b"hi")
            conn.close()

    def close(self) -> None:
        self._stop = True
        self.thread.join()
        self.sock.close()
