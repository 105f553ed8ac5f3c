"""The web routes behind the token check: the app page and its files, the session's CSRF
token, sign-out, new sign-in links, and a paged event history (the live tail comes from
the API's own event stream)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, FastAPI, HTTPException, Query, Request
from fastapi.responses import JSONResponse, Response

from burro.frontends.cloud.web.sessions import (
    CONTENT_TYPES,
    SECURITY_HEADERS,
    WebGate,
    WebSessions,
    session_cookie,
    static_bytes,
)

APP_FILES = frozenset(
    {"index.html", "app.js", "render.js", "markdown.js", "app.css", "signin.js", "icon.svg"}
)
PAGE_MAX = 2000
FAR = 1 << 62


def _static(name: str) -> Response:
    suffix = "." + name.rsplit(".", 1)[1]
    return Response(static_bytes(name), media_type=CONTENT_TYPES[suffix], headers=SECURITY_HEADERS)


def install(app: FastAPI, store: Any, token: str) -> WebSessions:
    """Adds the web routes and the session gate to the API app; returns the sessions
    (``serve`` mints the sign-in link it prints with them)."""
    sessions = WebSessions(server_token=token)
    router = APIRouter(include_in_schema=False)

    @router.get("/")
    async def index() -> Response:
        return _static("index.html")

    @router.get("/static/{name}")
    async def static(name: str) -> Response:
        if name not in APP_FILES:
            raise HTTPException(404, f"no file {name}")
        return _static(name)

    @router.get("/web/me")
    async def me(request: Request) -> JSONResponse:
        web = request.scope.get("burro.web") or {}
        return JSONResponse({"csrf": web.get("csrf")}, headers=SECURITY_HEADERS)

    @router.post("/web/sign-out")
    async def sign_out(request: Request) -> JSONResponse:
        web = request.scope.get("burro.web") or {}
        sessions.drop(web.get("sid"))
        cookie = session_cookie(request.scope, "", 0)
        return JSONResponse({"ok": True}, headers={"set-cookie": cookie, **SECURITY_HEADERS})

    @router.post("/web/sign-in-links")
    async def new_link(request: Request) -> JSONResponse:
        """A fresh one-time sign-in URL (e.g. for a phone), for a holder of the token."""
        return JSONResponse({"url": sessions.mint_link(str(request.base_url))})

    @router.get("/web/tasks/{task_id}/history")
    async def history(
        task_id: str,
        attempt: int = Query(1, ge=1),
        before: int | None = Query(None, ge=1, description="Events with a smaller seq."),
        limit: int = Query(500, ge=1, le=PAGE_MAX),
    ) -> Response:
        """One page of an attempt's events before ``before`` (default: the newest page):
        ``{"events": [...], "more": true when older events exist}``."""
        rows = await store.run(store.attempts, task_id)
        row = next((r for r in rows if r.k == attempt), None)
        if row is None:
            raise HTTPException(404, f"task {task_id} has no attempt {attempt}")
        end = before if before is not None else await store.run(store.next_seq, row.id)
        start = max(0, end - 1 - limit)
        cursor = {r.k: FAR for r in rows}
        cursor[attempt] = start
        got = await store.run(store.events_after, task_id, cursor, limit=limit)
        parts = [f'{{"attempt":{e.k},"seq":{e.seq},"event":{e.data}}}' for e in got if e.seq < end]
        more = "true" if start > 0 else "false"
        body = f'{{"more":{more},"events":[{",".join(parts)}]}}'
        return Response(body, media_type="application/json", headers=SECURITY_HEADERS)

    app.include_router(router)
    app.add_middleware(WebGate, sessions=sessions)
    app.state.web_sessions = sessions
    return sessions
