"""The `run_turn` activity: one agent turn of one attempt, driven through core.api in a
workspace rebuilt from the store, every event, rollout line and diff streamed back."""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import json
import os
import time
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import msgspec

from burro.frontends.cloud import workspace
from burro.frontends.cloud.live import TOOL_END, LiveState
from burro.frontends.cloud.notify import Notifier
from burro.frontends.cloud.store import TaskStore
from burro.frontends.cloud.workflow import ACTIVITY_NAME, TurnInput
from burro.protocol import events as ev

FLUSH_EVERY_S = 0.25
_ENC = msgspec.json.Encoder()


class TaskError(Exception):
    """A task that cannot run (bad repository, bad config); not retried."""


class DbRolloutStore:
    """The session's rollout lives in the task store: every line is written there
    before the session goes on, so any worker can resume the session from it."""

    def __init__(self, store: TaskStore, attempt_id: str, *, count: int) -> None:
        self.store, self.attempt_id, self.count = store, attempt_id, count

    @property
    def location(self) -> str:
        return f"task-store:{self.attempt_id}"

    def append(self, line: bytes) -> None:
        text = line.decode("utf-8", "replace").rstrip("\n")
        if not text:
            return
        self.store.append_rollout(self.attempt_id, self.count, [text])
        self.count += 1

    def read(self) -> Iterator[bytes]:
        for line in self.store.rollout(self.attempt_id):
            yield line.encode() + b"\n"

    def close(self) -> None:
        pass


def turn_progress(lines: list[str], key: str, message: str) -> str:
    """Where the stored rollout says the turn ``key`` is: "new" (never started),
    "pending" (started, cut off) or "ended". Its user message carries ``key`` as its
    client id (so identical follow-ups stay apart); a rollout stored before ids were
    given is matched by the text."""
    state = "new"
    for raw in lines:
        if '"type":"event"' not in raw:
            continue
        try:
            payload = json.loads(raw).get("payload", {})
        except ValueError:
            continue
        kind = payload.get("type")
        ours = (
            payload.get("client_id") == key
            if "client_id" in payload
            else payload.get("text") == message
        )
        if kind == "user_message" and ours:
            state = "pending"
        elif state == "pending" and kind in ("turn_complete", "turn_failed", "turn_aborted"):
            state = "ended"
    return state


class TurnRunner:
    """Holds what every activity run on this worker shares."""

    def __init__(
        self,
        store: TaskStore,
        *,
        work_root: Path,
        worker_id: str,
        env: Mapping[str, str],
        notifier: Notifier | None = None,
    ) -> None:
        self.notifier = notifier
        self.store = store
        self.work_root = work_root
        self.worker_id = worker_id
        self.env = dict(env)

    # ------------------------------------------------------------ the activity
    async def run_turn(self, inp: TurnInput) -> str:
        from temporalio import activity

        store = self.store
        attempt = await store.run(store.attempt, inp.attempt_id)
        task = await store.run(store.task, attempt.task_id) if attempt else None
        turn = await store.run(store.turn, inp.attempt_id, inp.turn_key)
        if attempt is None or task is None or turn is None:
            raise TaskError(
                f"attempt {inp.attempt_id} or its turn {inp.turn_key} is not in the store"
            )
        message, turn_status = turn
        if task.cancelled or turn_status in ("done", "cancelled"):
            return attempt.status
        resuming = turn_status == "started"
        await store.run(
            store.update_attempt,
            attempt.id,
            status="running",
            worker=self.worker_id,
            started_at=attempt.started_at or time.time(),
            error=None,
        )
        seq = await store.run(store.next_seq, attempt.id)
        drive = _Drive(self, attempt.id, seq)
        heart = asyncio.create_task(_beat(drive))
        try:
            ws, home = await self._prepare(drive, task.spec, task.base_commit, attempt.id, task.id)
            lines = await store.run(store.rollout, attempt.id)
            progress = turn_progress(lines, inp.turn_key, message) if resuming else "new"
            if progress == "ended":  # the turn ended; the worker died before saying so
                outcome = await drive.settle(ws, lines)
            else:
                handle = await self._open_session(
                    drive, task.spec, ws, home, count=len(lines), resume=progress == "pending"
                )
                await store.run(store.set_turn_status, attempt.id, inp.turn_key, "started")
                text = None if progress == "pending" else message
                outcome = await drive.run(handle, ws, text, key=inp.turn_key)
        except asyncio.CancelledError:
            if activity.is_worker_shutdown():
                await store.run(store.update_attempt, attempt.id, status="queued")
                raise
            await drive.finish_cancelled(inp.turn_key)
            raise
        except workspace.WorkspaceError as exc:
            await drive.fail(str(exc))
            raise TaskError(str(exc)) from exc
        except TaskError as exc:
            await drive.fail(str(exc))
            raise
        except Exception as exc:
            # Unexpected (a bug, the database gone): stop the session so nothing runs
            # twice, and end the turn as failed; a follow-up can carry on.
            if drive.handle is not None and not drive.handle.closed:
                await drive.handle.shutdown(grace_s=10)
            message = f"the worker failed: {type(exc).__name__}: {exc}"
            with contextlib.suppress(Exception):
                await drive.fail(message)
            raise TaskError(message) from exc
        finally:
            heart.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await heart
        await store.run(store.set_turn_status, attempt.id, inp.turn_key, "done")
        return outcome

    # ------------------------------------------------------------ workspace and session
    async def _prepare(
        self, drive: _Drive, spec: dict[str, Any], base: str | None, attempt_id: str, task_id: str
    ) -> tuple[Path, Path]:
        store = self.store
        root = self.work_root / attempt_id
        ws, home, mark = root / "repo", root / "home", root / "synced"
        stored, _ = await store.run(store.diff, attempt_id)
        want = stored if stored else str(spec.get("local_diff") or "")
        digest = hashlib.sha256(want.encode()).hexdigest()
        fresh = not (ws.is_dir() and mark.exists() and mark.read_text() == digest)
        if fresh:
            commit = await asyncio.to_thread(
                _build_with_setup, ws, spec, base or spec.get("base"), want, self.env
            )
            drive.setup_output = commit[1]
            if base is None:
                await store.run(store.set_base_commit, task_id, commit[0])
            base = commit[0]
            mark.write_text(digest)
        drive.base = base or ""
        drive.mark = mark
        return ws, home

    async def _open_session(
        self,
        drive: _Drive,
        spec: dict[str, Any],
        ws: Path,
        home: Path,
        *,
        count: int,
        resume: bool,
    ) -> Any:
        from burro.config import ConfigError, load_settings
        from burro.core.api import CoreError, SessionOptions, start_session

        store = self.store
        overrides = [str(c) for c in spec.get("config") or []]
        if spec.get("effort"):
            overrides.append(f'model_reasoning_effort="{spec["effort"]}"')
        try:
            settings = load_settings(
                cwd=ws,
                env=self.env,
                overrides=overrides,
                model=spec.get("model"),
                provider=spec.get("provider"),
                sandbox_mode=spec.get("sandbox") or "workspace-write",
                approval_policy=spec.get("approval_policy") or "never",
            )
        except ConfigError as exc:
            raise TaskError(f"config: {exc}") from exc
        home.mkdir(parents=True, exist_ok=True)
        settings = msgspec.structs.replace(settings, burro_home=home)
        rollout = DbRolloutStore(store, drive.attempt_id, count=count)
        options = SessionOptions(max_turns=spec.get("max_turns"))
        try:
            handle = await start_session(
                settings, env=self.env, options=options, store=rollout, continue_pending=resume
            )
        except CoreError as exc:
            raise TaskError(str(exc)) from exc
        await store.run(store.update_attempt, drive.attempt_id, session_id=handle.session_id)
        return handle


def _build_with_setup(
    ws: Path, spec: dict[str, Any], base: str | None, diff: str, env: Mapping[str, str]
) -> tuple[str, str | None]:
    commit = workspace.build(ws, repo=str(spec["repo"]), base=base, diff="")
    script = spec.get("setup")
    if script is None and (ws / ".burro" / "setup.sh").is_file():
        script = (ws / ".burro" / "setup.sh").read_text(encoding="utf-8")
    output: str | None = None
    if script:
        code, output = workspace.run_setup(ws, str(script), env)
        if code != 0:
            raise workspace.WorkspaceError(
                f"the setup script failed with exit code {code}: {output[-2000:]}"
            )
        workspace.exclude_untracked(ws)
    if diff.strip():
        workspace.apply(ws, diff, commit)
    return commit, output


async def _beat(drive: _Drive) -> None:
    from temporalio import activity

    while True:
        activity.heartbeat()
        with contextlib.suppress(Exception):
            await drive.tick()
        await asyncio.sleep(FLUSH_EVERY_S)


class _Drive:
    """One activity run: folds events into live state and flushes them to the store."""

    def __init__(self, runner: TurnRunner, attempt_id: str, seq: int) -> None:
        self.runner = runner
        self.store = runner.store
        self.attempt_id = attempt_id
        self.seq = seq
        self.pending: list[tuple[int, str, str]] = []
        self.state = LiveState()
        self.base = ""
        self.mark: Path | None = None
        self.ws: Path | None = None
        self.handle: Any = None
        self.setup_output: str | None = None
        self._lock = asyncio.Lock()
        self._diff_due = False

    def add(self, event: Any) -> None:
        kind = str(type(event).__struct_config__.tag)
        self.pending.append((self.seq, kind, _ENC.encode(event).decode()))
        self.seq += 1
        self.state.fold(event)
        if isinstance(event, TOOL_END):
            self._diff_due = True

    async def flush(self, *, final: bool = False) -> None:
        async with self._lock:
            store, st = self.store, self.state
            if self._diff_due and self.ws is not None and self.base:
                self._diff_due = False
                text, files = await asyncio.to_thread(workspace.diff, self.ws, self.base)
                await store.run(store.put_diff, self.attempt_id, text, files)
                if self.mark is not None:
                    self.mark.write_text(hashlib.sha256(text.encode()).hexdigest())
            pending, self.pending = self.pending, []
            await store.run(store.append_events, self.attempt_id, pending)
            if st.dirty or final:
                st.dirty = False
                # A finished turn is announced only once everything after it is stored.
                status = "running" if st.turn_done and not final else st.status
                fields: dict[str, Any] = {"live": st.live(), "usage": st.usage, "status": status}
                if st.model:
                    fields.update(model=st.model, effort=st.effort)
                if st.turn_done and final:
                    fields.update(
                        last_message=st.last_message, error=st.error, finished_at=time.time()
                    )
                await store.run(store.update_attempt, self.attempt_id, **fields)

    async def tick(self) -> None:
        """Periodic: flush, and hand approvals and interrupts sent through the API to
        the session."""
        if self.handle is not None and await self.store.run(
            self.store.take_interrupt, self.attempt_id
        ):
            from burro.protocol.ops import Interrupt

            self.handle.submit(Interrupt())
        if self.handle is not None and self.state.pending_approvals:
            from burro.protocol.ops import ExecApproval, PatchApproval

            for call_id, decision in await self.store.run(
                self.store.take_approvals, self.attempt_id
            ):
                pending = self.state.pending_approvals.get(call_id)
                if pending is None:
                    continue
                op_type = ExecApproval if pending["kind"] == "exec" else PatchApproval
                self.handle.submit(op_type(call_id=call_id, decision=decision))  # type: ignore[arg-type]
                self.state.answered(call_id)
        await self.flush()

    async def run(self, handle: Any, ws: Path, message: str | None, *, key: str) -> str:
        """Drive the turn: ``message`` starts it (with the turn's ``key`` as its client
        id), None continues the one cut off."""
        from burro.protocol.items import TextPart
        from burro.protocol.ops import Shutdown, UserTurn

        self.handle, self.ws = handle, ws
        if self.setup_output is not None:
            tail = self.setup_output[-4000:].strip() or "(no output)"
            self.add(ev.Warning(message=f"setup script finished; its output:\n{tail}"))
        if message is not None:
            handle.submit(UserTurn(items=[TextPart(text=message)], client_id=key))
        async for event in handle.events():
            self.add(event)
            if isinstance(event, TOOL_END):
                await self.flush()
            if isinstance(event, ev.ExecApprovalRequest | ev.PatchApprovalRequest):
                await self.flush()
                await self._notify("waiting_approval", event.reason)
            if isinstance(event, ev.TurnComplete | ev.TurnFailed | ev.TurnAborted):
                handle.submit(Shutdown())
        await handle.wait_closed()
        self._diff_due = True
        await self.flush(final=True)
        await self._notify(self.state.status, self.state.last_message or self.state.error)
        return self.state.status

    async def settle(self, ws: Path, lines: list[str]) -> str:
        """The turn ended before the last worker stopped: fold the stored events
        into the attempt's state and store the final diff."""
        self.ws = ws
        decoder = msgspec.json.Decoder(ev.Event)
        for raw in lines:
            if '"type":"event"' not in raw:
                continue
            with contextlib.suppress(msgspec.DecodeError, ValueError):
                payload = json.loads(raw)["payload"]
                self.state.fold(decoder.decode(json.dumps(payload)))
        self._diff_due = True
        await self.flush(final=True)
        return self.state.status

    async def finish_cancelled(self, turn_key: str) -> None:
        """The user cancelled: interrupt the turn (its commands are killed), keep its events."""
        from burro.protocol.ops import Interrupt, Shutdown

        task = asyncio.current_task()
        if task is not None:
            task.uncancel()
        handle = self.handle
        if handle is not None:
            handle.submit(Interrupt())
            handle.submit(Shutdown())
            with contextlib.suppress(asyncio.TimeoutError):
                async with asyncio.timeout(15):
                    async for event in handle.events():
                        self.add(event)
            await handle.wait_closed()
        self.state.status, self.state.turn_done, self.state.dirty = "cancelled", True, True
        self.state.command = None
        self._diff_due = True
        await self.flush(final=True)
        await self.store.run(self.store.set_turn_status, self.attempt_id, turn_key, "cancelled")

    async def fail(self, message: str) -> None:
        self.state.status, self.state.error, self.state.turn_done, self.state.dirty = (
            "failed",
            message,
            True,
            True,
        )
        self.add(ev.Error(error=_error_info(message)))
        await self.flush(final=True)

    async def _notify(self, status: str, detail: str | None) -> None:
        notifier = self.runner.notifier
        if notifier is None:
            return
        attempt = await self.store.run(self.store.attempt, self.attempt_id)
        if attempt is not None:
            await notifier.send(attempt, status, detail)


def _error_info(message: str) -> Any:
    from burro.protocol.common import ErrorInfo

    return ErrorInfo(code="core", message=message)


def activity_for(runner: TurnRunner) -> Any:
    """The activity callable registered with the Temporal worker."""
    from temporalio import activity

    @activity.defn(name=ACTIVITY_NAME)
    async def run_turn(inp: TurnInput) -> str:
        return await runner.run_turn(inp)

    return run_turn


def worker_id() -> str:
    import socket

    return f"{socket.gethostname()}:{os.getpid()}"
