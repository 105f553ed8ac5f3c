"""The RolloutStore seam: where a session's rollout lines live. A local JSONL file by
default; the task server plugs in a database-backed store with the same three calls."""

from __future__ import annotations

import contextlib
import errno
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Protocol

from burro.core.errors import CoreError


class RolloutWriteError(CoreError):
    """The session file cannot be written (disk full, file size limit, permissions)."""

    code = "rollout_write_failed"


class RolloutStore(Protocol):
    """Append-only storage of encoded rollout lines (each ends with ``b"\\n"``).

    ``append`` must make the line durable against a crash of this process before it
    returns (a ``write`` to the OS is enough for a file); ``read`` yields every line
    stored so far, in order; ``location`` is shown to users (a path or a URL)."""

    @property
    def location(self) -> str: ...

    def append(self, line: bytes) -> None: ...

    def read(self) -> Iterator[bytes]: ...

    def close(self) -> None: ...


class SessionLocked(CoreError):
    """Another live process holds the session file (the session is being continued
    there). ``holder_pid`` is that process, when it could be read."""

    code = "session_locked"

    def __init__(self, message: str, *, holder_pid: int | None, session_id: str = "") -> None:
        super().__init__(message)
        self.holder_pid = holder_pid
        self.session_id = session_id


def lock_path(path: Path) -> Path:
    """Where the holder of ``path``'s lock leaves its pid (next to the session file)."""
    return path.with_name(path.name + ".lock")


def holder_pid(path: Path) -> int | None:
    try:
        return int(lock_path(path).read_text(encoding="ascii").strip())
    except (OSError, ValueError):
        return None


class FileRolloutStore:
    """A JSONL file written with one ``write`` per line on an O_APPEND descriptor, so
    lines never interleave and a crash tears at most the last one.

    The store holds an exclusive ``flock`` on the file for its lifetime (its pid in a
    ``.lock`` file next to it): a second process continuing the same session gets
    :class:`SessionLocked` instead of interleaving its lines with ours. A line that
    cannot be written whole (full disk, file size limit) is cut back off the file before
    :class:`RolloutWriteError` is raised, so no torn line is left behind."""

    def __init__(self, path: Path, *, lazy: bool = False) -> None:
        self.path = path
        self._pid_file: Path | None = None
        self._newline_first = False
        self._fd = -1
        self._lazy = lazy  # create (and lock) the file on the first append, not now
        if not lazy:
            self._open()

    def _open(self) -> None:
        path = self.path
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            self._fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
        except OSError as exc:
            raise _create_error(path, exc) from exc
        try:
            self._lock()
            # A torn last line from a crash must not glue itself to our first line.
            if os.fstat(self._fd).st_size > 0:
                with path.open("rb") as fh:
                    fh.seek(-1, os.SEEK_END)
                    self._newline_first = fh.read(1) != b"\n"
        except BaseException:
            self.close()
            raise

    def _lock(self) -> None:
        import fcntl

        try:
            fcntl.flock(self._fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            pid = holder_pid(self.path)
            who = f"burro process {pid}" if pid else "another burro process"
            sid = self.path.stem[-36:]
            raise SessionLocked(
                f"session {sid} is in use by {who}; wait for it to finish, or continue "
                "a copy of it (fork)",
                holder_pid=pid,
                session_id=sid,
            ) from None
        except OSError:
            return  # a filesystem without flock: write unlocked, as before
        pid_file = lock_path(self.path)
        try:
            pid_file.write_text(f"{os.getpid()}\n", encoding="ascii")
        except OSError:
            return  # best effort: the lock holds even when the pid cannot be left
        self._pid_file = pid_file

    @property
    def location(self) -> str:
        return str(self.path)

    def append(self, line: bytes) -> None:
        if self._lazy:
            self._lazy = False
            self._open()
        if self._fd < 0:
            raise RolloutWriteError(f"the session file {self.path} is closed")
        try:
            self._append(line)
        except OSError as exc:
            raise _write_error(self.path, exc) from exc

    def _append(self, data: bytes) -> None:
        """Write ``data`` whole, or leave the file as it was and raise OSError."""
        if self._newline_first:
            os.write(self._fd, b"\n")
            self._newline_first = False
        start = os.fstat(self._fd).st_size
        done = 0
        try:
            while done < len(data):
                done += os.write(self._fd, data[done:])
        except OSError:
            if done:
                try:
                    os.ftruncate(self._fd, start)
                except OSError:
                    self._newline_first = True  # the reader skips the torn part
            raise

    def read(self) -> Iterator[bytes]:
        if self._lazy:
            return  # nothing stored yet
        with self.path.open("rb") as fh:
            yield from fh

    def close(self) -> None:
        if self._fd < 0:
            return
        if self._pid_file is not None:
            with contextlib.suppress(OSError):
                self._pid_file.unlink()  # before the lock goes: never another holder's pid
            self._pid_file = None
        os.close(self._fd)
        self._fd = -1


def _write_error(path: Path, exc: OSError) -> RolloutWriteError:
    reason = exc.strerror or str(exc)
    if exc.errno == errno.EFBIG:
        reason = "File too large (the file size limit, ulimit -f, was reached)"
    hint = "free some space or set BURRO_HOME to a writable folder, then resume the session"
    return RolloutWriteError(f"cannot write the session file {path}: {reason}; {hint}")


def _create_error(path: Path, exc: OSError) -> RolloutWriteError:
    reason = exc.strerror or str(exc)
    if exc.errno in (errno.ENOTDIR, errno.EEXIST):
        blocker = next((p for p in path.parents if p.exists() and not p.is_dir()), None)
        if blocker is not None:
            reason = f"{blocker} is a file, not a folder"
    elif exc.errno in (errno.ENOSPC, errno.EFBIG, errno.EDQUOT):
        return _write_error(path, exc)
    return RolloutWriteError(
        f"cannot create the session file {path}: {reason}; "
        "set BURRO_HOME to a writable folder, or run without saving the session (ephemeral)"
    )


class MemoryRolloutStore:
    """Lines kept in memory: for tests, and for a caller that persists them itself."""

    def __init__(self, lines: list[bytes] | None = None, *, location: str = "memory") -> None:
        self.lines: list[bytes] = list(lines or [])
        self._location = location

    @property
    def location(self) -> str:
        return self._location

    def append(self, line: bytes) -> None:
        self.lines.append(line)

    def read(self) -> Iterator[bytes]:
        yield from list(self.lines)

    def close(self) -> None:
        pass
