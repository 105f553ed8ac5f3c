"""``tool_calling = "text"``: tools described in the instructions, calls parsed from the
reply, for models and servers without native tool calling (fake server, chat wire)."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any

import msgspec
from tests.e2e.conftest import provider_args, run_exec
from tests.fakes.model_server import FakeModelServer
from tests.fakes.script import Text, Turn, text_call
from tests.integration.test_model_clients import TOOLS, done_items, make_prompt, provider

from burro.models import open_client
from burro.models.text_tools import INVALID_CALL
from burro.protocol.items import (
    CustomToolCall,
    FunctionCall,
    FunctionCallOutput,
    Item,
    Message,
    user_text,
)
from burro.protocol.model import Completed, Prompt, StreamEvent


def _run(srv: FakeModelServer, prompts: list[Prompt]) -> list[list[StreamEvent]]:
    info = provider(srv, "chat", tool_calling="text")

    async def go() -> list[list[StreamEvent]]:
        client = open_client(info, api_key="k", session_id="s")
        try:
            return [[ev async for ev in client.stream(p)] for p in prompts]
        finally:
            await client.aclose()

    return asyncio.run(go())


def test_a_json_block_becomes_a_function_call_and_tools_travel_as_text() -> None:
    reply = text_call("shell", {"command": ["ls"]}, prose="Listing the files.")
    with FakeModelServer([Turn([reply])]) as srv:
        (events,) = _run(srv, [make_prompt()])
        body = srv.requests[0].json
    assert "tools" not in body
    system = body["messages"][0]["content"]
    assert "## shell" in system and "```json" in system and "## apply_patch" in system
    message, call = done_items(events)
    assert isinstance(message, Message) and message.text() == "Listing the files."
    assert isinstance(call, FunctionCall) and call.name == "shell"
    assert json.loads(call.arguments) == {"command": ["ls"]}
    last = events[-1]
    assert isinstance(last, Completed)
    assert (last.stop_reason, last.empty) == ("tool_calls", False)


def test_tags_for_a_freeform_tool_become_a_custom_call() -> None:
    reply = text_call("apply_patch", {"input": "*** Begin Patch\n*** End Patch"}, form="tags")
    with FakeModelServer([Turn([reply])]) as srv:
        (events,) = _run(srv, [make_prompt()])
    (call,) = done_items(events)
    assert isinstance(call, CustomToolCall) and call.input.startswith("*** Begin Patch")


def test_history_is_rendered_as_text_and_requests_stay_append_only() -> None:
    first = text_call("shell", {"command": ["ls"]})
    with FakeModelServer([Turn([first]), Turn([Text("Two files.")])]) as srv:
        (events,) = _run(srv, [make_prompt()])
        (call,) = done_items(events)
        assert isinstance(call, FunctionCall)
        history: list[Item] = [
            user_text("list the files"),
            call,
            FunctionCallOutput(call_id=call.call_id, output="a.txt\nb.txt"),
        ]
        (events2,) = _run(srv, [make_prompt(history)])
        one, two = srv.requests[0].body, srv.requests[1].body
    assert [i.text() for i in done_items(events2) if isinstance(i, Message)] == ["Two files."]
    assert two.startswith(one[:-2])  # the first request minus its closing `]}`
    messages = json.loads(two)["messages"]
    assert '"name":"shell"' in messages[2]["content"]
    assert messages[3]["role"] == "user"
    assert "Result of `shell`" in messages[3]["content"] and "b.txt" in messages[3]["content"]


def test_a_bad_call_goes_back_to_the_model_with_the_reason() -> None:
    bad = text_call("rm_everything", {"path": "/"})
    with FakeModelServer([Turn([bad]), Turn([Text("Sorry.")])]) as srv:
        (events,) = _run(srv, [make_prompt()])
        (call,) = done_items(events)
        assert isinstance(call, FunctionCall) and call.name == INVALID_CALL
        # What the core does with any unknown tool: an error output for the call.
        output = FunctionCallOutput(call_id=call.call_id, output="unknown tool", success=False)
        _run(srv, [make_prompt([user_text("list the files"), call, output])])
        sent = srv.requests[1].json["messages"]
    assert "rm_everything" in sent[2]["content"]  # the model sees what it wrote
    assert "tool `rm_everything` is not offered" in sent[3]["content"]
    assert "apply_patch, shell" in sent[3]["content"]


def test_plain_answers_and_prompts_without_tools_pass_through() -> None:
    with FakeModelServer([Turn([Text("Just text.")]), Turn([Text("No tools.")])]) as srv:
        first, second = _run(srv, [make_prompt(), msgspec.structs.replace(make_prompt(), tools=[])])
    assert [i.text() for i in done_items(first) if isinstance(i, Message)] == ["Just text."]
    assert [i.text() for i in done_items(second) if isinstance(i, Message)] == ["No tools."]
    assert TOOLS  # the first prompt offered tools


def test_exec_runs_a_text_form_call_end_to_end(
    server: FakeModelServer, repo: Path, burro_home: Path
) -> None:
    server.add_turns(
        Turn([text_call("shell", {"command": "echo from-text-call > made.txt"}, form="tags")]),
        Turn([Text("Made it.")]),
    )
    args: list[Any] = provider_args(server, "chat", extra=',tool_calling="text"')
    res = run_exec([*args, "make a file"], cwd=repo, home=burro_home)
    assert res.code == 0, res.stderr
    assert (repo / "made.txt").read_text() == "from-text-call\n"
    assert res.stdout == "Made it.\n"
    assert "Result of `shell`" in server.requests[1].body.decode()
