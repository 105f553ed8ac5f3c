"""Helpers for end-to-end tests: a real git repo, a private BURRO_HOME, and the real
`burro` executable talking to the fake model server on loopback."""

from __future__ import annotations

import itertools
import json
import os
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tests.fakes.model_server import FakeModelServer
from tests.fakes.workspace import fake_provider_overrides

BURRO = Path(sys.executable).parent / "burro"
WIRES = ("responses", "chat", "anthropic")
# A model from burro's model table for each wire (an unknown model would add a warning).
MODELS = {"responses": "gpt-5.5", "chat": "qwen3-coder", "anthropic": "claude-sonnet-4-5"}


@dataclass
class ExecResult:
    code: int
    stdout: str
    stderr: str

    def events(self) -> list[dict[str, Any]]:
        return [json.loads(line) for line in self.stdout.splitlines() if line.strip()]


def provider_args(server: FakeModelServer, wire: str, *, extra: str = "") -> list[str]:
    provider, table = fake_provider_overrides(server.base_url, wire, extra=extra)
    # workspace-write: the scripted commands write files in the repo (exec's default is
    # read-only, which tests that need it set again with a later -s).
    return ["-c", provider, "-c", table, "-m", MODELS[wire], "-s", "workspace-write"]


def burro_env(home: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.endswith("_API_KEY")}
    env.update({"BURRO_HOME": str(home), "FAKE_KEY": "test-key", "NO_COLOR": "1"})
    return env


def run_exec(
    args: list[str], *, cwd: Path, home: Path, timeout: float = 60, stdin: str | None = None
) -> ExecResult:
    return run_burro(["exec", *args], cwd=cwd, home=home, timeout=timeout, stdin=stdin)


def exec_imports(
    server: FakeModelServer,
    *,
    cwd: Path,
    home: Path,
    args: list[str] | None = None,
    answer: str = "hello",
) -> set[str]:
    """Every module a real `burro exec ARGS "hi"` loads (``-X importtime``); it must
    print the server's scripted ``answer``. ARGS default to the fake provider's."""
    args = provider_args(server, "responses") if args is None else args
    proc = subprocess.run(
        [sys.executable, "-X", "importtime", "-m", "burro", "exec", *args, "hi"],
        cwd=cwd, env=burro_env(home), capture_output=True, text=True, timeout=60,
        stdin=subprocess.DEVNULL,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert proc.stdout.strip() == answer
    return {
        line.rsplit("|", 1)[1].strip()
        for line in proc.stderr.splitlines()
        if line.startswith("import time:") and "|" in line
    }


def start_exec(args: list[str], *, cwd: Path, home: Path) -> subprocess.Popen[str]:
    """The real `burro exec ARGS` in the background: stdin is /dev/null, stdout and
    stderr are pipes (text)."""
    return subprocess.Popen(
        [str(BURRO), "exec", *args],
        cwd=cwd,
        env=burro_env(home),
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def run_burro(
    args: list[str], *, cwd: Path, home: Path, timeout: float = 60, stdin: str | None = None
) -> ExecResult:
    """The real `burro ARGS`; stdin is /dev/null unless text is given."""
    proc = subprocess.run(
        [str(BURRO), *args],
        cwd=cwd,
        env=burro_env(home),
        input=stdin,
        stdin=None if stdin is not None else subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    return ExecResult(proc.returncode, proc.stdout, proc.stderr)


def running(marker: str) -> list[int]:
    """Live (non-zombie) processes whose command line contains ``marker``."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                cmdline = (entry / "cmdline").read_bytes()
                state = (entry / "stat").read_text().split()[2]
            except OSError:
                continue
            if marker.encode() in cmdline and state != "Z":
                found.append(int(entry.name))
    return found


def assert_closing_stdin_ends_it(proc: subprocess.Popen[bytes], marker: str) -> None:
    """Once the command with ``marker`` runs, the client closes ``proc``'s stdin (it goes
    away): ``proc`` exits 0 and takes the command with it."""
    assert proc.stdin is not None
    deadline = time.monotonic() + 30
    while not running(marker) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert running(marker), "the command never started"
    proc.stdin.close()
    assert proc.wait(timeout=30) == 0
    deadline = time.monotonic() + 10
    while running(marker) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert running(marker) == []


def assert_append_only(bodies: list[bytes]) -> None:
    """Each request body, up to the end of its last item, is a byte prefix of the next."""
    for before, after in itertools.pairwise(bodies):
        assert before.endswith(b"]}"), before[-40:]
        head = before[:-2]
        assert after.startswith(head), _first_difference(head, after)


def _first_difference(a: bytes, b: bytes) -> str:
    i = next((k for k, (x, y) in enumerate(zip(a, b, strict=False)) if x != y), min(len(a), len(b)))
    return f"bodies differ at byte {i}: {a[max(0, i - 60) : i + 60]!r} vs {b[max(0, i - 60) : i + 60]!r}"
