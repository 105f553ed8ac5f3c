"""Prompt history kept across sessions: ``BURRO_HOME/history.jsonl`` (mode 0600), one
``{"session_id", "ts", "text"}`` per submitted prompt, oldest lines dropped past 1 MiB.
Up/Down walk it and ctrl+r searches it."""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

FILE_NAME = "history.jsonl"
MAX_BYTES = 1024 * 1024
LOAD_LIMIT = 1000


def history_path(home: Path) -> Path:
    return home / FILE_NAME


def load_history(home: Path, *, limit: int = LOAD_LIMIT) -> list[str]:
    """The newest ``limit`` prompts, oldest first (unreadable lines are skipped)."""
    try:
        raw = history_path(home).read_bytes()
    except OSError:
        return []
    texts: list[str] = []
    for line in raw.splitlines()[-limit:]:
        try:
            entry = json.loads(line)
        except ValueError:
            continue
        text = entry.get("text") if isinstance(entry, dict) else None
        if isinstance(text, str) and text.strip() and (not texts or texts[-1] != text):
            texts.append(text)
    return texts


def append_history(home: Path, text: str, *, session_id: str | None) -> None:
    """Best effort: a history that cannot be written never disturbs the session."""
    path = history_path(home)
    line = json.dumps({"session_id": session_id, "ts": int(time.time()), "text": text}) + "\n"
    try:
        home.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
        try:
            os.write(fd, line.encode("utf-8"))
            size = os.fstat(fd).st_size
        finally:
            os.close(fd)
        if size > MAX_BYTES:
            _trim(path)
    except OSError:
        return


def _trim(path: Path) -> None:
    """Keep the newest half (whole lines), written atomically with mode 0600."""
    data = path.read_bytes()
    keep = data[len(data) - MAX_BYTES // 2 :]
    keep = keep[keep.find(b"\n") + 1 :]
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as fh:
        fh.write(keep)
    os.replace(tmp, path)


def search(history: list[str], query: str, *, before: int) -> int | None:
    """Index of the newest entry before ``before`` that contains ``query`` (any case)."""
    q = query.lower()
    for i in range(min(before, len(history)) - 1, -1, -1):
        if q in history[i].lower():
            return i
    return None
