"""Hand a local session to the server (`burro cloud exec --from-session ID`)."""

from __future__ import annotations

from pathlib import Path

from burro.frontends.cloud.client import CloudError


def session_lines(home: Path, key: str) -> list[str]:
    """The rollout lines of a local session (id, prefix or path)."""
    from burro.core.api import CoreError, resolve_session

    try:
        path = resolve_session(home, key, cwd=None)
    except CoreError as exc:
        raise CloudError(str(exc)) from exc
    text = path.read_text(encoding="utf-8")
    return [line for line in text.splitlines() if line.strip()]
