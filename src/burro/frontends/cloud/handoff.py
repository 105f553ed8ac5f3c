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


def save_pulled_session(home: Path, lines: list[str], *, cwd: Path) -> tuple[str, Path]:
    """Write a task's rollout as a local session (its directory: ``cwd``); (id, path)."""
    import datetime as dt
    import json

    if not lines:
        raise CloudError("the task has no session yet (it has not started)")
    try:
        meta = json.loads(lines[0])
        session_id = str(meta["payload"]["id"])
        meta["payload"]["cwd"] = str(cwd)
    except (ValueError, KeyError, TypeError) as exc:
        raise CloudError("the task's session does not start with its meta line") from exc
    now = dt.datetime.now()
    path = (
        home
        / "sessions"
        / now.strftime("%Y/%m/%d")
        / f"rollout-{now.strftime('%Y-%m-%dT%H-%M-%S')}-{session_id}.jsonl"
    )
    if any((home / "sessions").rglob(f"rollout-*-{session_id}.jsonl")):
        raise CloudError(
            f"session {session_id} is already here; continue it with `burro resume {session_id}`"
        )
    path.parent.mkdir(parents=True, exist_ok=True)
    body = [json.dumps(meta, separators=(",", ":")), *lines[1:]]
    path.write_text("".join(line + "\n" for line in body), encoding="utf-8")
    path.chmod(0o600)
    return session_id, path
