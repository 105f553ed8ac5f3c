"""Webhook notifications: a JSON POST (or an ntfy-style plain-text POST) when an attempt
finishes, fails, or waits for an approval. Configured by `[cloud.notify]` in config.toml;
`burro serve --notify URL [--notify-format F]` overrides it."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

log = logging.getLogger("burro.cloud")

# The attempt's status -> the name `on = [...]` uses for it.
KINDS = {"completed": "completed", "failed": "failed", "waiting_approval": "approval"}
ALL_KINDS = ("completed", "failed", "approval")
# ntfy's priority (1-5) and tags (emoji shortcodes) per kind.
_NTFY = {
    "completed": ("3", "white_check_mark"),
    "failed": ("4", "x"),
    "approval": ("4", "raising_hand"),
}


def redact(url: str) -> str:
    """The URL without what may be a secret (user info, path, query): ntfy topics and
    webhook tokens live there, and logs must not show them."""
    from urllib.parse import urlsplit

    try:
        parts = urlsplit(url)
        host = parts.hostname or "?"
        port = f":{parts.port}" if parts.port else ""
    except ValueError:
        return "the webhook"
    return f"{parts.scheme}://{host}{port}/…"


@dataclass(frozen=True)
class Notifier:
    url: str
    format: str = "json"  # or "ntfy"
    on: tuple[str, ...] = ALL_KINDS

    def __repr__(self) -> str:  # never the secret URL, also not in a traceback
        return f"Notifier({redact(self.url)}, format={self.format}, on={list(self.on)})"

    def wants(self, status: str) -> bool:
        return KINDS.get(status) in self.on

    def payload(self, attempt: Any, status: str, detail: str | None) -> dict[str, Any]:
        return {
            "event": f"task.{status}",
            "task_id": attempt.task_id,
            "attempt": attempt.k,
            "status": status,
            "message": detail,
        }

    async def send(self, attempt: Any, status: str, detail: str | None = None) -> None:
        import httpx

        if not self.wants(status):
            return
        try:
            async with httpx.AsyncClient(timeout=10) as client:
                if self.format == "ntfy":
                    priority, tag = _NTFY[KINDS[status]]
                    title = f"burro task {attempt.task_id} {status.replace('_', ' ')}"
                    text = (detail or status).strip()[:1000] or status
                    resp = await client.post(
                        self.url,
                        content=text.encode(),
                        headers={"Title": title, "Priority": priority, "Tags": f"burro,{tag}"},
                    )
                else:
                    resp = await client.post(self.url, json=self.payload(attempt, status, detail))
            if resp.status_code >= 400:
                log.warning("notify webhook %s answered %d", redact(self.url), resp.status_code)
        except httpx.HTTPError as exc:
            # httpx's message can carry the request URL: name the error's type only.
            log.warning("notify webhook %s failed: %s", redact(self.url), type(exc).__name__)


def resolve(
    home: Path,
    env: Mapping[str, str],
    *,
    url: str | None,
    fmt: str | None,
    fallback: Notifier | None = None,
) -> Notifier | None:
    """`--notify URL` / `--notify-format F` over `[cloud.notify]` over ``fallback``
    (a worker's: the local serve's). A bad table is a one-line ConfigError."""
    from burro.config import load_settings

    table = load_settings(cwd=home, env=env).cloud_notify
    base = Notifier(table.webhook, table.format, tuple(table.on)) if table is not None else fallback
    if url is None:
        if base is None or fmt is None:
            return base
        return Notifier(base.url, fmt, base.on)
    return Notifier(url, fmt or (base.format if base else "json"), base.on if base else ALL_KINDS)
