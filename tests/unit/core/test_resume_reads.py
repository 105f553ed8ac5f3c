"""Resuming from an injected store reads it once (a store may be a database or a remote
service, where every read costs a round trip over the whole history)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from burro.core.api import MemoryRolloutStore
from burro.protocol.events import SessionConfigured
from tests.fakes.scripted import ScriptedModel, say, start, texts

pytestmark = pytest.mark.asyncio


class CountingStore(MemoryRolloutStore):
    """A memory store that counts how often its history is read."""

    def __init__(self) -> None:
        super().__init__(location="counting")
        self.reads = 0

    def read(self) -> Iterator[bytes]:
        self.reads += 1
        return super().read()


async def test_resume_from_an_injected_store_reads_it_once(repo: Path, burro_home: Path) -> None:
    store = CountingStore()
    first = await start(repo, burro_home, ScriptedModel(say("hello")), store=store)
    await first.turn("remember the word pelican")
    await first.close()

    store.reads = 0
    model = ScriptedModel(say("pelican"))
    resumed = await start(repo, burro_home, model, store=store)
    await resumed.turn("which word?")
    await resumed.close()
    assert store.reads == 1
    (configured,) = resumed.of(SessionConfigured)
    assert configured.resumed and configured.session_id == first.handle.session_id
    assert "remember the word pelican" in texts(model.prompts[0])
    assert configured.rollout_path == "counting"
