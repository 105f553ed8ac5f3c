"""`[notify]` webhooks: a JSON POST (or an ntfy-style plain-text POST) when an attempt
finishes, fails, or waits for an approval."""

from __future__ import annotations

import logging
import tomllib
from collections.abc import Mapping
from typing import Any

from burro.frontends.cloud.store import TaskStore

log = logging.getLogger("burro.cloud")


def notify_config(env: Mapping[str, str]) -> dict[str, Any]:
    from burro.config import burro_home

    try:
        with (burro_home(env) / "config.toml").open("rb") as fh:
            table = tomllib.load(fh).get("notify")
    except (OSError, tomllib.TOMLDecodeError):
        return {}
    return table if isinstance(table, dict) else {}


async def notify(env: Mapping[str, str], store: TaskStore, attempt_id: str, status: str) -> None:
    cfg = notify_config(env)
    url = cfg.get("webhook")
    if not isinstance(url, str) or not url:
        return
    attempt = await store.run(store.attempt, attempt_id)
    if attempt is None:
        return
    payload = {
        "event": f"task.{status}",
        "task_id": attempt.task_id,
        "attempt": attempt.k,
        "status": status,
        "last_message": attempt.last_message,
        "error": attempt.error,
    }
    import httpx

    try:
        async with httpx.AsyncClient(timeout=10) as client:
            if cfg.get("format") == "ntfy":
                text = attempt.last_message or attempt.error or status
                await client.post(
                    url,
                    content=text.encode(),
                    headers={"Title": f"burro task {attempt.task_id} {status}"},
                )
            else:
                await client.post(url, json=payload)
    except httpx.HTTPError as exc:
        log.warning("notify webhook %s failed: %s", url, exc)
