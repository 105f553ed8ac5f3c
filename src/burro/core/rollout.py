"""The session's append-only JSONL file. Every line is written to the OS before the
next step runs, so a crash loses at most the item being streamed."""

from __future__ import annotations

import datetime as _dt
import os
from pathlib import Path
from typing import Any, Literal

import msgspec

from burro.protocol.events import Event
from burro.protocol.items import Item

LineType = Literal["session_meta", "item", "event"]


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
    instructions_digest: str | None = None


class RolloutLine(msgspec.Struct, kw_only=True):
    ts: str
    type: LineType
    payload: Any


def _now() -> str:
    return _dt.datetime.now(_dt.UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def rollout_path(home: Path, session_id: str, *, when: _dt.datetime | None = None) -> Path:
    when = when or _dt.datetime.now()
    stamp = when.strftime("%Y-%m-%dT%H-%M-%S")
    return home / "sessions" / when.strftime("%Y/%m/%d") / f"rollout-{stamp}-{session_id}.jsonl"


class RolloutWriter:
    """Appends lines with one ``write`` each (O_APPEND), so lines never interleave."""

    def __init__(self, path: Path) -> None:
        self.path = path
        path.parent.mkdir(parents=True, exist_ok=True)
        self._fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
        self._enc = msgspec.json.Encoder()

    def _write(self, kind: LineType, payload: object) -> None:
        line = self._enc.encode(RolloutLine(ts=_now(), type=kind, payload=payload)) + b"\n"
        os.write(self._fd, line)

    def meta(self, meta: SessionMeta) -> None:
        self._write("session_meta", meta)

    def item(self, item: Item) -> None:
        self._write("item", item)

    def event(self, event: Event) -> None:
        self._write("event", event)

    def close(self) -> None:
        if self._fd >= 0:
            os.close(self._fd)
            self._fd = -1
