"""Long-running commands: process sessions that outlive the call that started them.

A command started by ``exec_command`` that has not exited when its yield time passes
keeps running as a session of the burro session's ProcessManager. The model polls it
and types into it with ``write_stdin`` (a pty when started with ``tty``), and Ctrl-C
(``"\\u0003"``) interrupts it. A session ends when its process exits, when it reaches
the ``[shell] max_runtime`` ceiling, when the manager is full and it is the least
recently used, or when the burro session closes the manager (every process killed).
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import time
from collections import deque
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Literal

from burro.protocol.events import Event, ExecCommandEnd, ExecCommandOutputDelta
from burro.tools._exec import (
    DEFAULT_MAX_DELTAS,
    TIMEOUT_EXIT_CODE,
    Stream,
    StreamDecoder,
    exit_status,
    kill_group,
    settle,
    spawn,
)
from burro.tools.base import ToolError, ToolStatus

DEFAULT_MAX_SESSIONS = 16
# Unread output kept per session between polls, and output kept for the end event.
PENDING_CAP_CHARS = 1024 * 1024
LOGGED_CAP_CHARS = 1024 * 1024
CTRL_C = "\x03"
_WINSIZE = (40, 120)  # rows, columns of a session's terminal
EndStatus = Literal["completed", "failed", "timed_out", "aborted"]
_TTY_ENV = {"TERM": "dumb", "PAGER": "cat", "GIT_PAGER": "cat"}


class HeadTail:
    """Text kept up to a cap: the first half and the latest half; the middle is counted."""

    def __init__(self, cap_chars: int) -> None:
        self._half = max(cap_chars // 2, 1)
        self._reset()

    def _reset(self) -> None:
        self._head: list[str] = []
        self._head_n = 0
        self._tail: deque[str] = deque()
        self._tail_n = 0
        self.dropped = 0
        self.total_bytes = 0

    def add(self, text: str) -> None:
        self.total_bytes += len(text.encode("utf-8", "surrogatepass"))
        if self._head_n < self._half:
            take = text[: self._half - self._head_n]
            self._head.append(take)
            self._head_n += len(take)
            text = text[len(take) :]
        if not text:
            return
        self._tail.append(text)
        self._tail_n += len(text)
        while self._tail_n > self._half:
            excess = self._tail_n - self._half
            first = self._tail[0]
            if len(first) <= excess:
                self._tail.popleft()
                cut = len(first)
            else:
                self._tail[0] = first[excess:]
                cut = excess
            self._tail_n -= cut
            self.dropped += cut

    def text(self) -> str:
        middle = f"\n[... {self.dropped} characters not kept ...]\n" if self.dropped else ""
        return "".join(self._head) + middle + "".join(self._tail)

    def take(self) -> tuple[str, int]:
        """The text so far and its size in bytes as produced; the buffer starts empty again."""
        out = (self.text(), self.total_bytes)
        self._reset()
        return out


class ProcessSession:
    """One running command: its process group, its output, and how it ended."""

    def __init__(
        self,
        session_id: int,
        *,
        display: str,
        call_id: str,
        turn_id: str,
        tty: bool,
        emit: Callable[[Event], None],
        max_deltas: int = DEFAULT_MAX_DELTAS,
    ) -> None:
        self.id = session_id
        self.display = display
        self.call_id = call_id
        self.turn_id = turn_id
        self.tty = tty
        self._emit = emit
        self._max_deltas = max_deltas
        self._deltas = 0
        self.pending = HeadTail(PENDING_CAP_CHARS)
        self._logged = HeadTail(LOGGED_CAP_CHARS)
        self._decoder = StreamDecoder()
        self.started = time.monotonic()
        self.last_used = self.started
        self.pid = 0
        self._master: int | None = None
        self._output_closed: asyncio.Future[None] | None = None
        self.done = asyncio.Event()
        self.exit_code: int | None = None
        self.notes: list[str] = []
        self._end_status: EndStatus | None = None  # set when burro killed it on purpose
        self.silent = False  # no end event (the burro session is closing)
        self._watcher: asyncio.Task[None] | None = None

    # -- output ------------------------------------------------------------------------
    def feed(self, fd: int, data: bytes, *, final: bool = False) -> None:
        text = self._decoder.decode(fd, data, final=final)
        if not text:
            return
        if self.tty:
            text = text.replace("\r\n", "\n")
        self.pending.add(text)
        self._logged.add(text)
        if self._deltas < self._max_deltas:
            self._deltas += 1
            stream: Stream = "stderr" if fd == 2 else "stdout"
            self._emit(
                ExecCommandOutputDelta(
                    turn_id=self.turn_id, call_id=self.call_id, stream=stream, chunk=text
                )
            )

    def _read_master(self) -> None:
        assert self._master is not None and self._output_closed is not None
        try:
            data = os.read(self._master, 65536)
        except BlockingIOError:
            return
        except OSError:  # EIO: every holder of the terminal has gone
            data = b""
        if data:
            self.feed(1, data)
            return
        asyncio.get_running_loop().remove_reader(self._master)
        if not self._output_closed.done():
            self._output_closed.set_result(None)

    # -- life cycle --------------------------------------------------------------------
    async def start(
        self,
        argv: list[str],
        *,
        cwd: Path,
        env: Mapping[str, str] | None,
        max_runtime_s: float | None,
        drain_timeout_s: float = 2.0,
    ) -> None:
        """Spawn the process and watch it. Raises OSError if it cannot start."""
        loop = asyncio.get_running_loop()
        terminal: int | None = None
        if self.tty:
            import pty

            self._master, terminal = pty.openpty()
            _set_winsize(terminal)
            env = {**(env if env is not None else os.environ), **_TTY_ENV}
        try:
            transport, proto = await spawn(argv, cwd=cwd, env=env, sink=self, terminal=terminal)
        except BaseException:
            self._close_master()
            raise
        finally:
            if terminal is not None:
                os.close(terminal)
        self.pid = transport.get_pid()
        if self._master is not None:
            os.set_blocking(self._master, False)
            self._output_closed = loop.create_future()
            loop.add_reader(self._master, self._read_master)
        else:
            self._output_closed = proto.pipes_closed
        self._watcher = asyncio.create_task(
            self._watch(transport, proto.exited, max_runtime_s, drain_timeout_s),
            name=f"burro-process-{self.id}",
        )

    async def _watch(
        self,
        transport: asyncio.SubprocessTransport,
        exited: asyncio.Future[None],
        max_runtime_s: float | None,
        drain_timeout_s: float,
    ) -> None:
        assert self._output_closed is not None
        try:
            if not await settle(exited, max_runtime_s):
                self.kill(
                    status="timed_out",
                    note=f"killed after reaching the [shell] max_runtime limit of "
                    f"{max_runtime_s:g} s",
                )
                await settle(exited, 5.0)
            if not await settle(self._output_closed, drain_timeout_s):
                kill_group(self.pid)  # something else in the group holds the output open
                await settle(self._output_closed, 1.0)
        except asyncio.CancelledError:
            # The event loop is going away (burro is exiting): nobody is left to tell.
            self.silent = True
            kill_group(self.pid)
            raise
        finally:
            transport.close()
            if self._master is not None:
                with contextlib.suppress(OSError):
                    self._read_master()  # whatever is still buffered in the terminal
            self._close_master()
            for fd in (1, 2):
                self.feed(fd, b"", final=True)
            code = exit_status(transport.get_returncode())
            self.exit_code = TIMEOUT_EXIT_CODE if self._end_status == "timed_out" else code
            if not self.silent:
                self._emit(self._end_event())
            self.done.set()

    def _end_event(self) -> ExecCommandEnd:
        status = self._final_status()
        return ExecCommandEnd(
            turn_id=self.turn_id,
            call_id=self.call_id,
            command=self.display,
            exit_code=self.exit_code,
            duration_ms=int((time.monotonic() - self.started) * 1000),
            aggregated_output=self._logged.text(),
            status=status,
        )

    def _close_master(self) -> None:
        if self._master is None:
            return
        with contextlib.suppress(ValueError, OSError):
            asyncio.get_running_loop().remove_reader(self._master)
        with contextlib.suppress(OSError):
            os.close(self._master)
        self._master = None

    def _final_status(self) -> EndStatus:
        if self._end_status is not None:
            return self._end_status
        return "completed" if self.exit_code == 0 else "failed"

    def status(self) -> ToolStatus:
        return self._final_status() if self.done.is_set() else "running"

    def kill(self, *, status: EndStatus = "aborted", note: str = "") -> None:
        """SIGKILL the whole process group (the watcher then reports the end)."""
        if self.done.is_set():
            return
        self._end_status = self._end_status or status
        if note:
            self.notes.append(note)
        kill_group(self.pid)

    async def wait(self, timeout_s: float | None) -> bool:
        """True once the process has exited and its output is all read."""
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self.done.wait(), timeout_s)
        return self.done.is_set()

    async def write(self, chars: str) -> None:
        """Type ``chars``: Ctrl-C interrupts the program (SIGINT to its process group);
        other text goes to its terminal. Raises ToolError for text to a session that
        has no terminal."""
        self.last_used = time.monotonic()
        if CTRL_C in chars:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(self.pid, signal.SIGINT)
            chars = chars.replace(CTRL_C, "")
        if not chars or self.done.is_set():
            return
        if not self.tty or self._master is None:
            raise ToolError(
                f"write_stdin: session {self.id} was started without a terminal, so its stdin "
                'is closed; start the program with exec_command and "tty": true to type into '
                'it ("\\u0003" still interrupts it)'
            )
        data = chars.encode("utf-8", "surrogatepass")
        deadline = time.monotonic() + 5.0
        while data:
            try:
                sent = os.write(self._master, data)
            except BlockingIOError:
                if time.monotonic() > deadline:
                    raise ToolError(
                        f"write_stdin: session {self.id} is not reading its input; "
                        f"{len(data)} bytes were not sent"
                    ) from None
                await asyncio.sleep(0.01)
                continue
            except OSError as exc:
                raise ToolError(f"write_stdin: session {self.id}: {exc.strerror}") from None
            data = data[sent:]


def _set_winsize(fd: int) -> None:
    import fcntl
    import struct
    import termios

    rows, cols = _WINSIZE
    with contextlib.suppress(OSError):
        fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack("HHHH", rows, cols, 0, 0))


class ProcessManager:
    """The background command sessions of one burro session, and the [shell] limits."""

    def __init__(
        self, *, max_runtime_s: float | None = None, max_sessions: int = DEFAULT_MAX_SESSIONS
    ) -> None:
        self.max_runtime_s = max_runtime_s
        self.max_sessions = max(max_sessions, 1)
        self._sessions: dict[int, ProcessSession] = {}
        self._next_id = 0
        self._chunks = 0
        self.closed = False

    def new_id(self) -> int:
        self._next_id += 1
        return self._next_id

    def chunk_id(self) -> str:
        self._chunks += 1
        return f"{self._chunks:06x}"

    def add(self, session: ProcessSession) -> list[str]:
        """Register ``session``; when full, the least recently used one (exited ones
        first) is killed. Returns notes for the model about what was killed."""
        notes: list[str] = []
        while len(self._sessions) >= self.max_sessions:
            victim = min(self._sessions.values(), key=lambda s: (not s.done.is_set(), s.last_used))
            del self._sessions[victim.id]
            if not victim.done.is_set():
                victim.kill(note="killed to make room for a new session")
                notes.append(
                    f"background session {victim.id} (`{victim.display}`) was killed: at most "
                    f"{self.max_sessions} sessions run at once"
                )
        self._sessions[session.id] = session
        return notes

    def get(self, session_id: int) -> ProcessSession | None:
        return self._sessions.get(session_id)

    def remove(self, session_id: int) -> None:
        self._sessions.pop(session_id, None)

    def running(self) -> list[ProcessSession]:
        return [s for s in self._sessions.values() if not s.done.is_set()]

    def ids(self) -> list[int]:
        return sorted(self._sessions)

    async def close(self) -> None:
        """Kill every session's process group and wait (briefly) until each is gone."""
        self.closed = True
        sessions = list(self._sessions.values())
        self._sessions.clear()
        for s in sessions:
            s.silent = True
            s.kill(note="the burro session ended")
        await asyncio.gather(*(s.wait(5.0) for s in sessions))
