"""A task's attempt on a `burro serve`, seen as a session (``burro.protocol.session.
SessionPort``): what the terminal UI drives for `burro cloud attach ID`.

Events: the attempt's stored events first, then the live ones over SSE, resumed with
`Last-Event-ID` after a dropped connection (no gap, no repeat). A task whose turns have
all ended is followed again as soon as a follow-up starts one. Ops become API calls:
a user turn is a follow-up, an interrupt stops the running turn, approval decisions
answer `POST …/approvals/{call_id}`, shutdown detaches (the task keeps running)."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from typing import TYPE_CHECKING, Any

import msgspec

from burro.frontends.cloud.client import Api, CloudError, error_text, events_request
from burro.protocol import events as ev
from burro.protocol.common import ErrorInfo
from burro.protocol.mcp import McpServerStatus
from burro.protocol.ops import ExecApproval, Interrupt, Op, PatchApproval, Shutdown, UserTurn

if TYPE_CHECKING:
    from burro.protocol.session import SessionPort

APPROVALS = (ev.ExecApprovalRequest, ev.PatchApprovalRequest)


class _Row(msgspec.Struct):
    """One SSE data line of `GET /api/tasks/{id}/events`."""

    attempt: int
    seq: int
    event: ev.Event


class RemoteSession:
    """``connect`` checks the task exists (a CloudError says what is wrong)."""

    rollout_path: str | None = None  # the rollout lives in the server's store

    def __init__(self, api: Api, task_id: str, view: dict[str, Any], *, attempt: int = 1) -> None:
        self.api, self.task_id, self.attempt, self.view = api, task_id, attempt, view
        mine = [a for a in view.get("attempts", []) if a.get("k") == attempt]
        self.session_id: str = (mine[0].get("session_id") if mine else None) or task_id
        self.retry_s = 1.0  # wait before reconnecting (after an error or the turns' end)
        self._queue: asyncio.Queue[ev.Event | None] = asyncio.Queue()
        self._cursor = ""  # the last SSE id seen (a cursor over every attempt)
        self._kick = asyncio.Event()  # a follow-up was sent: reconnect now
        self._closed = asyncio.Event()
        self._reader: asyncio.Task[None] | None = None
        self._calls: set[asyncio.Task[None]] = set()
        self._configured = False

    @classmethod
    def connect(cls, api: Api, task_id: str, *, attempt: int = 1) -> RemoteSession:
        view: dict[str, Any] = api.call("GET", f"/api/tasks/{task_id}").json()
        count = len(view.get("attempts", []))
        if not 1 <= attempt <= count:
            raise CloudError(f"task {task_id} has {count} attempt(s); pass --attempt 1..{count}")
        return cls(api, task_id, view, attempt=attempt)

    def intro(self) -> str:
        """One line for the top of the transcript."""
        count = len(self.view.get("attempts", []))
        which = f", attempt {self.attempt} of {count}" if count > 1 else ""
        base = (self.view.get("base") or "")[:8]
        repo = self.view.get("repo") or ""
        return (
            f"• attached to task {self.task_id} ({repo}{'@' + base if base else ''}{which}) on "
            f"{self.api.url}: type a follow-up; esc interrupts the turn; ctrl+c twice "
            "detaches (the task keeps running)"
        )

    # ------------------------------------------------------------ SessionPort
    def mcp_servers(self) -> list[McpServerStatus]:
        return []

    async def events(self) -> AsyncIterator[ev.Event]:
        if self._reader is None:
            self._reader = asyncio.create_task(self._read(), name="burro-attach-events")
        while (event := await self._queue.get()) is not None:
            yield event

    def submit(self, op: Op) -> None:
        if isinstance(op, Shutdown):
            self._close()
        elif isinstance(op, UserTurn):
            self._call(self._follow_up(op))
        elif isinstance(op, Interrupt):
            self._call(self._post(f"/api/tasks/{self.task_id}/interrupt", None, "interrupt"))
        elif isinstance(op, ExecApproval | PatchApproval):
            body = {"decision": op.decision, "attempt": self.attempt}
            path = f"/api/tasks/{self.task_id}/approvals/{op.call_id}"
            self._call(self._post(path, body, "the approval"))
        else:
            name = type(op).__name__
            self._warn(f"{name} is not available for a task on a server; it was not sent")

    async def wait_closed(self) -> None:
        await self._closed.wait()

    async def shutdown(self, *, grace_s: float = 10.0) -> bool:
        self._close()
        calls = list(self._calls)
        if calls:  # an answer or follow-up on its way still gets there
            await asyncio.wait(calls, timeout=grace_s)
        return True

    # ------------------------------------------------------------ events
    async def _read(self) -> None:
        import httpx

        warned = False
        try:
            await self._replay()
            while True:
                self._kick.clear()  # a follow-up sent from now on reconnects at once
                try:
                    await self._stream(follow=True, out=None)
                    warned = False
                except (httpx.HTTPError, CloudError) as exc:
                    if not warned:  # once per outage; the stream resumes where it was
                        why = str(exc) or type(exc).__name__
                        self._warn(f"lost the connection to {self.api.url} ({why}); retrying…")
                        warned = True
                # Every turn has ended (or the connection dropped): look again soon, at
                # once when this window sends a follow-up.
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._kick.wait(), timeout=self.retry_s)
        except CloudError as exc:
            self._queue.put_nowait(
                ev.Error(error=ErrorInfo(code="connection", message=f"cannot follow: {exc}"))
            )

    async def _replay(self) -> None:
        """Stored events up to now. An approval request is shown only if the server
        still waits for it (one answered meanwhile must not open a dialog)."""
        import httpx

        rows: list[ev.Event] = []
        while True:
            try:
                await self._stream(follow=False, out=rows)
                break
            except httpx.HTTPError:
                await asyncio.sleep(self.retry_s)
        try:
            view = await self._get_view()
            pending = {
                p["call_id"]
                for a in view.get("attempts", [])
                if a.get("k") == self.attempt
                for p in a.get("pending_approvals", [])
            }
        except httpx.HTTPError:  # judge from the events: no answer, no end of turn since
            pending = _unanswered(rows)
        for event in rows:
            if not isinstance(event, APPROVALS) or event.call_id in pending:
                self._emit(event)

    async def _stream(self, *, follow: bool, out: list[ev.Event] | None) -> None:
        from httpx_sse import aconnect_sse

        request = events_request(self.task_id, follow=follow, last=self._cursor)
        async with (
            self._client(timeout=None) as client,
            aconnect_sse(client, **request) as source,
        ):
            if source.response.status_code >= 400:
                await source.response.aread()
                raise CloudError(error_text(source.response))
            async for sse in source.aiter_sse():
                if sse.event == "end":
                    return
                try:
                    row = msgspec.json.decode(sse.data, type=_Row)
                except msgspec.ValidationError:
                    row = None  # an event this client does not know (a newer server)
                if sse.id:
                    self._cursor = sse.id
                if row is None or row.attempt != self.attempt:
                    continue
                if out is not None:
                    out.append(row.event)
                else:
                    self._emit(row.event)

    def _emit(self, event: ev.Event) -> None:
        """Each turn on the server runs in a session resumed from the store: its
        SessionConfigured and ShutdownComplete are that run's, not this window's."""
        if isinstance(event, ev.ShutdownComplete):
            return
        if isinstance(event, ev.SessionConfigured):
            if self._configured:
                return
            self._configured = True
            self.session_id = event.session_id
            event = msgspec.structs.replace(event, resumed=False)
        self._queue.put_nowait(event)

    def _warn(self, message: str) -> None:
        self._queue.put_nowait(ev.Warning(message=message))

    def _close(self) -> None:
        if self._closed.is_set():
            return
        self._closed.set()
        if self._reader is not None:
            self._reader.cancel()
        self._queue.put_nowait(ev.ShutdownComplete())
        self._queue.put_nowait(None)

    # ------------------------------------------------------------ ops
    def _client(self, *, timeout: float | None = 30) -> Any:
        import httpx

        return httpx.AsyncClient(
            base_url=self.api.url,
            headers={"authorization": f"Bearer {self.api.token}"},
            timeout=timeout,
        )

    def _call(self, coro: Any) -> None:
        task = asyncio.get_running_loop().create_task(coro)
        self._calls.add(task)
        task.add_done_callback(self._calls.discard)

    async def _get_view(self) -> dict[str, Any]:
        async with self._client() as client:
            resp = await client.get(f"/api/tasks/{self.task_id}")
        if resp.status_code >= 400:
            raise CloudError(error_text(resp))
        self.view = resp.json()
        return self.view

    async def _post(self, path: str, body: dict[str, Any] | None, what: str) -> bool:
        import httpx

        try:
            async with self._client() as client:
                resp = await client.post(path, json=body)
        except httpx.HTTPError as exc:
            self._warn(f"{what} was not sent: cannot reach {self.api.url} ({exc})")
            return False
        if resp.status_code >= 400:
            self._warn(f"{what} was not sent: {error_text(resp)}")
            return False
        return True

    async def _follow_up(self, op: UserTurn) -> None:
        from burro.protocol.items import TextPart

        texts = [p.text for p in op.items if isinstance(p, TextPart)]
        if len(texts) != len(op.items):
            self._warn("images are not sent to a task on a server; only the text is")
        text = "\n\n".join(texts).strip()
        body = {"text": text, "attempt": self.attempt}
        if not text or not await self._post(
            f"/api/tasks/{self.task_id}/follow-ups", body, "the follow-up"
        ):
            # The window started its activity line for this message: end that turn.
            message = "a task on a server takes text follow-ups only" if not text else ""
            self._queue.put_nowait(
                ev.TurnFailed(
                    turn_id="",
                    error=ErrorInfo(code="connection", message=message or "follow-up not sent"),
                )
            )
            return
        self._kick.set()


def _unanswered(rows: list[ev.Event]) -> set[str]:
    waiting: set[str] = set()
    for event in rows:
        if isinstance(event, APPROVALS):
            waiting.add(event.call_id)
        elif isinstance(event, ev.TurnComplete | ev.TurnAborted | ev.TurnFailed):
            waiting.clear()
        else:
            waiting.discard(getattr(event, "call_id", ""))
    return waiting


if TYPE_CHECKING:

    def _is_a_session_port(session: RemoteSession) -> SessionPort:
        return session  # mypy checks RemoteSession against the Protocol
