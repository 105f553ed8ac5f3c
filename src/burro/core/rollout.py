"""The session's append-only JSONL file. Every line is written to the OS (one ``write``
on an O_APPEND descriptor) before the next step runs, so a crash loses at most the item
being streamed, and a torn last line is skipped on read."""

from __future__ import annotations

import datetime as _dt
from collections.abc import Iterable, Iterator
from pathlib import Path

import msgspec

from burro.core.store import RolloutStore
from burro.protocol.events import Event, TurnContext
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
    seq: int = 0  # the event's sequence number in the session (0 in older files)


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
    """Encodes rollout lines and appends each to a ``RolloutStore`` in one call.

    ``deferred``: the meta line and the initial context are held back until the first
    event (a turn started), so a session opened and closed without a turn stores nothing
    (and does not win ``resume --last``)."""

    def __init__(self, store: RolloutStore, *, deferred: bool = False) -> None:
        self.store = store
        self._enc = msgspec.json.Encoder()
        self._held: list[bytes] | None = [] if deferred else None

    @property
    def location(self) -> str:
        return self.store.location

    def _write(self, line: Line, *, hold: bool = False) -> None:
        data = self._enc.encode(line) + b"\n"
        if self._held is not None:
            if hold:
                self._held.append(data)
                return
            held, self._held = self._held, None
            for earlier in held:
                self.store.append(earlier)
        self.store.append(data)

    def meta(self, meta: SessionMeta) -> None:
        self._write(MetaLine(ts=now_iso(), payload=meta), hold=True)

    def item(self, item: Item) -> None:
        self._write(ItemLine(ts=now_iso(), payload=item), hold=True)

    def event(self, event: Event, *, seq: int = 0) -> None:
        # The settings in effect are recorded before any turn: held back like the meta.
        self._write(
            EventLine(ts=now_iso(), payload=event, seq=seq), hold=isinstance(event, TurnContext)
        )

    def tool_output(self, item: ToolOutputItem) -> None:
        self._write(ToolOutputLine(ts=now_iso(), payload=item))

    def compacted(self, compacted: Compacted) -> None:
        self._write(CompactedLine(ts=now_iso(), payload=compacted))

    def close(self) -> None:
        self.store.close()


_DECODER = msgspec.json.Decoder(Line)


def decode_lines(raw_lines: Iterable[bytes]) -> Iterator[Line]:
    """Every decodable line; an undecodable line (a torn write) is skipped."""
    for raw in raw_lines:
        if not raw.strip():
            continue
        try:
            yield _DECODER.decode(raw)
        except msgspec.DecodeError:
            continue


def read_lines(path: Path) -> Iterator[Line]:
    with path.open("rb") as fh:
        yield from decode_lines(fh)


def read_meta(path: Path) -> SessionMeta | None:
    try:
        with path.open("rb") as fh:
            first = fh.readline()
        line = _DECODER.decode(first)
    except (OSError, msgspec.DecodeError):
        return None
    return line.payload if isinstance(line, MetaLine) else None
