"""The session's append-only JSONL file. Every line is written to the OS (one ``write``
on an O_APPEND descriptor) before the next step runs, so a crash loses at most the item
being streamed, and a torn last line is skipped on read."""

from __future__ import annotations

import datetime as _dt
import os
from collections.abc import Iterator
from pathlib import Path

import msgspec

from burro.protocol.events import Event
from burro.protocol.items import Item, ToolOutputItem


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


class RolloutWriter:
    """Appends lines with one ``write`` each (O_APPEND), so lines never interleave.

    ``deferred``: no file until the first event (a turn started): a session that is
    opened and closed without a turn leaves nothing behind to win ``resume --last``."""

    def __init__(self, path: Path, *, deferred: bool = False) -> None:
        self.path = path
        self._fd = -1
        self._enc = msgspec.json.Encoder()
        self._pending: list[bytes] | None = [] if deferred else None
        if not deferred:
            self._open()

    def _open(self) -> None:
        path = self.path
        path.parent.mkdir(parents=True, exist_ok=True)
        self._fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
        # A torn last line from a crash must not glue itself to our first line.
        if os.fstat(self._fd).st_size > 0:
            with path.open("rb") as fh:
                fh.seek(-1, os.SEEK_END)
                if fh.read(1) != b"\n":
                    os.write(self._fd, b"\n")

    def _write(self, line: Line, *, materialize: bool = True) -> None:
        data = self._enc.encode(line) + b"\n"
        if self._pending is not None:
            if not materialize:
                self._pending.append(data)
                return
            pending, self._pending = self._pending, None
            self._open()
            data = b"".join([*pending, data])
        os.write(self._fd, data)

    def meta(self, meta: SessionMeta) -> None:
        self._write(MetaLine(ts=now_iso(), payload=meta), materialize=False)

    def item(self, item: Item) -> None:
        self._write(ItemLine(ts=now_iso(), payload=item), materialize=False)

    def event(self, event: Event) -> None:
        self._write(EventLine(ts=now_iso(), payload=event))

    def tool_output(self, item: ToolOutputItem) -> None:
        self._write(ToolOutputLine(ts=now_iso(), payload=item))

    def compacted(self, compacted: Compacted) -> None:
        self._write(CompactedLine(ts=now_iso(), payload=compacted))

    def close(self) -> None:
        if self._fd >= 0:
            os.close(self._fd)
            self._fd = -1


_DECODER = msgspec.json.Decoder(Line)


def read_lines(path: Path) -> Iterator[Line]:
    """Every decodable line; an undecodable line (a torn write) is skipped."""
    with path.open("rb") as fh:
        for raw in fh:
            if not raw.strip():
                continue
            try:
                yield _DECODER.decode(raw)
            except msgspec.DecodeError:
                continue


def read_meta(path: Path) -> SessionMeta | None:
    try:
        with path.open("rb") as fh:
            first = fh.readline()
        line = _DECODER.decode(first)
    except (OSError, msgspec.DecodeError):
        return None
    return line.payload if isinstance(line, MetaLine) else None
