"""The RolloutStore seam: where a session's rollout lines live. A local JSONL file by
default; the task server plugs in a database-backed store with the same three calls."""

from __future__ import annotations

import contextlib
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


class FileRolloutStore:
    """A JSONL file written with one ``write`` per line on an O_APPEND descriptor, so
    lines never interleave and a crash tears at most the last one."""

    def __init__(self, path: Path, *, lazy: bool = False) -> None:
        self.path = path
        self._fd = -1
        self._lazy = lazy  # create the file on the first append, not now
        if not lazy:
            self._open()

    def _open(self) -> None:
        path = self.path
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            self._fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
        except OSError as exc:
            raise RolloutWriteError(
                f"cannot create the session file {path}: {exc.strerror or exc}"
            ) from exc
        # A torn last line from a crash must not glue itself to our first line.
        if os.fstat(self._fd).st_size > 0:
            with path.open("rb") as fh:
                fh.seek(-1, os.SEEK_END)
                if fh.read(1) != b"\n":
                    self.append(b"\n")

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
            written = os.write(self._fd, line)
        except OSError as exc:
            raise RolloutWriteError(
                f"cannot write the session file {self.path}: {exc.strerror or exc}"
            ) from exc
        if written != len(line):
            # A short write (file size limit, full disk): end the torn line so the
            # file stays readable, and report the failure.
            with contextlib.suppress(OSError):
                os.write(self._fd, b"\n")
            raise RolloutWriteError(
                f"cannot write the session file {self.path}: short write "
                f"({written} of {len(line)} bytes; is the disk full?)"
            )

    def read(self) -> Iterator[bytes]:
        if self._lazy:
            return  # nothing stored yet
        with self.path.open("rb") as fh:
            yield from fh

    def close(self) -> None:
        if self._fd >= 0:
            os.close(self._fd)
            self._fd = -1


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
