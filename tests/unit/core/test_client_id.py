"""A client's own id on its input (`UserTurn.client_id`) comes back on the event that
reports the user's message: live, for input queued into a running turn, and from the
rollout after a resume (how a worker tells two identical follow-ups apart)."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from burro.core.api import MemoryRolloutStore
from burro.protocol.events import UserMessageEvent
from burro.protocol.items import TextPart
from burro.protocol.ops import UserTurn
from tests.fakes.scripted import ScriptedModel, say, start

pytestmark = pytest.mark.asyncio


def _turn(text: str, client_id: str) -> UserTurn:
    return UserTurn(items=[TextPart(text=text)], client_id=client_id)


async def test_the_id_is_echoed_live_and_after_resume(repo: Path, burro_home: Path) -> None:
    store = MemoryRolloutStore()
    run = await start(repo, burro_home, ScriptedModel(say("one"), say("two")), store=store)
    await run.handle.run_turn(_turn("again", "t_1"))
    await run.handle.run_turn(_turn("again", "t_2"))
    await run.close()
    live = [(e.text, e.client_id) for e in run.of(UserMessageEvent)]
    assert live == [("again", "t_1"), ("again", "t_2")]

    resumed = await start(repo, burro_home, ScriptedModel(say("three")), store=store)
    await resumed.handle.run_turn(UserTurn(items=[TextPart(text="no id")]))

    async def replay() -> list[tuple[str, str | None]]:
        seen: list[tuple[str, str | None]] = []
        async for env in resumed.handle.subscribe(after=0):
            if isinstance(env.event, UserMessageEvent):
                seen.append((env.event.text, env.event.client_id))
                if len(seen) == 3:
                    return seen
        return seen

    replayed = await asyncio.wait_for(replay(), 10)
    await resumed.close()
    assert replayed == [("again", "t_1"), ("again", "t_2"), ("no id", None)]


async def test_input_queued_into_a_running_turn_keeps_its_id(repo: Path, burro_home: Path) -> None:
    gate = asyncio.Event()

    async def held(_p: object):  # type: ignore[no-untyped-def]
        await asyncio.wait_for(gate.wait(), 10)
        for ev in say("first"):
            yield ev

    run = await start(repo, burro_home, ScriptedModel(held, say("second")))
    first = asyncio.create_task(run.handle.run_turn(_turn("start", "t_1")))
    await run.wait_for(lambda e: isinstance(e, UserMessageEvent))
    run.handle.submit(_turn("also this", "t_2"))  # joins the running turn
    await asyncio.sleep(0.05)
    gate.set()
    await asyncio.wait_for(first, 10)
    await run.close()
    echoed = [(e.text, e.client_id) for e in run.of(UserMessageEvent)]
    assert echoed == [("start", "t_1"), ("also this", "t_2")]
