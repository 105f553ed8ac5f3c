"""The core relies on this: with an append-only history, each request body minus its
closing ``]}`` is a byte-exact prefix of the next request's body (prompt caching)."""

from __future__ import annotations

import itertools

import pytest

from burro.models import anthropic, chat, responses
from tests.unit.models.history import CHUNKS, history, prompt

BUILDERS = {
    "responses": responses.build_body,
    "chat": chat.build_body,
    "anthropic": anthropic.build_body,
}
SETTINGS = [
    {},
    {"effort": "high", "summary": "auto"},
    {"output_schema": {"type": "object"}, "max_output_tokens": 4000},
    {"tools": [], "parallel_tool_calls": False},
]


@pytest.mark.parametrize("wire", sorted(BUILDERS))
@pytest.mark.parametrize("settings", SETTINGS, ids=["plain", "effort", "schema", "notools"])
def test_each_request_body_is_a_prefix_of_the_next(wire: str, settings: dict[str, object]) -> None:
    build = BUILDERS[wire]
    bodies = [build(prompt(history(n), **settings)) for n in range(len(CHUNKS) + 1)]
    for before, after in itertools.pairwise(bodies):
        assert before.endswith(b"]}")
        assert after.startswith(before[:-2]), f"{wire}: request body was rewritten"
        assert len(after) > len(before)


@pytest.mark.parametrize("wire", sorted(BUILDERS))
def test_building_twice_gives_the_same_bytes(wire: str) -> None:
    build = BUILDERS[wire]
    assert build(prompt()) == build(prompt())


def test_growing_history_item_by_item_keeps_the_responses_prefix() -> None:
    # The Responses wire maps items one to one, so every single append keeps the prefix.
    items = history(len(CHUNKS))
    bodies = [responses.build_body(prompt(items[:n])) for n in range(len(items) + 1)]
    for before, after in itertools.pairwise(bodies):
        assert after.startswith(before[:-2])
