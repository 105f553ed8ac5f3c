"""Archiving and deleting saved sessions."""

from __future__ import annotations

import os
from pathlib import Path

from burro.core.errors import CoreError
from burro.core.sessions import find_session


def archive_session(home: Path, key: str) -> Path:
    """Move a session out of the listings (kept under ``archived_sessions/``); returns
    its new path. Archived sessions can still be resumed by path."""
    path = find_session(home, key)
    dest = home / "archived_sessions" / path.name
    try:
        dest.parent.mkdir(parents=True, exist_ok=True)
        os.replace(path, dest)
    except OSError as exc:
        raise CoreError(f"cannot archive {path}: {exc.strerror or exc}") from exc
    return dest


def delete_session(home: Path, key: str) -> Path:
    """Delete a session file for good; returns the path it had."""
    path = find_session(home, key)
    try:
        path.unlink()
    except OSError as exc:
        raise CoreError(f"cannot delete {path}: {exc.strerror or exc}") from exc
    return path
