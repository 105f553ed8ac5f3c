"""The real `burro` TUI in a real terminal: tmux runs it against the fake model server,
we type a prompt, read the screen with capture-pane, and quit with ctrl+c twice."""

from __future__ import annotations

import shlex
import shutil
import subprocess
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from tests.e2e.conftest import BURRO, burro_env, provider_args
from tests.fakes.model_server import FakeModelServer
from tests.fakes.script import Text, Turn

pytestmark = pytest.mark.skipif(shutil.which("tmux") is None, reason="tmux is not installed")

Tmux = Callable[..., subprocess.CompletedProcess[str]]


@pytest.fixture
def tmux() -> Iterator[Tmux]:
    """tmux on a private socket: only the server this test starts is ever touched."""
    socket = f"burro-test-{uuid.uuid4().hex[:8]}"

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            ["tmux", "-L", socket, *args], capture_output=True, text=True, timeout=10, check=False
        )

    try:
        yield run
    finally:
        run("kill-server")


def _screen(tmux: Tmux) -> str:
    return tmux("capture-pane", "-p", "-t", "burro").stdout


def _wait_screen(tmux: Tmux, predicate: Callable[[str], bool], *, timeout: float = 20) -> str:
    deadline = time.monotonic() + timeout
    screen = ""
    while time.monotonic() < deadline:
        screen = _screen(tmux)
        if predicate(screen):
            return screen
        time.sleep(0.1)
    raise AssertionError(f"screen never matched; last screen:\n{screen}")


def test_tui_in_tmux_answers_and_quits(
    tmux: Tmux, repo: Path, burro_home: Path, server: FakeModelServer, tmp_path: Path
) -> None:
    server.add_turns(Turn([Text("Hello from the fake model, via tmux.")]))
    done = tmp_path / "exit-code"
    env = burro_env(burro_home)
    for var in ("NO_COLOR", "COLUMNS", "LINES"):  # the size must come from the terminal
        env.pop(var, None)
    env["TERM"] = "xterm-256color"
    exports = " ".join(f"{k}={shlex.quote(v)}" for k, v in env.items() if k.isidentifier())
    burro = " ".join(shlex.quote(a) for a in [str(BURRO), *provider_args(server, "responses")])
    command = f"cd {shlex.quote(str(repo))} && env {exports} {burro}; echo $? > {shlex.quote(str(done))}; sleep 30"
    started = tmux("new-session", "-d", "-s", "burro", "-x", "120", "-y", "40", command)
    assert started.returncode == 0, started.stderr

    _wait_screen(tmux, lambda s: "Ask burro to do anything" in s and "gpt-5.5" in s)
    tmux("send-keys", "-t", "burro", "-l", "say hello")
    tmux("send-keys", "-t", "burro", "Enter")
    screen = _wait_screen(tmux, lambda s: "Hello from the fake model, via tmux." in s)
    assert "say hello" in screen
    assert "gpt-5.5 medium" in screen and "context left" in screen  # the status line

    tmux("send-keys", "-t", "burro", "C-c")
    _wait_screen(tmux, lambda s: "again to quit" in s)
    tmux("send-keys", "-t", "burro", "C-c")
    deadline = time.monotonic() + 15
    while not done.exists() and time.monotonic() < deadline:
        time.sleep(0.1)
    assert done.exists(), _screen(tmux)
    assert done.read_text().strip() == "0"
    assert "burro resume" in _screen(tmux)  # how to continue, printed after the TUI exits
