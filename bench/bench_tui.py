"""The terminal UI: time from `burro` start to an interactive composer, and CPU per
streamed token in a session with 0 / 2,000 / 10,000 prior items.

Budgets (TUI issue): composer <= 0.6 s; CPU per token flat in the history length.
Run: uv run python -m bench.bench_tui
"""

from __future__ import annotations

import asyncio
import fcntl
import os
import pty
import select
import struct
import subprocess
import termios
import time
from pathlib import Path

from tests.fakes.model_server import FakeModelServer

from bench._common import BURRO, env_for, provider_args, scratch_repo, summary

RUNS = int(os.environ.get("BENCH_RUNS", "7"))
TOKENS = int(os.environ.get("BENCH_TOKENS", "600"))
# The first letter carries the (reverse-video) cursor, so match the rest of the placeholder.
READY = b"sk burro to do anything"


def startup_once(repo: Path, home: Path, base_url: str) -> float:
    """Seconds from spawning `burro` (in a 120x40 pty) to the composer being painted."""
    master, slave = pty.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 40, 120, 0, 0))
    env = env_for(home)
    env["TERM"] = "xterm-256color"
    for var in ("COLUMNS", "LINES"):
        env.pop(var, None)
    t0 = time.monotonic()
    proc = subprocess.Popen(
        [str(BURRO), *provider_args(base_url)],
        cwd=repo,
        env=env,
        stdin=slave,
        stdout=slave,
        stderr=slave,
        start_new_session=True,
    )
    os.close(slave)
    seen = b""
    elapsed = float("nan")
    deadline = t0 + 10
    while time.monotonic() < deadline:
        ready, _, _ = select.select([master], [], [], 0.05)
        if ready:
            try:
                seen += os.read(master, 65536)
            except OSError:
                break
            if READY in seen:
                elapsed = time.monotonic() - t0
                break
    proc.terminate()
    try:
        proc.wait(timeout=5)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()
    os.close(master)
    return elapsed


def _history(n: int) -> list[object]:
    from burro.protocol import events as ev
    from burro.protocol.common import FileChange

    items: list[object] = []
    diff = "@@ -1,3 +1,3 @@\n context\n-old line\n+new line\n more\n"
    for i in range(n):
        kind = i % 4
        if kind == 0:
            items.append(
                ev.UserMessageEvent(turn_id="t", text=f"request number {i}: please fix it")
            )
        elif kind == 1:
            items.append(
                ev.AgentMessage(
                    turn_id="t",
                    item_id=f"m{i}",
                    text=(
                        f"Step {i}: I looked at `parser.py`.\n\n```python\ndef f(x):\n    return x + {i}\n```\n"
                    ),
                )
            )
        elif kind == 2:
            items.append(
                ev.ExecCommandEnd(
                    turn_id="t",
                    call_id=f"c{i}",
                    command="pytest -q",
                    exit_code=0,
                    duration_ms=1234,
                    aggregated_output="....\n4 passed\n",
                )
            )
        else:
            items.append(
                ev.PatchApplyEnd(
                    turn_id="t",
                    call_id=f"p{i}",
                    success=True,
                    changes=[FileChange(path="src/x.py", kind="update", unified_diff=diff)],
                )
            )
    return items


async def _stream_cpu(history: int, base_url: str) -> float:
    """CPU seconds per streamed token after ``history`` items are in the chat."""
    from burro.frontends.tui.app import BurroApp
    from burro.frontends.tui.options import TuiOptions
    from burro.protocol import events as ev

    repo = scratch_repo()
    home = repo / ".home"
    home.mkdir()
    opts = TuiOptions(overrides=provider_args(base_url)[1::2][:2], model="gpt-5.5")
    app = BurroApp(opts, env=env_for(home), cwd=repo)
    async with app.run_test(size=(120, 40)) as pilot:
        while not app.ready:
            await asyncio.sleep(0.01)
        app.chat.replay(_history(history))  # type: ignore[arg-type]
        await pilot.pause(0.3)
        while history and app.chat.transcript.virtual_size.height < history:
            await asyncio.sleep(0.05)  # the first render of the history (once, at its width)
        await pilot.pause(0.3)
        app.on_core_event(ev.TurnStarted(turn_id="t1"))
        words = ("Streaming ", "a ", "**long** ", "answer ", "with ", "`code` ", "and ", "text.\n")
        start = time.process_time()
        for n in range(TOKENS):
            app.on_core_event(
                ev.AgentMessageDelta(turn_id="t1", item_id="live", delta=words[n % 8])
            )
            await asyncio.sleep(0.004)  # ~250 tokens/s, a fast model
        await pilot.pause(0.1)
        cpu = time.process_time() - start
        app.on_core_event(ev.TurnComplete(turn_id="t1"))
        await pilot.pause()
    return cpu / TOKENS


def main() -> None:
    with FakeModelServer([]) as srv:
        repo = scratch_repo()
        home = repo / ".home"
        home.mkdir()
        startup_once(repo, home, srv.base_url)  # warm the bytecode cache
        times = [startup_once(repo, home, srv.base_url) for _ in range(RUNS)]
        print(f"burro start -> interactive composer: {summary(times)}  (budget 600 ms)")
        for n in (0, 2000, 10000):
            per = asyncio.run(_stream_cpu(n, srv.base_url))
            print(f"CPU per streamed token, {n:>5} prior items: {per * 1e6:.0f} us")


if __name__ == "__main__":
    main()
