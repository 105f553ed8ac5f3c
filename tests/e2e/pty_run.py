"""Run the real `burro` with a pseudo-terminal as stdin, stdout and stderr (what a user
in a terminal has), and collect what it printed."""

from __future__ import annotations

import os
import pty
import select
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path


@dataclass
class PtyResult:
    code: int
    output: str


def run_in_pty(
    argv: list[str], *, cwd: Path, env: dict[str, str], timeout: float = 30
) -> PtyResult:
    master, slave = pty.openpty()
    proc = subprocess.Popen(argv, cwd=cwd, env=env, stdin=slave, stdout=slave, stderr=slave)
    os.close(slave)
    chunks: list[bytes] = []
    deadline = time.monotonic() + timeout
    try:
        while time.monotonic() < deadline:
            ready, _, _ = select.select([master], [], [], 0.1)
            if ready:
                try:
                    data = os.read(master, 65536)
                except OSError:  # the child closed its end
                    break
                if not data:
                    break
                chunks.append(data)
            elif proc.poll() is not None:
                break
        code = proc.wait(timeout=max(1.0, deadline - time.monotonic()))
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        os.close(master)
    return PtyResult(code, b"".join(chunks).decode("utf-8", errors="replace"))
