"""A scripted in-process model (the ModelClient seam) and a small harness to drive a
real session with it: no HTTP, no subprocess for the model, one turn in milliseconds."""

from __future__ import annotations

import asyncio
import itertools
import json
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from burro.config import Settings, load_settings
from burro.core.api import (
    MemoryRolloutStore,
    RolloutStore,
    SessionHandle,
    SessionOptions,
    TaskResult,
    start_session,
)
from burro.protocol.common import TokenUsage
from burro.protocol.events import Event, EventEnvelope
from burro.protocol.items import FunctionCall, Message, TextPart
from burro.protocol.model import Completed, ItemDone, Prompt, StreamEvent, TextDelta
from burro.protocol.ops import UserTurn

_ids = itertools.count(1)

# A step: a list of stream events, or a coroutine function of the prompt that yields them
# (to wait on something, or to raise in the middle of a stream).
Step = Sequence[StreamEvent] | Callable[[Prompt], AsyncIterator[StreamEvent]]


def _item_id() -> str:
    return f"it_{next(_ids)}"


def say(text: str, *, usage: TokenUsage | None = None) -> list[StreamEvent]:
    iid = _item_id()
    msg = Message(role="assistant", content=[TextPart(text=text)])
    return [
        TextDelta(item_id=iid, delta=text),
        ItemDone(item_id=iid, item=msg),
        Completed(usage=usage or TokenUsage(input_tokens=100, output_tokens=10, total_tokens=110)),
    ]


def call_item(name: str, args: dict[str, Any], *, call_id: str | None = None) -> ItemDone:
    cid = call_id or f"call_{next(_ids)}"
    return ItemDone(
        item_id=_item_id(),
        item=FunctionCall(call_id=cid, name=name, arguments=json.dumps(args)),
    )


def calls(*specs: tuple[str, dict[str, Any]]) -> list[StreamEvent]:
    """One response with these tool calls, in order."""
    return [*(call_item(n, a) for n, a in specs), Completed(usage=TokenUsage(total_tokens=50))]


class ScriptedModel:
    """Plays ``steps`` in order, one per request, and records every prompt."""

    def __init__(self, *steps: Step) -> None:
        self.steps: list[Step] = list(steps)
        self.prompts: list[Prompt] = []
        self.closed = False

    def add(self, *steps: Step) -> None:
        self.steps.extend(steps)

    async def stream(self, prompt: Prompt) -> AsyncIterator[StreamEvent]:
        self.prompts.append(prompt)
        if not self.steps:
            raise AssertionError(f"the script has no step for request {len(self.prompts)}")
        step = self.steps.pop(0)
        if callable(step):
            async for ev in step(prompt):
                yield ev
        else:
            for ev in step:
                yield ev

    async def aclose(self) -> None:
        self.closed = True


def texts(prompt: Prompt) -> list[str]:
    """Every message text of a prompt, in order."""
    return [i.text() for i in prompt.items if isinstance(i, Message)]


@dataclass
class Run:
    """A session driven by a scripted model, with every event it published."""

    handle: SessionHandle
    model: ScriptedModel
    store: RolloutStore
    events: list[EventEnvelope] = field(default_factory=list)
    _pump: asyncio.Task[None] | None = None

    def of(self, kind: type[Any]) -> list[Any]:
        return [e.event for e in self.events if isinstance(e.event, kind)]

    async def turn(self, text: str, *, timeout: float = 20.0) -> TaskResult:
        return await asyncio.wait_for(
            self.handle.run_turn(UserTurn(items=[TextPart(text=text)])), timeout
        )

    async def wait_for(self, pred: Callable[[Event], bool], *, timeout: float = 20.0) -> Event:
        async def scan() -> Event:
            seen = 0
            while True:
                for env in self.events[seen:]:
                    if pred(env.event):
                        return env.event
                seen = len(self.events)
                await asyncio.sleep(0.01)

        return await asyncio.wait_for(scan(), timeout)

    async def close(self) -> None:
        await self.handle.shutdown(grace_s=10)
        if self._pump is not None:
            await asyncio.wait_for(self._pump, 5)


def settings_for(
    cwd: Path, home: Path, *, sandbox: str = "danger-full-access", **kw: Any
) -> Settings:
    return load_settings(
        cwd=cwd,
        env={"BURRO_HOME": str(home), "OPENAI_API_KEY": "test"},
        sandbox_mode=sandbox,  # type: ignore[arg-type]
        approval_policy=kw.pop("approval_policy", "never"),
        **kw,
    )


async def start(
    cwd: Path,
    home: Path,
    model: ScriptedModel,
    *,
    store: RolloutStore | None = None,
    settings: Settings | None = None,
    options: SessionOptions | None = None,
    env: dict[str, str] | None = None,
    **kw: Any,
) -> Run:
    store = store if store is not None else MemoryRolloutStore()
    handle = await start_session(
        settings or settings_for(cwd, home),
        env=env or {"PATH": "/usr/bin:/bin", "HOME": str(home), "OPENAI_API_KEY": "test"},
        options=options,
        client=model,
        store=store,
        **kw,
    )
    run = Run(handle=handle, model=model, store=store)

    async def pump() -> None:
        async for env_ in handle.subscribe(after=handle.first_seq - 1):
            run.events.append(env_)

    run._pump = asyncio.create_task(pump())
    await asyncio.sleep(0)
    return run


async def gated(
    before: Sequence[StreamEvent],
    gate: Callable[[], Awaitable[None]],
    after: Sequence[StreamEvent],
) -> AsyncIterator[StreamEvent]:
    """Yield ``before``, wait for ``gate`` (bounded by the test's timeout), then ``after``."""
    for ev in before:
        yield ev
    await gate()
    for ev in after:
        yield ev


class ProbeTool:
    """A read-only test tool (the session's own tool seam). ``wait_for`` names another
    probe that must have run before this one returns (bounded): it proves overlap."""

    parallel_safe = True
    self_reporting = False
    shell_like = False
    patch_like = False

    def command(self, payload: str) -> None:
        return None

    def __init__(self, name: str, board: dict[str, asyncio.Event]) -> None:
        self.name = name
        self._board = board
        board.setdefault(name, asyncio.Event())

    def spec(self, *, freeform: bool) -> Any:
        from burro.protocol.tools import ToolSpec

        return ToolSpec(
            name=self.name,
            description="test probe",
            parameters={"type": "object", "properties": {"wait_for": {"type": "string"}}},
        )

    async def run(self, payload: str, ctx: Any) -> Any:
        from burro.tools import ToolResult

        args = json.loads(payload or "{}")
        other = args.get("wait_for")
        note = "alone"
        if other:
            try:
                await asyncio.wait_for(self._board.setdefault(other, asyncio.Event()).wait(), 5)
                note = f"overlapped {other}"
            except TimeoutError:
                note = f"{other} never ran meanwhile"
        self._board[self.name].set()
        return ToolResult(output=f"{self.name}: {note}")
