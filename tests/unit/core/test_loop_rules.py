"""The loop's rules (DESIGN.md §4), each checked through a scripted in-process model."""

from __future__ import annotations

import asyncio
import itertools
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from burro.protocol.events import (
    ExecCommandBegin,
    ToolCallEnd,
    TurnAborted,
    TurnStarted,
)
from burro.protocol.items import FunctionCall, FunctionCallOutput, TextPart
from burro.protocol.model import Completed, ItemDone, Prompt, StreamEvent
from burro.protocol.ops import Interrupt, OverrideTurnContext, UserTurn
from tests.fakes.scripted import (
    ProbeTool,
    ScriptedModel,
    call_item,
    calls,
    say,
    start,
    texts,
)

pytestmark = pytest.mark.asyncio


def _outputs(prompt: Prompt) -> list[FunctionCallOutput]:
    return [i for i in prompt.items if isinstance(i, FunctionCallOutput)]


def _calls(prompt: Prompt) -> list[FunctionCall]:
    return [i for i in prompt.items if isinstance(i, FunctionCall)]


async def test_requests_are_append_only_and_tools_stable(repo: Path, burro_home: Path) -> None:
    model = ScriptedModel(
        calls(("shell", {"command": ["echo", "one"]})),
        say("first done"),
        say("second done"),
    )
    run = await start(repo, burro_home, model)
    await run.turn("first")
    run.handle.submit(OverrideTurnContext(approval_policy="on-request"))
    await run.turn("second")
    await run.close()
    p = model.prompts
    assert len(p) == 3
    for earlier, later in itertools.pairwise(p):
        assert later.items[: len(earlier.items)] == earlier.items  # history never rewritten
        assert [t.name for t in later.tools] == [t.name for t in earlier.tools]
        assert later.instructions == earlier.instructions
    # The permission change reached the model as a new message, after the old history.
    added = texts(p[2])[len(texts(p[1])) :]
    assert any("on-request" in t for t in added)


async def test_tool_call_starts_before_the_stream_ends(repo: Path, burro_home: Path) -> None:
    marker = repo / "started"

    async def step(_prompt: Prompt) -> AsyncIterator[StreamEvent]:
        yield call_item("shell", {"command": ["touch", str(marker)]})
        for _ in range(500):  # the stream stays open until the tool has run
            if marker.exists():
                break
            await asyncio.sleep(0.01)
        yield Completed()

    run = await start(repo, burro_home, ScriptedModel(step, say("ok")))
    result = await run.turn("go")
    await run.close()
    assert result.status == "completed"
    assert marker.exists()
    assert len(run.model.prompts) == 2


async def test_read_only_calls_overlap(repo: Path, burro_home: Path) -> None:
    board: dict[str, asyncio.Event] = {}
    probes = [ProbeTool("probe_a", board), ProbeTool("probe_b", board)]
    # probe_a only returns once probe_b has run: possible only when they overlap.
    model = ScriptedModel(
        calls(("probe_a", {"wait_for": "probe_b"}), ("probe_b", {})),
        say("read"),
    )
    run = await start(repo, burro_home, model, tools=probes)
    await run.turn("read both")
    await run.close()
    outs = [o.output for o in _outputs(model.prompts[1])]
    assert outs == ["probe_a: overlapped probe_b", "probe_b: alone"]


async def test_mutating_calls_run_in_call_order(repo: Path, burro_home: Path) -> None:
    log = repo / "log"
    model = ScriptedModel(
        calls(
            ("shell", {"command": ["bash", "-c", f"sleep 0.3; echo first >> {log}"]}),
            ("shell", {"command": ["bash", "-c", f"echo second >> {log}"]}),
        ),
        say("done"),
    )
    run = await start(repo, burro_home, model)
    await run.turn("write")
    await run.close()
    assert log.read_text().split() == ["first", "second"]
    begins = [e.event for e in run.events if isinstance(e.event, ExecCommandBegin)]
    assert len(begins) == 2


async def test_outputs_recorded_in_call_order(repo: Path, burro_home: Path) -> None:
    board: dict[str, asyncio.Event] = {}
    probes = [ProbeTool("slow", board), ProbeTool("fast", board)]
    model = ScriptedModel(calls(("slow", {"wait_for": "fast"}), ("fast", {})), say("done"))
    run = await start(repo, burro_home, model, tools=probes)
    await run.turn("look")
    await run.close()
    second = model.prompts[1]
    order = [c.call_id for c in _calls(second)]
    assert [o.call_id for o in _outputs(second)] == order
    ends = [e.event.call_id for e in run.events if isinstance(e.event, ToolCallEnd)]
    assert ends == [order[1], order[0]]  # fast finished first, yet its output comes second


async def test_input_during_a_turn_joins_it(repo: Path, burro_home: Path) -> None:
    gate = asyncio.Event()

    async def slow(_p: Prompt) -> AsyncIterator[StreamEvent]:
        yield call_item("shell", {"command": ["true"]})
        await asyncio.wait_for(gate.wait(), 10)
        yield Completed()

    model = ScriptedModel(slow, say("saw both"))
    run = await start(repo, burro_home, model)
    task = asyncio.create_task(run.turn("first"))
    await run.wait_for(lambda e: isinstance(e, ExecCommandBegin))
    run.handle.submit(UserTurn(items=[TextPart(text="also this")]))
    await asyncio.sleep(0.05)
    gate.set()
    result = await task
    await run.close()
    assert result.status == "completed"
    assert len(run.of(TurnStarted)) == 1  # no second turn, no interruption
    assert not run.of(TurnAborted)
    assert texts(model.prompts[1])[-1] == "also this"


async def test_interrupt_note_reaches_the_model(repo: Path, burro_home: Path) -> None:
    model = ScriptedModel(calls(("shell", {"command": ["sleep", "30"]})), say("after"))
    run = await start(repo, burro_home, model)
    task = asyncio.create_task(run.turn("sleep"))
    await run.wait_for(lambda e: isinstance(e, ExecCommandBegin))
    run.handle.submit(Interrupt())
    result = await task
    assert result.status == "interrupted"
    await run.turn("next")
    await run.close()
    last = model.prompts[-1]
    out = _outputs(last)
    assert out and out[0].success is False  # the killed command is reported, not lost
    assert any("<turn_aborted>" in t for t in texts(last))


async def test_a_turn_that_raises_fails_and_the_session_stays_usable(
    repo: Path, burro_home: Path
) -> None:
    async def broken(_p: Prompt) -> AsyncIterator[StreamEvent]:
        yield call_item("shell", {"command": ["true"]})
        raise RuntimeError("odd shape from the provider")

    model = ScriptedModel(broken, say("fine again"))
    run = await start(repo, burro_home, model)
    failed = await run.turn("one")
    assert failed.status == "failed" and failed.error is not None
    assert failed.error.code == "internal" and "odd shape" in failed.error.message
    ok = await run.turn("two")
    await run.close()
    assert ok.status == "completed" and ok.last_message == "fine again"


async def test_empty_reply_is_retried_once_then_fails(repo: Path, burro_home: Path) -> None:
    model = ScriptedModel([Completed()], [Completed()])
    run = await start(repo, burro_home, model)
    result = await run.turn("hello")
    await run.close()
    assert result.status == "failed" and result.error is not None
    assert result.error.code == "empty_response"
    assert len(model.prompts) == 2


async def test_empty_reply_then_answer_completes(repo: Path, burro_home: Path) -> None:
    model = ScriptedModel([Completed()], say("here"))
    run = await start(repo, burro_home, model)
    result = await run.turn("hello")
    await run.close()
    assert result.status == "completed" and result.last_message == "here"


async def test_malformed_arguments_reach_the_model_as_an_error(
    repo: Path, burro_home: Path
) -> None:
    bad = ItemDone(item_id="x", item=FunctionCall(call_id="bad", name="shell", arguments="{no"))
    model = ScriptedModel([bad, Completed()], say("ok"))
    run = await start(repo, burro_home, model)
    result = await run.turn("go")
    await run.close()
    assert result.status == "completed"
    out = _outputs(model.prompts[1])
    assert out[0].call_id == "bad" and out[0].success is False
