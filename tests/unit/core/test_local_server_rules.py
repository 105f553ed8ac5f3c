"""How the loop treats what local servers do (issue: local and self-hosted models):
an answer cut by the output limit, no usage reported, a model that streams past the
time budget, a context overflow that states the server's real window."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from burro.core.api import SessionOptions
from burro.models import ModelError
from burro.protocol.events import TokenCount, TurnContext, Warning
from burro.protocol.items import Message, TextPart
from burro.protocol.model import Completed, ItemDone, Prompt, StreamEvent, TextDelta
from tests.fakes.scripted import ScriptedModel, say, start, texts

pytestmark = pytest.mark.asyncio


def _partial(text: str) -> list[StreamEvent]:
    msg = Message(role="assistant", content=[TextPart(text=text)])
    return [ItemDone(item_id="p", item=msg), Completed(stop_reason="max_output_tokens")]


async def test_answer_cut_by_the_output_limit_is_kept_and_continued(
    repo: Path, burro_home: Path
) -> None:
    model = ScriptedModel(_partial("The first half"), say(" and the second half."))
    run = await start(repo, burro_home, model)
    result = await run.turn("explain")
    await run.close()
    assert result.status == "completed" and result.last_message == " and the second half."
    second = texts(model.prompts[1])
    assert "The first half" in second  # the partial answer is kept in the history
    assert "cut off by the output token limit" in second[-1]
    assert any("output token limit" in w.message for w in run.of(Warning))


async def test_no_usage_reported_is_estimated_and_labelled(repo: Path, burro_home: Path) -> None:
    msg = Message(role="assistant", content=[TextPart(text="hello there")])
    model = ScriptedModel([ItemDone(item_id="a", item=msg), Completed(usage=None)])
    run = await start(repo, burro_home, model)
    await run.turn("hi")
    await run.close()
    (count,) = run.of(TokenCount)
    assert count.estimated is True
    assert count.last.input_tokens > 0 and count.last.output_tokens > 0


async def test_the_time_budget_cuts_a_stream_that_never_ends(repo: Path, burro_home: Path) -> None:
    async def ramble(_p: Prompt) -> AsyncIterator[StreamEvent]:
        while True:
            yield TextDelta(item_id="r", delta="and so on ")
            await asyncio.sleep(0.01)

    run = await start(
        repo, burro_home, ScriptedModel(ramble), options=SessionOptions(max_minutes=0.01)
    )
    result = await run.turn("talk", timeout=30)
    await run.close()
    assert result.status == "failed" and result.error is not None
    assert result.error.code == "budget_exceeded"


async def test_overflow_teaches_the_real_context_window(repo: Path, burro_home: Path) -> None:
    async def overflow(_p: Prompt) -> AsyncIterator[StreamEvent]:
        raise ModelError(
            "context_window_exceeded",
            "request (2635 tokens) exceeds the available context size (2048 tokens)",
            context_window=2048,
        )
        yield Completed()  # pragma: no cover

    model = ScriptedModel(overflow, say("SUMMARY"), say("fits"))
    run = await start(repo, burro_home, model)
    result = await run.turn("big")
    await run.close()
    assert result.status == "completed"
    assert run.of(TurnContext)[-1].model_context_window == 2048
