"""The session's append-only JSONL file. Every line is written to the OS (one ``write``
on an O_APPEND descriptor) before the next step runs, so a crash loses at most the item
being streamed, and a torn last line is skipped on read."""

from __future__ import annotations

import contextlib
import datetime as _dt
import errno
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import msgspec

from burro.core.errors import CoreError
from burro.protocol.common import ErrorInfo
from burro.protocol.events import Event, ExecCommandEnd, ToolCallEnd
from burro.protocol.items import Item, ToolOutputItem, scrub_surrogates


class SessionMeta(msgspec.Struct, kw_only=True, omit_defaults=True):
    id: str
    cwd: str
    model: str
    provider: str
    burro_version: str
    started_at: str
    git_commit: str | None = None
    git_branch: str | None = None
    forked_from: str | None = None


class Compacted(msgspec.Struct, kw_only=True):
    """History was replaced by ``replacement`` (which ends with the hand-off summary)."""

    summary: str
    replacement: list[Item]
    tokens_before: int = 0


class _Line(msgspec.Struct, tag_field="type", kw_only=True):
    ts: str


class MetaLine(_Line, tag="session_meta"):
    payload: SessionMeta


class ItemLine(_Line, tag="item"):
    payload: Item


class EventLine(_Line, tag="event"):
    payload: Event


class CompactedLine(_Line, tag="compacted"):
    payload: Compacted


class ToolOutputLine(_Line, tag="tool_output"):
    """A tool finished; its output joins the history (in call order) at the end of the
    sampling step. Written at once so a crash in between does not lose the result."""

    payload: ToolOutputItem


Line = MetaLine | ItemLine | EventLine | CompactedLine | ToolOutputLine


def now_iso() -> str:
    return _dt.datetime.now(_dt.UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def rollout_path(home: Path, session_id: str, *, when: _dt.datetime | None = None) -> Path:
    when = when or _dt.datetime.now()
    stamp = when.strftime("%Y-%m-%dT%H-%M-%S")
    return home / "sessions" / when.strftime("%Y/%m/%d") / f"rollout-{stamp}-{session_id}.jsonl"


# The human copy of a command's output (``ExecCommandEnd.aggregated_output``, and other
# tools' ``ToolCallEnd.output``) is kept as head + tail within this many bytes. What the
# model was sent (the output items) is always stored whole, so resume stays byte-exact.
HUMAN_OUTPUT_BYTES = 1024 * 1024


class RolloutWriteError(CoreError):
    """The session file cannot be created or appended to (full disk, file size limit,
    read-only or misplaced BURRO_HOME). The message is one line that says what to do."""

    def to_error_info(self) -> ErrorInfo:
        return ErrorInfo(code="rollout_write", message=str(self), retryable=False)


class SessionLocked(CoreError):
    """Another live process holds the session file (it is being continued there)."""

    def __init__(self, message: str, *, holder_pid: int | None) -> None:
        super().__init__(message)
        self.holder_pid = holder_pid

    def to_error_info(self) -> ErrorInfo:
        return ErrorInfo(code="session_locked", message=str(self), retryable=False)


def lock_path(path: Path) -> Path:
    """Where the holder of ``path``'s lock leaves its pid (next to the session file)."""
    return path.with_name(path.name + ".lock")


def holder_pid(path: Path) -> int | None:
    try:
        return int(lock_path(path).read_text(encoding="ascii").strip())
    except (OSError, ValueError):
        return None


def _session_id(path: Path) -> str:
    return path.stem[-36:] if path.stem.startswith("rollout-") else path.name


class RolloutWriter:
    """Appends lines with one ``write`` each (O_APPEND), so lines never interleave.

    The writer holds an exclusive ``flock`` on the file for its lifetime: a second
    process continuing the same session gets :class:`SessionLocked` instead of
    interleaving its lines with ours. A line that cannot be written (full disk, file
    size limit) is cut back off the file, kept in memory and written again before the
    next line, and :class:`RolloutWriteError` is raised, so the file stays a readable
    prefix of the history and catches up when space returns. Events are best effort:
    one that cannot be written is dropped, never raised."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._enc = msgspec.json.Encoder()
        self._pending: list[bytes] = []
        self._newline_first = False
        self._pid_file: Path | None = None
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
            sid = _session_id(self.path)
            raise SessionLocked(
                f"session {sid} is in use by {who}; wait for it to finish, or continue "
                f"a copy with `burro fork {sid}`",
                holder_pid=pid,
            ) from None
        except OSError:
            return  # a filesystem without flock: write unlocked, as before
        pid_file = lock_path(self.path)
        try:
            pid_file.write_text(f"{os.getpid()}\n", encoding="ascii")
        except OSError:
            return  # best effort: the lock holds even when the pid cannot be left
        self._pid_file = pid_file

    # -- writing -------------------------------------------------------------------------
    def _encode(self, line: Line) -> bytes:
        try:
            return self._enc.encode(line) + b"\n"
        except UnicodeEncodeError:
            # Lone surrogates (undecodable bytes in a path or prompt) cannot be encoded;
            # items are cleaned where they are built, this catches anything else.
            return self._enc.encode(_clean(msgspec.to_builtins(line))) + b"\n"

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

    def _flush(self) -> None:
        while self._pending:
            self._append(self._pending[0])
            self._pending.pop(0)

    def _write(self, line: Line) -> None:
        """A line the history depends on: written in order, or RolloutWriteError."""
        self._pending.append(self._encode(line))
        try:
            self._flush()
        except OSError as exc:
            raise _write_error(self.path, exc) from exc

    def meta(self, meta: SessionMeta) -> None:
        self._write(MetaLine(ts=now_iso(), payload=meta))

    def item(self, item: Item) -> None:
        self._write(ItemLine(ts=now_iso(), payload=item))

    def event(self, event: Event) -> None:
        if self._pending:
            return  # history lines are waiting for space: this event is dropped
        try:
            self._append(self._encode(EventLine(ts=now_iso(), payload=_bounded(event))))
        except OSError:
            return

    def tool_output(self, item: ToolOutputItem) -> None:
        """Kept in order like a history line, but never raises: it runs in a tool task's
        done-callback, and the output's own history line raises moments later."""
        self._pending.append(self._encode(ToolOutputLine(ts=now_iso(), payload=item)))
        with contextlib.suppress(OSError):
            self._flush()

    def compacted(self, compacted: Compacted) -> None:
        self._write(CompactedLine(ts=now_iso(), payload=compacted))

    def close(self) -> None:
        if self._fd < 0:
            return
        with contextlib.suppress(OSError):
            self._flush()
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
        "set BURRO_HOME to a writable folder (or run `burro exec --ephemeral`)"
    )


def _bounded(event: Event) -> Event:
    """The copy of an event kept on disk: human copies of huge outputs cut to head + tail."""
    from burro.util.truncate import truncate_middle

    if isinstance(event, ExecCommandEnd):
        text, cut = truncate_middle(event.aggregated_output, max_bytes=HUMAN_OUTPUT_BYTES)
        if cut:
            return msgspec.structs.replace(event, aggregated_output=text)
    elif isinstance(event, ToolCallEnd):
        text, cut = truncate_middle(event.output, max_bytes=HUMAN_OUTPUT_BYTES)
        if cut:
            return msgspec.structs.replace(event, output=text)
    return event


def _clean(value: Any) -> Any:
    if isinstance(value, str):
        return scrub_surrogates(value)
    if isinstance(value, dict):
        return {_clean(k): _clean(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_clean(v) for v in value]
    return value


_DECODER = msgspec.json.Decoder(Line)


def read_lines(path: Path, *, damaged: list[int] | None = None) -> Iterator[Line]:
    """Every decodable line. A line cut short (a torn write: burro died while writing
    it) is skipped silently; any other undecodable line is skipped too, and its line
    number (1-based) is added to ``damaged`` when a list is given."""
    with path.open("rb") as fh:
        for number, raw in enumerate(fh, start=1):
            if not raw.strip():
                continue
            try:
                yield _DECODER.decode(raw)
            except msgspec.DecodeError as exc:
                if damaged is not None and not _torn(raw, exc):
                    damaged.append(number)


def _torn(raw: bytes, exc: msgspec.DecodeError) -> bool:
    """A prefix of a valid line: what a crash or a failed write leaves behind."""
    return "truncated" in str(exc) and not isinstance(exc, msgspec.ValidationError)


def read_meta(path: Path) -> SessionMeta | None:
    try:
        with path.open("rb") as fh:
            first = fh.readline()
        line = _DECODER.decode(first)
    except (OSError, msgspec.DecodeError):
        return None
    return line.payload if isinstance(line, MetaLine) else None
