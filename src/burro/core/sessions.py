"""Finding saved sessions: list (newest first), by id or id prefix, the last one."""

from __future__ import annotations

from pathlib import Path

import msgspec

from burro.core.errors import SessionNotFound
from burro.core.rollout import EventLine, SessionMeta, read_meta
from burro.protocol.events import UserMessageEvent


class SessionInfo(msgspec.Struct, kw_only=True):
    id: str
    path: str
    cwd: str
    model: str
    started_at: str
    modified: float
    first_prompt: str = ""
    forked_from: str | None = None


def _files(home: Path) -> list[Path]:
    root = home / "sessions"
    if not root.is_dir():
        return []
    files = list(root.glob("*/*/*/rollout-*.jsonl"))
    files.sort(key=lambda p: (p.stat().st_mtime, p.name), reverse=True)
    return files


def _first_prompt(path: Path, limit: int = 64 * 1024) -> str:
    dec = msgspec.json.Decoder(EventLine)
    with path.open("rb") as fh:
        for n, raw in enumerate(fh):
            if n > 2000 or fh.tell() > limit * 16:
                break
            if b'"user_message"' not in raw:
                continue
            try:
                line = dec.decode(raw)
            except msgspec.DecodeError:
                continue
            if isinstance(line.payload, UserMessageEvent):
                return line.payload.text
    return ""


def _info(path: Path, meta: SessionMeta) -> SessionInfo:
    return SessionInfo(
        id=meta.id,
        path=str(path),
        cwd=meta.cwd,
        model=meta.model,
        started_at=meta.started_at,
        modified=path.stat().st_mtime,
        first_prompt=_first_prompt(path),
        forked_from=meta.forked_from,
    )


def list_sessions(
    home: Path, *, cwd: Path | None = None, limit: int | None = None
) -> list[SessionInfo]:
    out: list[SessionInfo] = []
    for path in _files(home):
        meta = read_meta(path)
        if meta is None or (cwd is not None and Path(meta.cwd) != cwd):
            continue
        out.append(_info(path, meta))
        if limit is not None and len(out) >= limit:
            break
    return out


def find_session(home: Path, key: str) -> Path:
    """By full id, unique id prefix, or a path to a rollout file."""
    as_path = Path(key)
    if as_path.suffix == ".jsonl" and as_path.is_file():
        return as_path
    matches = [p for p in _files(home) if p.stem.endswith(key) or _id_of(p).startswith(key)]
    if not matches:
        raise SessionNotFound(f"no saved session matches `{key}`")
    ids = {_id_of(p) for p in matches}
    if len(ids) > 1:
        raise SessionNotFound(f"`{key}` matches {len(ids)} sessions; give more of the id")
    return matches[0]


def last_session(home: Path, *, cwd: Path | None) -> Path:
    found = list_sessions(home, cwd=cwd, limit=1)
    if not found:
        where = f" in {cwd}" if cwd else ""
        raise SessionNotFound(f"no saved session{where}")
    return Path(found[0].path)


def _id_of(path: Path) -> str:
    # rollout-YYYY-MM-DDThh-mm-ss-<uuid>.jsonl: the uuid is the last 36 characters.
    return path.stem[-36:]
