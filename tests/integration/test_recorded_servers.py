"""burro's clients against responses recorded from a real llama.cpp ``llama-server``
(tests/data/servers/llamacpp/, written by ``bench/interop_llamacpp.py --record``),
replayed byte for byte by the fake server, on all three wires."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from tests.fakes.model_server import FakeModelServer
from tests.fakes.script import Recorded, Turn
from tests.integration.test_model_clients import (
    done_items,
    make_prompt,
    provider,
    stream,
    stream_error,
)

from burro.protocol.items import Message
from burro.protocol.model import Completed

RECORDINGS = Path(__file__).resolve().parents[1] / "data" / "servers" / "llamacpp"


def _recordings(case: str) -> list[Any]:
    out = []
    for path in sorted(RECORDINGS.glob(f"*_{case}.json")):
        out.append(pytest.param(json.loads(path.read_text()), id=path.stem))
    return out


def _prompt(rec: dict[str, Any]) -> Any:
    """The prompt with the output cap the recorded request carried."""
    body = rec["request"]
    return make_prompt(max_output_tokens=body.get("max_output_tokens") or body.get("max_tokens"))


def _server(rec: dict[str, Any]) -> FakeModelServer:
    fault = Recorded(rec["status"], rec["content_type"], rec["response"])
    return FakeModelServer([Turn(fault=fault)])


@pytest.mark.parametrize("rec", _recordings("text"))
def test_a_short_answer_streams_on_every_wire(rec: dict[str, Any]) -> None:
    with _server(rec) as srv:
        events = stream(provider(srv, rec["wire"]), _prompt(rec))
    texts = [i.text() for i in done_items(events) if isinstance(i, Message)]
    assert texts and texts[0].strip()
    last = events[-1]
    assert isinstance(last, Completed) and last.stop_reason == "end_turn" and not last.empty


@pytest.mark.parametrize("rec", _recordings("length"))
def test_an_output_limit_stop_keeps_the_partial_answer(rec: dict[str, Any]) -> None:
    with _server(rec) as srv:
        events = stream(provider(srv, rec["wire"]), _prompt(rec))
    texts = [i.text() for i in done_items(events) if isinstance(i, Message)]
    assert texts and texts[0]
    last = events[-1]
    assert isinstance(last, Completed) and last.stop_reason == "max_output_tokens"


@pytest.mark.parametrize("rec", _recordings("overflow"))
def test_a_context_overflow_states_the_servers_real_size(rec: dict[str, Any]) -> None:
    with _server(rec) as srv:
        err = stream_error(provider(srv, rec["wire"]))
    assert err.code == "context_window_exceeded", err.message
    assert err.context_window == 2048
    assert err.prompt_tokens is not None and err.prompt_tokens > 2048
