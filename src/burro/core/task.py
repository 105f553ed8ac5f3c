"""``run_task``: the one drive loop (a prompt driven to the end of its turn) that exec,
the MCP server and background workers share."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence

from burro.config import Settings
from burro.core.handle import SessionHandle, TaskResult
from burro.core.launch import start_session
from burro.core.state import SessionOptions
from burro.core.store import RolloutStore
from burro.models import ModelClient
from burro.protocol.events import EventEnvelope, ShutdownComplete
from burro.protocol.ops import Shutdown, UserTurn
from burro.tools import Tool


async def run_task(
    settings: Settings,
    op: UserTurn | None,
    *,
    on_event: Callable[[EventEnvelope], None] | None = None,
    on_start: Callable[[SessionHandle], None] | None = None,
    env: Mapping[str, str] | None = None,
    options: SessionOptions | None = None,
    resume: str | None = None,
    continue_pending: bool = False,
    client: ModelClient | None = None,
    store: RolloutStore | None = None,
    instructions: str | None = None,
    tools: Sequence[str | Tool] | None = None,
    shutdown_grace_s: float = 10.0,
) -> TaskResult:
    """Start (or resume) a session, run ``op`` to the end of its turn, shut down.

    ``op`` None with ``continue_pending`` finishes a turn that was cut off. ``on_event``
    sees every event of the run, from SessionConfigured to ShutdownComplete; ``on_start``
    gets the handle first (to wire signals: submit Interrupt or Shutdown)."""
    handle = await start_session(
        settings,
        env=env,
        options=options,
        resume=resume,
        continue_pending=continue_pending,
        client=client,
        store=store,
        instructions=instructions,
        tools=tools,
    )
    if on_start is not None:
        on_start(handle)
    stream = handle.subscribe(after=handle.first_seq - 1)
    if op is not None:
        handle.submit(op)
    result: TaskResult | None = None
    try:
        async for envelope in stream:
            if on_event is not None:
                on_event(envelope)
            if result is None:
                result = handle.outcome(envelope.event)
                if result is not None and not isinstance(envelope.event, ShutdownComplete):
                    handle.submit(Shutdown())
            if isinstance(envelope.event, ShutdownComplete):
                break
    finally:
        await handle.shutdown(grace_s=shutdown_grace_s)
    return result or handle.outcome(ShutdownComplete())  # type: ignore[return-value]
