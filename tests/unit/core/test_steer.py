"""Steering: user input added to the turn in flight reaches the model at that turn's
next request, is recorded at once (a crash keeps it), and is refused with a clear
reason when no turn runs or another turn than the expected one runs."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from burro.core.api import MemoryRolloutStore, SteerRefused, TaskResult
from burro.core.rollout import ItemLine, PendingInputLine, decode_lines
from burro.core.store import RolloutWriteError
from burro.protocol.events import Error, TurnAborted, TurnComplete, TurnStarted, UserMessageEvent
from burro.protocol.items import ContentPart, Message, TextPart
from burro.protocol.model import Prompt, StreamEvent
from burro.protocol.ops import Interrupt, SteerTurn
from tests.fakes.scripted import Run, ScriptedModel, gated, say, start, texts

pytestmark = pytest.mark.asyncio

STEER: list[ContentPart] = [TextPart(text="use green instead")]


@dataclass
class _Held:
    run: Run
    model: ScriptedModel
    gate: asyncio.Event
    task: asyncio.Task[TaskResult]


async def _in_flight(
    repo: Path, home: Path, *later: Any, store: MemoryRolloutStore | None = None
) -> _Held:
    """A turn in flight: the model has said something and waits for ``gate`` before
    its response ends; ``later`` answers the following requests."""
    gate = asyncio.Event()

    async def wait() -> None:
        await asyncio.wait_for(gate.wait(), 10)

    def step(_p: Prompt) -> AsyncIterator[StreamEvent]:
        return gated(say("working on it")[:2], wait, say("")[2:])

    model = ScriptedModel(step, *later)
    run = await start(repo, home, model, store=store)
    task = asyncio.create_task(run.turn("paint it orange"))
    await run.wait_for(lambda e: isinstance(e, UserMessageEvent))
    return _Held(run, model, gate, task)


async def test_steered_input_reaches_the_model_within_the_same_turn(
    repo: Path, burro_home: Path
) -> None:
    store = MemoryRolloutStore()
    held = await _in_flight(repo, burro_home, say("ok, green it is"), store=store)
    run, model = held.run, held.model
    started = run.of(TurnStarted)[0]
    turn_id = run.handle.steer(STEER, expected_turn_id=started.turn_id)
    assert turn_id == started.turn_id
    # Recorded before the model has seen it.
    assert any(isinstance(line, PendingInputLine) for line in decode_lines(store.read()))
    held.gate.set()
    result = await held.task
    await run.close()
    assert result.status == "completed" and result.last_message == "ok, green it is"
    # The second request of the same turn carries the input after the first answer.
    assert texts(model.prompts[1])[-2:] == ["working on it", "use green instead"]
    assert len(run.of(TurnStarted)) == 1
    steered = run.of(UserMessageEvent)[-1]
    assert (steered.turn_id, steered.text) == (turn_id, "use green instead")
    lines = list(decode_lines(store.read()))
    assert [type(line).__name__ for line in lines].count("PendingInputLine") == 1
    assert any(
        isinstance(line, ItemLine) and line.payload == Message(role="user", content=list(STEER))
        for line in lines
    )


async def test_steering_is_refused_with_the_wrong_turn_or_without_a_turn(
    repo: Path, burro_home: Path
) -> None:
    held = await _in_flight(repo, burro_home)
    run = held.run
    with pytest.raises(SteerRefused, match="turn_other") as wrong:
        run.handle.steer(STEER, expected_turn_id="turn_other")
    assert wrong.value.code == "turn_mismatch"
    # The same through the op: an Error event, and the turn goes on untouched.
    run.handle.submit(SteerTurn(items=STEER, expected_turn_id="turn_other"))
    err = await run.wait_for(lambda e: isinstance(e, Error))
    assert isinstance(err, Error) and err.error.code == "turn_mismatch"
    held.gate.set()
    assert (await held.task).status == "completed"
    with pytest.raises(SteerRefused, match="no turn is running") as idle:
        run.handle.steer(STEER)
    assert idle.value.code == "no_active_turn"
    await run.close()
    assert len(held.model.prompts) == 1  # nothing was added to the turn


async def test_input_accepted_before_an_interrupt_stays_in_the_history(
    repo: Path, burro_home: Path
) -> None:
    held = await _in_flight(repo, burro_home, say("next"))
    run = held.run
    turn_id = run.handle.steer(STEER)
    run.handle.submit(Interrupt())
    await run.wait_for(lambda e: isinstance(e, TurnAborted))
    await held.task
    steered = run.of(UserMessageEvent)[-1]
    assert (steered.turn_id, steered.text) == (turn_id, "use green instead")
    await run.turn("and now?")
    await run.close()
    seen = texts(held.model.prompts[-1])
    assert seen.index("use green instead") < seen.index("and now?")


async def test_steered_input_survives_a_crash(repo: Path, burro_home: Path) -> None:
    store = MemoryRolloutStore()
    held = await _in_flight(repo, burro_home, store=store)  # the gate is never opened
    held.run.handle.steer(STEER)
    snapshot = list(store.lines)  # what a kill -9 at this moment leaves behind
    held.task.cancel()
    await held.run.close()
    store.lines[:] = snapshot
    model = ScriptedModel(say("green, as asked"))
    again = await start(repo, burro_home, model, store=store, continue_pending=True)
    await again.wait_for(lambda e: isinstance(e, TurnComplete))
    await again.close()
    assert texts(model.prompts[0])[-1] == "use green instead"
    assert [e.text for e in again.of(UserMessageEvent)] == ["use green instead"]


class _FillingStore(MemoryRolloutStore):
    """A session file on a disk that fills up (and frees again) when the test says."""

    full = False

    def append(self, line: bytes) -> None:
        if self.full:
            raise RolloutWriteError("cannot write the session file: No space left on device")
        super().append(line)


async def test_a_full_disk_fails_the_turn_visibly_and_keeps_the_input(
    repo: Path, burro_home: Path
) -> None:
    store = _FillingStore()
    held = await _in_flight(repo, burro_home, say("all of it"), store=store)
    run = held.run
    store.full = True
    run.handle.steer(STEER)  # accepted: the line waits for space
    run.handle.steer([TextPart(text="and make it shiny")])
    held.gate.set()
    result = await held.task  # the turn ends (no reader is left waiting)
    assert result.status == "failed" and result.error is not None
    assert result.error.code == "rollout_write_failed"
    store.full = False
    await run.turn("go on")
    await run.close()
    seen = texts(held.model.prompts[-1])
    assert seen.index("use green instead") < seen.index("and make it shiny") < seen.index("go on")
