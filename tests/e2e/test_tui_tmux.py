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

from tests.e2e.conftest import BURRO, burro_env, provider_args, run_exec
from tests.fakes.model_server import FakeModelServer
from tests.fakes.script import Call, Text, Turn

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


def _launch(
    tmux: Tmux,
    *,
    repo: Path,
    home: Path,
    server: FakeModelServer,
    done: Path,
    size: tuple[int, int] = (120, 40),
    extra: tuple[str, ...] = (),
    prompt: str | None = None,
    head: tuple[str, ...] = (),
    ready: str = "gpt-5.5",
) -> None:
    env = burro_env(home)
    for var in ("NO_COLOR", "COLUMNS", "LINES"):  # the size must come from the terminal
        env.pop(var, None)
    env["TERM"] = "xterm-256color"
    exports = " ".join(f"{k}={shlex.quote(v)}" for k, v in env.items() if k.isidentifier())
    first = [*head, *([prompt] if prompt is not None else [])]  # options after the prompt
    argv = [str(BURRO), *first, *provider_args(server, "responses"), *extra]
    burro = " ".join(shlex.quote(a) for a in argv)
    command = (
        f"cd {shlex.quote(str(repo))} && env {exports} {burro}; "
        f"echo $? > {shlex.quote(str(done))}; sleep 30"
    )
    width, height = size
    started = tmux("new-session", "-d", "-s", "burro", "-x", str(width), "-y", str(height), command)
    assert started.returncode == 0, started.stderr
    _wait_screen(tmux, lambda s: ready in s)


def _type(tmux: Tmux, text: str) -> None:
    tmux("send-keys", "-t", "burro", "-l", text)
    tmux("send-keys", "-t", "burro", "Enter")


def _quit(tmux: Tmux, done: Path) -> None:
    tmux("send-keys", "-t", "burro", "C-c")
    _wait_screen(tmux, lambda s: "again to quit" in s)
    tmux("send-keys", "-t", "burro", "C-c")
    deadline = time.monotonic() + 15
    # The shell creates the file, then writes the status: wait for the whole line.
    while not _status(done) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert _status(done) == "0", _screen(tmux)


def _status(done: Path) -> str:
    text = done.read_text() if done.exists() else ""
    return text.strip() if text.endswith("\n") else ""


def test_tui_in_tmux_answers_and_quits(
    tmux: Tmux, repo: Path, burro_home: Path, server: FakeModelServer, tmp_path: Path
) -> None:
    server.add_turns(Turn([Text("Hello from the fake model, via tmux.")]))
    done = tmp_path / "exit-code"
    _launch(tmux, repo=repo, home=burro_home, server=server, done=done)
    _type(tmux, "say hello")
    screen = _wait_screen(tmux, lambda s: "Hello from the fake model, via tmux." in s)
    assert "say hello" in screen
    assert "gpt-5.5 medium" in screen and "context left" in screen  # the status line
    _quit(tmux, done)
    assert "burro resume" in _screen(tmux)  # how to continue, printed after the TUI exits


def test_options_after_the_prompt_work(
    tmux: Tmux, repo: Path, burro_home: Path, server: FakeModelServer, tmp_path: Path
) -> None:
    server.add_turns(Turn([Text("Answer to the first prompt.")]))
    done = tmp_path / "exit-code"
    _launch(tmux, repo=repo, home=burro_home, server=server, done=done, prompt="say hello")
    screen = _wait_screen(tmux, lambda s: "Answer to the first prompt." in s)
    assert "say hello" in screen and "workspace-write" in screen
    assert server.requests[0].json["model"] == "gpt-5.5"
    _quit(tmux, done)


def test_fork_opens_the_copy_in_the_ui(
    tmux: Tmux, repo: Path, burro_home: Path, server: FakeModelServer, tmp_path: Path
) -> None:
    server.add_turns(Turn([Text("Remember the number 4242.")]))
    res = run_exec(
        [*provider_args(server, "responses"), "--json", "remember"], cwd=repo, home=burro_home
    )
    assert res.code == 0, res.stderr
    source = res.events()[0]["thread_id"]
    done = tmp_path / "exit-code"
    _launch(
        tmux,
        repo=repo,
        home=burro_home,
        server=server,
        done=done,
        head=("fork", source),
        ready="resumed session",
    )
    _quit(tmux, done)
    files = list(burro_home.rglob("rollout-*.jsonl"))
    assert len(files) == 2  # the source and its copy


# A test run that prints a long log, as pytest does, ending in a summary line.
_NOISY = "for i in $(seq 1 80); do echo \"tests/test_mod.py::test_$i PASSED\"; done; echo '1 failed, 79 passed'"


@pytest.mark.parametrize("size", [(120, 40), (80, 24)], ids=["120x40", "80x24"])
def test_tui_follows_new_output_and_scrolls_from_the_composer(
    tmux: Tmux,
    repo: Path,
    burro_home: Path,
    server: FakeModelServer,
    tmp_path: Path,
    size: tuple[int, int],
) -> None:
    server.add_turns(
        Turn([Text("Running the tests first."), Call("shell", {"command": _NOISY})]),
        Turn([Call("shell", {"command": _NOISY})]),
        Turn([Text("FIXED-ANSWER: the tests pass now.")]),
    )
    done = tmp_path / "exit-code"
    _launch(tmux, repo=repo, home=burro_home, server=server, done=done, size=size)
    server.add_turns(Turn([Text("LATER-ANSWER\n" + "line\n" * 8)]))  # for the 2nd prompt
    _type(tmux, "the tests fail, please fix")
    screen = _wait_screen(tmux, lambda s: "FIXED-ANSWER" in s)
    assert "the tests pass now." in screen

    # PageUp from the composer scrolls the transcript back; the answer leaves the screen.
    tmux("send-keys", "-t", "burro", "PageUp")
    tmux("send-keys", "-t", "burro", "PageUp")
    screen = _wait_screen(tmux, lambda s: "FIXED-ANSWER" not in s)
    assert "the tests fail, please fix" in screen
    # New output while scrolled up does not yank the view; a marker says it is there.
    _type(tmux, "more")
    screen = _wait_screen(tmux, lambda s: "new output below" in s)
    assert "LATER-ANSWER" not in screen
    # End jumps back to the tail and follows it again.
    tmux("send-keys", "-t", "burro", "End")
    screen = _wait_screen(tmux, lambda s: "LATER-ANSWER" in s)
    assert "new output below" not in screen
    _quit(tmux, done)
