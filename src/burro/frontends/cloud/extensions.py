"""The seam through which `burro serve` hosts another front end (the GitHub bot): its
routes under a path prefix, outside the task API's token gate because they authenticate
on their own (a webhook's signature), a background service run while the server runs,
and a way to start tasks in-process (no HTTP hop to itself)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Coroutine
from dataclasses import dataclass
from typing import Any

# (prompt, repository, base commit) -> the new task's id; ValueError for bad input.
StartTask = Callable[[str, str, str], Awaitable[str]]


@dataclass(kw_only=True)
class Extension:
    """``app`` answers every HTTP request whose path is ``prefix`` or below it (and
    nothing else reaches it); ``run`` is awaited for as long as the server runs and
    cancelled when it stops; ``close`` is called last."""

    prefix: str
    app: Any
    run: Callable[[], Coroutine[Any, Any, None]] | None = None
    close: Callable[[], None] | None = None


# Built once the task store and Temporal are up, given the in-process task starter.
ExtensionFactory = Callable[[StartTask], Extension]


class Dispatch:
    """The server's ASGI app: an extension's prefix goes to the extension, everything
    else to the task API (behind its token and web-session gates)."""

    def __init__(self, api: Any, extensions: list[Extension]) -> None:
        self.api = api
        self.extensions = extensions

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] == "http":
            path: str = scope.get("path", "")
            for ext in self.extensions:
                if path == ext.prefix or path.startswith(ext.prefix.rstrip("/") + "/"):
                    await ext.app(scope, receive, send)
                    return
        await self.api(scope, receive, send)


def task_starter(ctx: Any) -> StartTask:
    """Start tasks on this server directly (``ctx`` is the API's ApiContext)."""

    async def start(prompt: str, repo: str, base: str) -> str:
        from fastapi import HTTPException
        from pydantic import ValidationError

        from burro.frontends.cloud.api import new_task
        from burro.frontends.cloud.schemas import TaskCreate

        try:
            body = TaskCreate.model_validate({"prompt": prompt, "repo": repo, "base": base})
            created = await new_task(ctx, body)
        except (HTTPException, ValidationError) as exc:
            detail = exc.detail if isinstance(exc, HTTPException) else str(exc)
            raise ValueError(f"the task was refused: {detail}") from exc
        return created.id

    return start
