"""The HTTP API (FastAPI): tasks, live events over SSE, diffs, follow-ups, cancel,
approvals. Every route needs the bearer token."""

from __future__ import annotations

import asyncio
import contextlib
import hmac
import json
import os
import time
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from fastapi import Depends, FastAPI, HTTPException, Query, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from fastapi.routing import APIRoute
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from starlette.exceptions import HTTPException as StarletteHTTPException

from burro.frontends.cloud.schemas import (
    Accepted,
    ApprovalAnswer,
    AttemptView,
    ErrorBody,
    FollowUp,
    SessionExport,
    TaskCreate,
    TaskCreated,
    TaskList,
    TaskView,
    Usage,
)
from burro.frontends.cloud.store import TERMINAL, AttemptRow, TaskRow, TaskStore

ERRORS: dict[int | str, dict[str, Any]] = {
    400: {"model": ErrorBody, "description": "The body is not JSON."},
    401: {"model": ErrorBody, "description": "Missing or wrong bearer token."},
    404: {"model": ErrorBody, "description": "No such task or attempt."},
    409: {"model": ErrorBody, "description": "The task was cancelled."},
    422: {"model": ErrorBody, "description": "Bad input; the message says what to fix."},
}
USAGE_FIELDS = tuple(Usage.model_fields)


@dataclass
class ApiContext:
    store: TaskStore
    temporal: Any  # temporalio.client.Client (None only when generating the OpenAPI doc)
    token: str
    heartbeat_s: float = 30.0
    task_queue: str = "burro-tasks"


def _fail(status: int, message: str) -> HTTPException:
    return HTTPException(status_code=status, detail=message)


def create_app(ctx: ApiContext) -> FastAPI:
    bearer = HTTPBearer(auto_error=False, description="The token `burro serve` printed.")

    def auth(creds: HTTPAuthorizationCredentials | None = Depends(bearer)) -> None:  # noqa: B008
        """Declares the scheme in the OpenAPI document; _TokenGate enforces it."""

    app = FastAPI(
        title="burro task server",
        version="1",
        openapi_url=None,
        docs_url=None,
        redoc_url=None,
        dependencies=[Depends(auth)],
        responses=ERRORS,
    )

    app.add_middleware(_TokenGate, token=ctx.token)

    @app.exception_handler(StarletteHTTPException)
    async def _http_error(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        headers = dict(exc.headers or {})
        message = str(exc.detail)
        if exc.status_code == 405:
            allowed = sorted(
                m
                for r in app.routes
                if isinstance(r, APIRoute) and r.path_regex.match(request.url.path)
                for m in r.methods or ()
            )
            headers["Allow"] = ", ".join(allowed)
            message = f"{request.method} is not allowed here; use {' or '.join(allowed)}"
        elif exc.status_code == 404 and message == "Not Found":
            message = f"no route {request.url.path}; the API lives under /api/tasks"
        return JSONResponse({"error": message}, status_code=exc.status_code, headers=headers)

    @app.exception_handler(RequestValidationError)
    async def _invalid(_: Request, exc: RequestValidationError) -> JSONResponse:
        parts = []
        for err in exc.errors():
            where = ".".join(str(p) for p in err.get("loc", ()))
            parts.append(f"{where}: {err.get('msg', 'invalid')}")
        return JSONResponse({"error": "; ".join(parts) or "invalid request"}, status_code=422)

    store = ctx.store

    async def task_or_404(task_id: str) -> TaskRow:
        task = await store.run(store.task, task_id)
        if task is None:
            raise _fail(404, f"no task {task_id}; list tasks with GET /api/tasks")
        return task

    @app.post("/api/tasks", status_code=201, response_model=TaskCreated)
    async def create_task(body: TaskCreate) -> TaskCreated:
        return await new_task(ctx, body)

    @app.get("/api/tasks", response_model=TaskList)
    async def list_tasks(limit: int = Query(50, ge=1, le=500)) -> TaskList:
        rows = await store.run(store.tasks, limit)
        return TaskList(tasks=[await store.run(_view, store, t) for t in rows])

    @app.get("/api/tasks/{task_id}", response_model=TaskView)
    async def get_task(task_id: str) -> TaskView:
        return await store.run(_view, store, await task_or_404(task_id))

    @app.get(
        "/api/tasks/{task_id}/events",
        response_class=Response,
        responses={
            200: {
                "content": {"text/event-stream": {"schema": {"type": "string"}}},
                "description": "Server-sent events.",
            }
        },
    )
    async def events(
        task_id: str,
        request: Request,
        follow: bool = Query(True, description="Keep streaming until every attempt ends."),
        after: str | None = Query(None, description="Resume after this event id."),
    ) -> Any:
        from sse_starlette import EventSourceResponse

        await task_or_404(task_id)
        cursor = _parse_cursor(request.headers.get("last-event-id") or after or "")
        return EventSourceResponse(_event_stream(store, task_id, cursor, follow), ping=15)

    @app.get(
        "/api/tasks/{task_id}/diff",
        response_class=Response,
        responses={
            200: {
                "content": {"text/x-diff": {"schema": {"type": "string"}}},
                "description": "A binary git diff.",
            }
        },
    )
    async def get_diff(task_id: str, attempt: int = Query(1, ge=1)) -> Response:
        row = await _attempt(store, await task_or_404(task_id), attempt)
        text, _ = await store.run(store.diff, row.id)
        return Response(text, media_type="text/x-diff")

    @app.get("/api/tasks/{task_id}/session", response_model=SessionExport)
    async def get_session(task_id: str, attempt: int = Query(1, ge=1)) -> SessionExport:
        row = await _attempt(store, await task_or_404(task_id), attempt)
        lines = await store.run(store.rollout, row.id)
        return SessionExport(session_id=row.session_id, lines=lines)

    @app.post("/api/tasks/{task_id}/follow-ups", status_code=202, response_model=Accepted)
    async def follow_up(task_id: str, body: FollowUp) -> Accepted:
        task = await task_or_404(task_id)
        if task.cancelled:
            raise _fail(409, f"task {task_id} was cancelled; start a new task instead")
        rows = await store.run(store.attempts, task_id)
        targets = [await _attempt(store, task, body.attempt)] if body.attempt else rows
        for row in targets:
            key = "t_" + uuid.uuid4().hex[:10]
            await store.run(store.add_turn, row.id, key, body.text)
            if row.status in TERMINAL:
                await store.run(store.update_attempt, row.id, status="queued")
            await _start(ctx, row.id, None, signal_key=key)
        return Accepted(detail=f"follow-up sent to {len(targets)} attempt(s)")

    @app.post("/api/tasks/{task_id}/cancel", status_code=202, response_model=Accepted)
    async def cancel(task_id: str) -> Accepted:
        await task_or_404(task_id)
        await store.run(store.mark_cancelled, task_id)
        for row in await store.run(store.attempts, task_id):
            if row.status in TERMINAL:
                continue
            await _cancel_workflow(ctx, row.id)
            if row.status == "queued":
                await store.run(
                    store.update_attempt, row.id, status="cancelled", finished_at=time.time()
                )
        return Accepted(detail="cancelling; running commands are stopped")

    @app.post("/api/tasks/{task_id}/interrupt", status_code=202, response_model=Accepted)
    async def interrupt(task_id: str) -> Accepted:
        """Stop the turn running now (its command is killed); the task stays open for
        follow-ups."""
        rows = await store.run(store.attempts, (await task_or_404(task_id)).id)
        running = [r for r in rows if r.status in ("running", "waiting_approval")]
        for row in running:
            await store.run(store.request_interrupt, row.id)
        return Accepted(detail=f"interrupting {len(running)} attempt(s)")

    @app.post("/api/tasks/{task_id}/approvals/{call_id}", status_code=202, response_model=Accepted)
    async def approve(task_id: str, call_id: str, body: ApprovalAnswer) -> Accepted:
        task = await task_or_404(task_id)
        rows = await store.run(store.attempts, task_id)
        if body.attempt:
            rows = [await _attempt(store, task, body.attempt)]
        waiting = [
            r
            for r in rows
            if any(p.get("call_id") == call_id for p in r.live.get("pending_approvals", []))
        ]
        if not waiting:
            raise _fail(
                404,
                f"no approval {call_id} is pending; see pending_approvals in GET /api/tasks/{task_id}",
            )
        for row in waiting:
            await store.run(store.add_approval, row.id, call_id, body.decision)
        return Accepted(detail=f"{body.decision} sent")

    from burro.frontends.cloud.web.routes import install  # the browser UI (web/)

    install(app, store, ctx.token)
    return app


# ---------------------------------------------------------------- helpers
async def new_task(ctx: ApiContext, body: TaskCreate) -> TaskCreated:
    """Create a task and start its attempts (``POST /api/tasks``, and in-process callers
    of `burro serve`). Bad input raises HTTPException 422 with what to fix."""
    _check_repo(body.repo)
    _check_config(body.config)
    store = ctx.store
    task_id = "task_" + uuid.uuid4().hex[:12]
    attempt_ids = [f"{task_id}_{k}" for k in range(1, body.attempts + 1)]
    spec = body.model_dump(exclude={"session_rollout"})
    spec["branch"] = await asyncio.to_thread(_branch_of, body.repo, body.base)
    await store.run(store.create_task, task_id, spec, attempt_ids)
    if body.session_rollout:
        await store.run(_seed_rollouts, store, attempt_ids, body.session_rollout)
    for aid in attempt_ids:
        await _start(ctx, aid, "t0")
    return TaskCreated(id=task_id, attempts=attempt_ids)


class _TokenGate:
    """Checks the bearer token before anything else (routing, body parsing), so no
    request learns anything without it."""

    def __init__(self, app: Any, *, token: str) -> None:
        self.app = app
        self.token = token.encode()

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] == "websocket":  # no route takes one: refused, never unchecked
            await send({"type": "websocket.close", "code": 1008})
            return
        if scope["type"] != "http":  # lifespan
            await self.app(scope, receive, send)
            return
        header = b""
        for name, value in scope.get("headers", ()):
            if name == b"authorization":
                header = value
        scheme, _, given = header.partition(b" ")
        error = None
        if scheme.lower() != b"bearer" or not given.strip():
            error = (
                "missing bearer token: send `Authorization: Bearer <token>` "
                "(the token is in $BURRO_HOME/serve/token on the server)"
            )
        elif not hmac.compare_digest(given.strip(), self.token):
            error = "wrong token for this server; use the token printed by `burro serve`"
        if error is None:
            await self.app(scope, receive, send)
            return
        response = JSONResponse(
            {"error": error}, status_code=401, headers={"WWW-Authenticate": "Bearer"}
        )
        await response(scope, receive, send)


def _check_repo(repo: str) -> None:
    if "://" in repo or repo.startswith("git@"):
        return
    if not os.path.isabs(repo):
        raise _fail(422, f"repo {repo!r}: give an absolute path or a git URL the workers can clone")
    if not os.path.isdir(repo):
        raise _fail(
            422, f"repo {repo}: no such directory on the server; push it and pass a git URL"
        )


def _check_config(items: list[str]) -> None:
    from burro.config import ConfigError
    from burro.config.layers import parse_override

    for item in items:
        try:
            parse_override(item)
        except ConfigError as exc:
            raise _fail(422, f"config: {exc}") from exc


def _seed_rollouts(store: TaskStore, attempt_ids: list[str], lines: list[str]) -> None:
    try:
        meta = json.loads(lines[0])
        session_id = str(meta["payload"]["id"])
    except (ValueError, KeyError, TypeError, IndexError) as exc:
        raise _fail(422, "session_rollout: the first line must be the session_meta line") from exc
    for aid in attempt_ids:
        store.append_rollout(aid, 0, lines)
        store.update_attempt(aid, session_id=session_id)


async def _attempt(store: TaskStore, task: TaskRow, k: int) -> AttemptRow:
    for row in await store.run(store.attempts, task.id):
        if row.k == k:
            return row
    raise _fail(404, f"task {task.id} has no attempt {k}")


async def _start(
    ctx: ApiContext, attempt_id: str, turn_key: str | None, *, signal_key: str | None = None
) -> None:
    from burro.frontends.cloud.workflow import SIGNAL_NAME, WORKFLOW_NAME, AttemptInput

    kwargs: dict[str, Any] = {}
    if signal_key is not None:
        kwargs = {"start_signal": SIGNAL_NAME, "start_signal_args": [signal_key]}
    await ctx.temporal.start_workflow(
        WORKFLOW_NAME,
        AttemptInput(attempt_id=attempt_id, turn_key=turn_key, heartbeat_s=ctx.heartbeat_s),
        id=f"burro-attempt-{attempt_id}",
        task_queue=ctx.task_queue,
        **kwargs,
    )


async def _cancel_workflow(ctx: ApiContext, attempt_id: str) -> None:
    from temporalio.service import RPCError

    with contextlib.suppress(RPCError):  # already finished
        await ctx.temporal.get_workflow_handle(f"burro-attempt-{attempt_id}").cancel()


def _parse_cursor(text: str) -> dict[int, int]:
    cursor: dict[int, int] = {}
    for part in filter(None, text.split(",")):
        k, sep, seq = part.partition(":")
        if not sep or not k.isdigit() or not seq.isdigit():
            raise _fail(422, f"event id {text!r}: expected attempt:seq pairs like 1:5,2:7")
        cursor[int(k)] = int(seq)
    return cursor


def _cursor_text(cursor: dict[int, int]) -> str:
    return ",".join(f"{k}:{s}" for k, s in sorted(cursor.items()))


async def _event_stream(
    store: TaskStore, task_id: str, cursor: dict[int, int], follow: bool
) -> AsyncIterator[dict[str, str]]:
    cursor = dict(cursor)
    while True:
        attempts = await store.run(store.attempts, task_id)
        done = all(a.status in TERMINAL for a in attempts)
        rows = await store.run(store.events_after, task_id, cursor)
        for row in rows:
            cursor[row.k] = row.seq
            data = f'{{"attempt":{row.k},"seq":{row.seq},"event":{row.data}}}'
            yield {"id": _cursor_text(cursor), "event": row.kind, "data": data}
        if rows:
            continue
        if not follow or done:
            yield {
                "event": "end",
                "data": json.dumps(
                    {"status": _task_status(await store.run(store.task, task_id), attempts)}
                ),
            }
            return
        await asyncio.sleep(0.2)


def _task_status(task: TaskRow | None, attempts: list[AttemptRow]) -> str:
    statuses = {a.status for a in attempts}
    for status in ("waiting_approval", "running", "queued"):
        if status in statuses:
            return status
    if task is not None and task.cancelled:
        return "cancelled"
    if "completed" in statuses:
        return "completed"
    return "cancelled" if statuses == {"cancelled"} else "failed"


def _usage(raw: dict[str, Any]) -> Usage:
    return Usage(**{k: int(raw.get(k, 0) or 0) for k in USAGE_FIELDS})


def _view(store: TaskStore, task: TaskRow) -> TaskView:
    now = time.time()
    attempts = store.attempts(task.id)
    views = []
    total = Usage()
    for a in attempts:
        _, files = store.diff(a.id)
        usage = _usage(a.usage)
        total = Usage(**{k: getattr(total, k) + getattr(usage, k) for k in USAGE_FIELDS})
        wall = None
        if a.started_at:
            end = a.finished_at if a.status in TERMINAL and a.finished_at else now
            wall = round(max(0.0, end - a.started_at), 3)
        views.append(
            AttemptView(
                k=a.k,
                id=a.id,
                status=a.status,
                session_id=a.session_id,
                model=a.model,
                effort=a.effort,
                command=a.live.get("command"),
                output=a.live.get("output", ""),
                last_command=a.live.get("last_command"),
                plan=a.live.get("plan", []),
                pending_approvals=a.live.get("pending_approvals", []),
                files_changed=files,
                usage=usage,
                wall_time_s=wall,
                last_message=a.last_message,
                error=a.error,
                worker=a.worker,
            )
        )
    status = _task_status(task, attempts)
    ends = [a.finished_at for a in attempts if a.finished_at]
    end = max(ends) if status in TERMINAL and ends else now
    return TaskView(
        id=task.id,
        status=status,
        created_at=task.created_at,
        prompt=str(task.spec.get("prompt", "")),
        repo=str(task.spec.get("repo", "")),
        branch=task.spec.get("branch"),
        base_commit=task.base_commit,
        model=next((a.model for a in attempts if a.model), task.spec.get("model")),
        effort=next((a.effort for a in attempts if a.effort), task.spec.get("effort")),
        attempts=views,
        usage=total,
        wall_time_s=round(max(0.0, end - task.created_at), 3),
    )


def _branch_of(repo: str, base: str | None) -> str | None:
    """The branch a task starts from, for people reading the list: the base when it
    names a ref (not a commit id), else the branch checked out in a local repository."""
    import re

    if base and base != "HEAD" and not re.fullmatch(r"[0-9a-fA-F]{7,40}", base):
        return base
    path = Path(repo).expanduser()
    if not path.is_dir():
        return None
    from burro.core.api import branch_name

    name = branch_name(path)
    return None if name is None or re.fullmatch(r"[0-9a-f]{7,40}", name) else name


def render_openapi() -> str:
    """The OpenAPI document of the API (checked in as schema/cloud-openapi.json)."""
    app = create_app(ApiContext(store=None, temporal=None, token=""))  # type: ignore[arg-type]
    return json.dumps(app.openapi(), indent=2, sort_keys=True) + "\n"
