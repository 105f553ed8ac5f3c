"""Webhook notifications: a JSON POST (or an ntfy-style plain-text POST) when an attempt
finishes, fails, or waits for an approval. Set with `burro serve --notify URL`."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

log = logging.getLogger("burro.cloud")


@dataclass(frozen=True)
class Notifier:
    url: str
    format: str = "json"  # or "ntfy"

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

        body = self.payload(attempt, status, detail)
        try:
            async with httpx.AsyncClient(timeout=10) as client:
                if self.format == "ntfy":
                    title = f"burro task {attempt.task_id} {status.replace('_', ' ')}"
                    text = (detail or status).strip()[:1000] or status
                    await client.post(
                        self.url, content=text.encode(), headers={"Title": title, "Tags": "burro"}
                    )
                else:
                    await client.post(self.url, json=body)
        except httpx.HTTPError as exc:
            log.warning("notify webhook %s failed: %s", self.url, exc)
