"""Session rules through a scripted model: durability, resume, continuing a cut-off
turn, compaction after resume, event fan-out, model switches, patch safety."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from burro.core.api import MemoryRolloutStore
from burro.core.rollout import decode_lines
from burro.models import ModelError
from burro.protocol.events import (
    ContextCompacted,
    Error,
    PatchApplyEnd,
    ToolCallEnd,
    TurnComplete,
    TurnContext,
    TurnStarted,
    UserMessageEvent,
)
from burro.protocol.items import FunctionCallOutput
from burro.protocol.model import Completed, Prompt, StreamEvent
from burro.protocol.ops import Compact, OverrideTurnContext
from tests.fakes.scripted import (
    ProbeTool,
    ScriptedModel,
    call_item,
    calls,
    say,
    settings_for,
    start,
    texts,
)

pytestmark = pytest.mark.asyncio


def _lines(store: MemoryRolloutStore) -> list[str]:
    return [type(line).__name__ for line in decode_lines(store.read())]


async def test_tool_output_is_stored_before_the_stream_ends(repo: Path, burro_home: Path) -> None:
    store = MemoryRolloutStore()

    async def step(_p: Prompt) -> AsyncIterator[StreamEvent]:
        yield call_item("shell", {"command": ["echo", "hi"]})
        for _ in range(500):  # the stream waits until the output is durable
            if "ToolOutputLine" in _lines(store):
                break
            await asyncio.sleep(0.01)
        yield Completed()

    run = await start(repo, burro_home, ScriptedModel(step, say("ok")), store=store)
    await run.turn("go")
    await run.close()
    names = _lines(store)
    assert "ToolOutputLine" in names
    # The early output line precedes the response's end (its TokenCount/turn end).
    assert names.index("ToolOutputLine") < names.index("ItemLine", names.index("ToolOutputLine"))


async def _cut_session(repo: Path, home: Path, store: MemoryRolloutStore) -> str:
    """A session whose turn stopped after a tool finished but before the model's next
    request: what a kill -9 at that moment leaves behind."""
    board: dict[str, asyncio.Event] = {}
    gate = asyncio.Event()

    async def step(_p: Prompt) -> AsyncIterator[StreamEvent]:
        yield call_item("counter", {})
        await asyncio.wait_for(gate.wait(), 10)  # never set: the process "dies" here
        yield Completed()

    run = await start(
        repo, home, ScriptedModel(step), store=store, tools=[ProbeTool("counter", board)]
    )
    task = asyncio.create_task(run.turn("count once"))
    await run.wait_for(lambda e: isinstance(e, ToolCallEnd))
    for _ in range(100):
        if "ToolOutputLine" in _lines(store):
            break
        await asyncio.sleep(0.01)
    # Keep only what had been written at this moment, as a crash would.
    snapshot = list(store.lines)
    task.cancel()
    await run.close()
    store.lines[:] = snapshot
    return run.handle.session_id


async def test_resume_uses_a_finished_output_and_never_reruns(repo: Path, burro_home: Path) -> None:
    store = MemoryRolloutStore()
    await _cut_session(repo, burro_home, store)
    board: dict[str, asyncio.Event] = {}
    model = ScriptedModel(say("continued"))
    run = await start(
        repo,
        burro_home,
        model,
        store=store,
        continue_pending=True,
        tools=[ProbeTool("counter", board)],
    )
    await run.wait_for(lambda e: isinstance(e, TurnComplete))
    await run.close()
    assert "counter" not in board or not board["counter"].is_set()  # not run again
    outs = [i for i in model.prompts[0].items if isinstance(i, FunctionCallOutput)]
    assert len(outs) == 1 and outs[0].output == "counter: alone"  # the real result
    assert not run.of(UserMessageEvent)  # continued without a new user message
    assert len(run.of(TurnStarted)) == 1


async def test_resume_without_continue_waits_for_the_user(repo: Path, burro_home: Path) -> None:
    store = MemoryRolloutStore()
    await _cut_session(repo, burro_home, store)
    model = ScriptedModel(say("next"))
    run = await start(repo, burro_home, model, store=store)
    await asyncio.sleep(0.1)
    assert not model.prompts  # nothing runs by itself
    await run.turn("and now?")
    await run.close()
    assert texts(model.prompts[0])[-1] == "and now?"


async def test_compaction_after_resume_keeps_agents_md(repo: Path, burro_home: Path) -> None:
    (repo / "AGENTS.md").write_text("Always answer in French.\n")
    store = MemoryRolloutStore()
    run = await start(repo, burro_home, ScriptedModel(say("d'accord")), store=store)
    await run.turn("first task")
    await run.close()
    model = ScriptedModel(say("SUMMARY: did the first task"), say("voilà"))
    run = await start(repo, burro_home, model, store=store)
    run.handle.submit(Compact())
    await run.wait_for(lambda e: isinstance(e, ContextCompacted))
    await run.turn("second task")
    await run.close()
    after = texts(model.prompts[-1])
    assert any("Always answer in French." in t for t in after)
    assert any("SUMMARY: did the first task" in t for t in after)
    assert "first task" in after  # the first user message is always kept


async def test_context_overflow_compacts_and_retries_once(repo: Path, burro_home: Path) -> None:
    async def overflow(_p: Prompt) -> AsyncIterator[StreamEvent]:
        raise ModelError("context_window_exceeded", "prompt is too long")
        yield Completed()  # pragma: no cover

    model = ScriptedModel(say("warm"), overflow, say("SUMMARY"), say("fits now"))
    run = await start(repo, burro_home, model)
    await run.turn("one")
    result = await run.turn("two")
    await run.close()
    assert result.status == "completed" and result.last_message == "fits now"
    assert run.of(ContextCompacted)


async def test_every_subscriber_sees_the_same_numbered_stream(repo: Path, burro_home: Path) -> None:
    store = MemoryRolloutStore()
    run = await start(repo, burro_home, ScriptedModel(say("a"), say("b")), store=store)
    readers = [asyncio.create_task(_collect(run.handle.subscribe(after=0))) for _ in range(3)]
    await run.turn("one")
    late = asyncio.create_task(_collect(run.handle.subscribe(after=3)))  # joins mid-way
    await run.turn("two")
    await run.close()
    seen = [await asyncio.wait_for(r, 5) for r in readers]
    seqs = [e.seq for e in seen[0]]
    assert seqs == list(range(1, len(seqs) + 1))  # no gap, no duplicate
    assert all([e.seq for e in s] == seqs for s in seen)
    assert [e.seq for e in await asyncio.wait_for(late, 5)] == seqs[3:]
    assert {e.session_id for e in seen[0]} == {run.handle.session_id}
    # A resumed session continues the numbering, and a reader from 0 gets the
    # persisted history of the earlier run from the store, then the new events.
    run2 = await start(repo, burro_home, ScriptedModel(say("c")), store=store)
    replay = asyncio.create_task(_collect(run2.handle.subscribe(after=0)))
    await run2.turn("three")
    await run2.close()
    got = [e.seq for e in await asyncio.wait_for(replay, 5)]
    assert got == sorted(set(got)) and got[0] <= 2
    assert run2.handle.first_seq == seqs[-1] + 1


async def _collect(stream: AsyncIterator) -> list:  # type: ignore[type-arg]
    return [e async for e in stream]


async def test_model_switch_reresolves_provider_and_tools(repo: Path, burro_home: Path) -> None:
    model = ScriptedModel(say("ok"))
    run = await start(repo, burro_home, model)
    first = run.of(TurnContext)[0]
    assert (first.provider, first.wire_api) == ("openai", "responses")
    run.handle.submit(OverrideTurnContext(model="claude-sonnet-4-5"))
    err = await run.wait_for(lambda e: isinstance(e, Error))
    assert "ANTHROPIC_API_KEY" in err.error.message  # refused, with the reason
    await run.close()

    env = {"PATH": "/usr/bin:/bin", "OPENAI_API_KEY": "x", "ANTHROPIC_API_KEY": "y"}
    run = await start(repo, burro_home, ScriptedModel(say("ok")), env=env)
    run.handle.submit(OverrideTurnContext(model="claude-sonnet-4-5"))
    ctx = await run.wait_for(lambda e: isinstance(e, TurnContext) and e.model != "gpt-5.5")
    await run.turn("hi")
    await run.close()
    assert (ctx.provider, ctx.wire_api) == ("anthropic", "anthropic")
    assert ctx.model_context_window != first.model_context_window
    assert run.model.prompts[-1].model == "claude-sonnet-4-5"


async def test_a_model_switch_closes_the_client_it_replaced(repo: Path, burro_home: Path) -> None:
    from burro.config import Settings
    from burro.core.api import start_session
    from burro.protocol.items import TextPart
    from burro.protocol.ops import UserTurn

    opened: list[tuple[str, ScriptedModel]] = []

    def open_client(settings: Settings) -> ScriptedModel:  # one per provider, as burro does
        model = ScriptedModel(say(f"hello from {settings.provider_id}"))
        opened.append((settings.provider_id, model))
        return model

    env = {"PATH": "/usr/bin:/bin", "OPENAI_API_KEY": "x", "ANTHROPIC_API_KEY": "y"}
    handle = await start_session(
        settings_for(repo, burro_home), env=env, client_factory=open_client
    )
    try:
        handle.submit(OverrideTurnContext(model="claude-sonnet-4-5"))
        result = await asyncio.wait_for(handle.run_turn(UserTurn(items=[TextPart(text="hi")])), 20)
        assert result.last_message == "hello from anthropic"
        (_, first), (provider, second) = opened
        assert provider == "anthropic"
        assert first.closed, "the replaced provider's client is closed at the switch"
        assert not first.prompts and not second.closed
    finally:
        await handle.shutdown(grace_s=10)
    assert second.closed  # and the session's own client at its end


async def test_patch_into_git_dir_is_refused(repo: Path, burro_home: Path) -> None:
    patch = (
        "*** Begin Patch\n*** Add File: .git/hooks/pre-commit\n+#!/bin/sh\n+echo owned\n"
        "*** End Patch\n"
    )
    model = ScriptedModel(calls(("apply_patch", {"input": patch})), say("tried"))
    settings = settings_for(repo, burro_home, sandbox="workspace-write")
    run = await start(repo, burro_home, model, settings=settings)
    await run.turn("patch it")
    await run.close()
    assert not (repo / ".git" / "hooks" / "pre-commit").exists()
    ends = run.of(PatchApplyEnd)
    assert ends and not ends[0].success


async def test_a_fork_shows_the_transcript_and_keeps_the_history(
    repo: Path, burro_home: Path
) -> None:
    from burro.core.api import fork_session, session_transcript, start_session
    from burro.protocol.items import TextPart
    from burro.protocol.ops import UserTurn

    settings = settings_for(repo, burro_home)
    env = {"PATH": "/usr/bin:/bin"}
    first = ScriptedModel(say("the code word is PAPAYA"))
    handle = await start_session(settings, client=first, env=env)  # a real session file
    await handle.run_turn(UserTurn(items=[TextPart(text="tell me a code word")]))
    await handle.shutdown()
    new_id, _ = fork_session(settings, handle.session_id)
    shown = session_transcript(burro_home, new_id)
    assert any(getattr(e, "text", "") == "tell me a code word" for e in shown)
    model = ScriptedModel(say("PAPAYA"))
    fork = await start_session(settings, resume=new_id, client=model, env=env)
    await fork.run_turn(UserTurn(items=[TextPart(text="what was it?")]))
    await fork.shutdown()
    assert "the code word is PAPAYA" in texts(model.prompts[0])
