"""Hand a local session to the server (`burro cloud exec --from-session ID`, and the
UI's `/cloud`), and bring a task's session back (`burro cloud pull`)."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from burro.frontends.cloud.client import Api, CloudError


def hand_over(api: Api, home: Path, *, session: str | None, spec: dict[str, Any]) -> str:
    """Submit ``spec`` (see client.task_spec), carrying the local session's rollout when
    ``session`` names one; the task id."""
    if session:
        spec["session_rollout"] = session_lines(home, session)
    return str(api.call("POST", "/api/tasks", json=spec).json()["id"])


def hand_over_checkout(
    home: Path, env: Mapping[str, str], *, session: str | None, cwd: Path, prompt: str
) -> str:
    """`/cloud`: this checkout at HEAD plus its uncommitted changes, and the session, to
    the server `burro cloud` would use (BURRO_SERVER, or this machine's serve)."""
    from burro.frontends.cloud.client import task_spec

    api = Api.locate(None, home, env)
    spec = task_spec(prompt=prompt, repo=None, base=None, from_local=True, cwd=cwd)
    return hand_over(api, home, session=session, spec=spec)


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
