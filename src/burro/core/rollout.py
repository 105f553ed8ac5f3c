"""The session's append-only JSONL file. Every line is written to the OS (one ``write``
on an O_APPEND descriptor) before the next step runs, so a crash loses at most the item
being streamed, and a torn last line is skipped on read."""

from __future__ import annotations

import contextlib
import datetime as _dt
import functools
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

import msgspec

from burro.core.store import RolloutStore, RolloutWriteError
from burro.protocol.events import (
    Event,
    ExecCommandEnd,
    ShutdownComplete,
    ToolCallEnd,
    TurnContext,
)
from burro.protocol.items import Item, Message, ToolOutputItem, scrub_surrogates

# The human copy of a command's output (``ExecCommandEnd.aggregated_output``, and other
# tools' ``ToolCallEnd.output``) is kept as head + tail within this many bytes. What the
# model was sent (the output items) is always stored whole, so resume stays byte-exact.
HUMAN_OUTPUT_BYTES = 1024 * 1024


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


class PendingInputLine(_Line, tag="pending_input"):
    """User input accepted for the running turn; it joins the history (as an ``item``
    line) at the turn's next step. Written at once so a crash in between keeps it."""

    payload: Message


Line = MetaLine | ItemLine | EventLine | CompactedLine | ToolOutputLine | PendingInputLine


def now_iso() -> str:
    return _dt.datetime.now(_dt.UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def rollout_path(home: Path, session_id: str, *, when: _dt.datetime | None = None) -> Path:
    when = when or _dt.datetime.now()
    stamp = when.strftime("%Y-%m-%dT%H-%M-%S")
    return home / "sessions" / when.strftime("%Y/%m/%d") / f"rollout-{stamp}-{session_id}.jsonl"


class RolloutWriter:
    """Encodes rollout lines and appends each to a ``RolloutStore`` in one call.

    A history line that cannot be stored (full disk, file size limit) stays queued and is
    stored again, in order, before the next line, and :class:`RolloutWriteError` is
    raised: the file stays a readable prefix of the history and catches up when space
    returns. Events are best effort (one that cannot be stored is dropped), and so are
    ``tool_output`` lines, whose history line follows moments later.

    ``deferred``: the meta line, the initial context and the settings in effect are held
    back until the first other line (a turn started), so a session opened and closed
    without a turn stores nothing (and does not win ``resume --last``)."""

    def __init__(self, store: RolloutStore, *, deferred: bool = False) -> None:
        self.store = store
        self._enc = msgspec.json.Encoder()
        self._pending: list[bytes] = []
        self._held: list[bytes] | None = [] if deferred else None

    @property
    def location(self) -> str:
        return self.store.location

    def _encode(self, line: Line) -> bytes:
        try:
            return self._enc.encode(line) + b"\n"
        except UnicodeEncodeError:
            # Lone surrogates (undecodable bytes in a path or prompt) cannot be encoded;
            # items are cleaned where they are built, this catches anything else.
            return self._enc.encode(_clean(msgspec.to_builtins(line))) + b"\n"

    def _held_back(self, data: bytes, *, hold: bool) -> bool:
        """Hold ``data`` while deferred (True), or release what was held into the queue."""
        if self._held is None:
            return False
        if hold:
            self._held.append(data)
            return True
        held, self._held = self._held, None
        self._pending[:0] = held
        return False

    def _flush(self) -> None:
        while self._pending:
            self.store.append(self._pending[0])
            self._pending.pop(0)

    def _write(self, line: Line, *, hold: bool = False) -> None:
        data = self._encode(line)
        if self._held_back(data, hold=hold):
            return
        self._pending.append(data)
        self._flush()

    def meta(self, meta: SessionMeta) -> None:
        self._write(MetaLine(ts=now_iso(), payload=meta), hold=True)

    def item(self, item: Item) -> None:
        self._write(ItemLine(ts=now_iso(), payload=item), hold=True)

    def event(self, event: Event, *, seq: int = 0) -> None:
        data = self._encode(EventLine(ts=now_iso(), payload=_bounded(event), seq=seq))
        # The settings in effect are recorded before any turn: held back like the meta.
        # A session that ends before any turn stores nothing at all.
        if self._held is not None and isinstance(event, ShutdownComplete):
            return
        if self._held_back(data, hold=isinstance(event, TurnContext)):
            return
        with contextlib.suppress(RolloutWriteError):
            self._flush()  # history lines first
            self.store.append(data)
        # (If history lines are still waiting for space, this event is dropped.)

    def tool_output(self, item: ToolOutputItem) -> None:
        # Runs in a tool task's done-callback: never raise there.
        data = self._encode(ToolOutputLine(ts=now_iso(), payload=item))
        self._held_back(data, hold=False)
        self._pending.append(data)
        with contextlib.suppress(RolloutWriteError):
            self._flush()

    def pending_input(self, message: Message) -> None:
        self._write(PendingInputLine(ts=now_iso(), payload=message))

    def compacted(self, compacted: Compacted) -> None:
        self._write(CompactedLine(ts=now_iso(), payload=compacted))

    def close(self) -> None:
        if self._held is None:
            with contextlib.suppress(RolloutWriteError):
                self._flush()
        self.store.close()


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


@functools.cache
def _decoder() -> msgspec.json.Decoder[Line]:
    """Built on first read (a resume, a listing): building it walks every event type,
    which a new session that only writes never needs."""
    return msgspec.json.Decoder(Line)


def decode_lines(raw_lines: Iterable[bytes], *, damaged: list[int] | None = None) -> Iterator[Line]:
    """Every decodable line. A line cut short (a torn write: burro died while writing
    it) is skipped silently; any other undecodable line is skipped too, and its line
    number (1-based) is added to ``damaged`` when a list is given."""
    decoder = _decoder()
    for number, raw in enumerate(raw_lines, start=1):
        if not raw.strip():
            continue
        try:
            yield decoder.decode(raw)
        except msgspec.DecodeError as exc:
            if damaged is not None and not _torn(exc):
                damaged.append(number)


def _torn(exc: msgspec.DecodeError) -> bool:
    """A prefix of a valid line: what a crash or a failed write leaves behind."""
    return "truncated" in str(exc) and not isinstance(exc, msgspec.ValidationError)


def read_raw(path: Path) -> Iterator[bytes]:
    with path.open("rb") as fh:
        yield from fh


def read_lines(path: Path) -> Iterator[Line]:
    yield from decode_lines(read_raw(path))


def read_meta(path: Path) -> SessionMeta | None:
    try:
        with path.open("rb") as fh:
            first = fh.readline()
        line = _decoder().decode(first)
    except (OSError, msgspec.DecodeError):
        return None
    return line.payload if isinstance(line, MetaLine) else None
