"""Run one command in its own process group, stream its output, and always clean up.

The main process's exit is observed directly (not through pipe closure), so a
grandchild that keeps stdout open cannot hang the call: pipes are drained for a
bounded time after the exit, then the whole group is killed.
"""

from __future__ import annotations

import asyncio
import codecs
import contextlib
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Literal, Protocol

import msgspec

Stream = Literal["stdout", "stderr"]

DEFAULT_MAX_KEEP_BYTES = 64 * 1024 * 1024
DEFAULT_MAX_DELTAS = 10_000
TIMEOUT_EXIT_CODE = 124
_STREAMS: dict[int, Stream] = {1: "stdout", 2: "stderr"}


class StreamDecoder:
    """Incremental UTF-8 decoding of stdout (fd 1) and stderr (fd 2); bad bytes replaced."""

    def __init__(self) -> None:
        factory = codecs.getincrementaldecoder("utf-8")
        self._decoders = {1: factory(errors="replace"), 2: factory(errors="replace")}

    def decode(self, fd: int, data: bytes, *, final: bool = False) -> str:
        decoder = self._decoders.get(fd)
        return decoder.decode(data, final) if decoder is not None else ""


class OutputCollector:
    """Decodes both pipes incrementally (bad UTF-8 is replaced), keeps the combined text in
    arrival order up to a memory cap, and forwards a bounded number of chunks as deltas."""

    def __init__(
        self,
        on_delta: Callable[[Stream, str], None] | None = None,
        *,
        max_keep_bytes: int = DEFAULT_MAX_KEEP_BYTES,
        max_deltas: int = DEFAULT_MAX_DELTAS,
    ) -> None:
        self._on_delta = on_delta
        self._max_keep = max_keep_bytes
        self._max_deltas = max_deltas
        self._deltas = 0
        self._kept = 0
        self._parts: list[str] = []
        self.cut = False
        self._decoder = StreamDecoder()

    def feed(self, fd: int, data: bytes, *, final: bool = False) -> None:
        text = self._decoder.decode(fd, data, final=final)
        if not text:
            return
        self._keep(text, len(data))
        if self._on_delta is not None and self._deltas < self._max_deltas:
            self._deltas += 1
            self._on_delta(_STREAMS[fd], text)

    def _keep(self, text: str, nbytes: int) -> None:
        if self.cut:
            return
        room = self._max_keep - self._kept
        if nbytes > room:
            self.cut = True
            text = text[: max(room, 0)]
        self._kept += nbytes
        self._parts.append(text)

    def finish(self) -> None:
        """Flush incomplete multi-byte sequences at the end of each stream."""
        for fd in _STREAMS:
            self.feed(fd, b"", final=True)

    def text(self) -> str:
        body = "".join(self._parts)
        if self.cut:
            mib = self._max_keep // (1024 * 1024)
            body += f"\n[output after the first {mib} MiB was not kept]\n"
        return body


class ExecOutcome(msgspec.Struct):
    exit_code: int
    timed_out: bool
    duration_ms: int


class Sink(Protocol):
    """Where a process's output goes: raw bytes per fd (1 = stdout, 2 = stderr)."""

    def feed(self, fd: int, data: bytes, *, final: bool = False) -> None: ...


class _Protocol(asyncio.SubprocessProtocol):
    def __init__(self, loop: asyncio.AbstractEventLoop, sink: Sink, *, piped: bool) -> None:
        self._sink = sink
        self._open = {1, 2} if piped else set()
        self.exited: asyncio.Future[None] = loop.create_future()
        self.pipes_closed: asyncio.Future[None] = loop.create_future()

    def pipe_data_received(self, fd: int, data: bytes) -> None:
        self._sink.feed(fd, data)

    def pipe_connection_lost(self, fd: int, exc: Exception | None) -> None:
        self._open.discard(fd)
        if not self._open and not self.pipes_closed.done():
            self.pipes_closed.set_result(None)

    def process_exited(self) -> None:
        if not self.exited.done():
            self.exited.set_result(None)


def kill_group(pgid: int) -> None:
    """SIGKILL every process of group ``pgid``; a group that is already gone is fine."""
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pgid, signal.SIGKILL)


async def settle(fut: asyncio.Future[None], timeout: float | None) -> bool:
    """Wait up to ``timeout`` seconds (None: for ever) for ``fut``; True if it is done."""
    if not fut.done():
        await asyncio.wait({fut}, timeout=timeout)
    return fut.done()


_SETPRIV: list[str] | None = None


def die_with_parent_prefix() -> list[str]:
    """On Linux, ``setpriv --pdeathsig KILL``: the command gets SIGKILL if burro itself
    dies (even by SIGKILL), so a crashed session never leaves commands running on their
    own. (A preexec_fn would do the same but is unsafe with asyncio's watcher threads.)"""
    global _SETPRIV
    if _SETPRIV is None:
        import shutil

        path = shutil.which("setpriv") if sys.platform.startswith("linux") else None
        _SETPRIV = [path, "--pdeathsig", "KILL", "--"] if path else []
    return list(_SETPRIV)


def _check_program(argv: list[str], env: Mapping[str, str] | None) -> None:
    if "/" in argv[0]:
        return
    import shutil

    search = (env or os.environ).get("PATH", os.defpath)
    if shutil.which(argv[0], path=search) is None:
        # Same error as exec'ing it directly (the setpriv prefix would hide it).
        raise FileNotFoundError(2, "No such file or directory", argv[0])


async def spawn(
    argv: list[str],
    *,
    cwd: Path,
    env: Mapping[str, str] | None,
    sink: Sink,
    terminal: int | None = None,
) -> tuple[asyncio.SubprocessTransport, _Protocol]:
    """Start ``argv`` as the leader of a new session (its own process group) that dies
    with burro. Output goes to ``sink`` through pipes, stdin is /dev/null; or, with
    ``terminal`` (a pty's slave fd), all three are that terminal and the caller reads
    the pty's master. Raises OSError if the program cannot start."""
    loop = asyncio.get_running_loop()
    prefix = die_with_parent_prefix()
    if prefix:
        _check_program(argv, env)
    piped = terminal is None
    transport, proto = await loop.subprocess_exec(
        lambda: _Protocol(loop, sink, piped=piped),
        *prefix,
        *argv,
        stdin=subprocess.DEVNULL if piped else terminal,
        stdout=subprocess.PIPE if piped else terminal,
        stderr=subprocess.PIPE if piped else terminal,
        cwd=cwd,
        env=dict(env) if env is not None else None,
        start_new_session=True,
    )
    return transport, proto


def exit_status(code: int | None) -> int:
    """A process's exit code, with the shell's 128+N for death by signal N."""
    if code is None:
        return -1
    return 128 - code if code < 0 else code


async def run_process(
    argv: list[str],
    *,
    cwd: Path,
    env: Mapping[str, str] | None,
    timeout_s: float | None,
    sink: OutputCollector,
    drain_timeout_s: float = 2.0,
) -> ExecOutcome:
    """Run ``argv`` in a new session with stdin from /dev/null; feed output into ``sink``.

    ``timeout_s`` None waits for ever. On timeout the group is killed and the exit code is 124. On cancellation the group is
    killed and CancelledError propagates. Raises OSError if the program cannot start.
    """
    started = time.monotonic()
    transport, proto = await spawn(argv, cwd=cwd, env=env, sink=sink)
    pgid = transport.get_pid()
    timed_out = False
    try:
        if not await settle(proto.exited, timeout_s):
            timed_out = True
            kill_group(pgid)
            await settle(proto.exited, 5.0)
        if not await settle(proto.pipes_closed, drain_timeout_s):
            # Something else in the group still holds the pipes open.
            kill_group(pgid)
            await settle(proto.pipes_closed, 1.0)
    except BaseException:
        kill_group(pgid)
        raise
    finally:
        transport.close()
        sink.finish()
    duration_ms = int((time.monotonic() - started) * 1000)
    exit_code = TIMEOUT_EXIT_CODE if timed_out else exit_status(transport.get_returncode())
    return ExecOutcome(exit_code=exit_code, timed_out=timed_out, duration_ms=duration_ms)
