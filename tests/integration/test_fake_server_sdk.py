"""The fake model server, checked with the official openai and anthropic SDKs.

If the fake drifts from the real wire formats, the SDKs' own streaming parsers fail
here first, before burro's clients are tested against a wrong fake.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import anthropic
import httpx
import openai
import pytest
from tests.fakes.model_server import EXHAUSTED, FakeModelServer
from tests.fakes.script import (
    Call,
    Custom,
    Hang,
    HttpError,
    MalformedLine,
    Reasoning,
    ResetAfter,
    Script,
    Text,
    Turn,
    Usage,
)

pytestmark = pytest.mark.timeout(20)

ROOT = Path(__file__).resolve().parents[2]
SUMMARY = "Plan: list the files, then add a.txt."
TEXT = "I will list the files now."
ARGS = {"command": ["ls", "-la"], "workdir": "/tmp/x y"}
PATCH = "*** Begin Patch\n*** Add File: a.txt\n+hi \u00e9\n*** End Patch\n"
USAGE = Usage(input_tokens=120, cached_input_tokens=20, output_tokens=40, reasoning_tokens=10)


def full_turn() -> Turn:
    return Turn(
        [
            Reasoning(SUMMARY, encrypted="gAAAAB-encrypted"),
            Text(TEXT, chunks=4),
            Call("shell", ARGS, call_id="call_shell_1"),
            Custom("apply_patch", PATCH, call_id="call_patch_1"),
        ],
        usage=USAGE,
    )


def oai(server: FakeModelServer, **kw: Any) -> openai.OpenAI:
    kw.setdefault("max_retries", 0)
    return openai.OpenAI(base_url=server.base_url, api_key="x", timeout=5, **kw)


def claude(server: FakeModelServer) -> anthropic.Anthropic:
    return anthropic.Anthropic(base_url=server.root_url, api_key="x", timeout=5, max_retries=0)


@pytest.fixture
def server() -> Iterator[FakeModelServer]:
    with FakeModelServer([]) as s:
        yield s


def sse_events(server: FakeModelServer, route: str, body: dict[str, Any]) -> tuple[list[str], str]:
    """POST and return the raw `data:` payloads and how the stream ended."""
    datas: list[str] = []
    ending = "complete"
    with (
        httpx.Client(timeout=5) as client,
        client.stream("POST", server.base_url + route, json=body) as resp,
    ):
        assert resp.status_code == 200
        try:
            for line in resp.iter_lines():
                if line.startswith("data: "):
                    datas.append(line[len("data: ") :])
        except httpx.RemoteProtocolError:
            ending = "reset"
    return datas, ending


# ---------------------------------------------------------------- Responses


def test_responses_create_stream_yields_scripted_items(server: FakeModelServer) -> None:
    server.add_turns(full_turn())
    events: list[Any] = list(
        oai(server).responses.create(model="gpt-test", input="hi", stream=True)
    )
    types = [e.type for e in events]
    assert types[:2] == ["response.created", "response.in_progress"]
    assert types[-1] == "response.completed"
    assert [e.sequence_number for e in events] == list(range(len(events)))
    text = "".join(e.delta for e in events if e.type == "response.output_text.delta")
    summary = "".join(e.delta for e in events if e.type == "response.reasoning_summary_text.delta")
    args = "".join(e.delta for e in events if e.type == "response.function_call_arguments.delta")
    patch = "".join(e.delta for e in events if e.type == "response.custom_tool_call_input.delta")
    assert (text, summary, json.loads(args), patch) == (TEXT, SUMMARY, ARGS, PATCH)
    assert types.count("response.output_text.delta") == 4
    done = [e.item for e in events if e.type == "response.output_item.done"]
    assert [i.type for i in done] == ["reasoning", "message", "function_call", "custom_tool_call"]
    assert done[0].id.startswith("rs_") and done[1].id.startswith("msg_")
    assert done[2].id.startswith("fc_") and done[2].call_id == "call_shell_1"
    assert done[3].call_id == "call_patch_1" and done[3].name == "apply_patch"
    usage = events[-1].response.usage
    assert usage is not None
    assert (usage.input_tokens, usage.input_tokens_details.cached_tokens) == (120, 20)
    assert (usage.output_tokens, usage.output_tokens_details.reasoning_tokens) == (40, 10)
    assert usage.total_tokens == 160


def test_responses_stream_helper_final_response(server: FakeModelServer) -> None:
    server.add_turns(full_turn())
    with oai(server).responses.stream(model="gpt-test", input="hi") as stream:
        deltas = [e.delta for e in stream if e.type == "response.output_text.delta"]
        final = stream.get_final_response()
    assert "".join(deltas) == TEXT
    assert final.output_text == TEXT
    reasoning, message, call, custom = final.output
    assert reasoning.type == "reasoning" and reasoning.encrypted_content == "gAAAAB-encrypted"
    assert [s.text for s in reasoning.summary] == [SUMMARY]
    assert message.type == "message" and message.status == "completed"
    assert call.type == "function_call" and call.name == "shell"
    assert json.loads(call.arguments) == ARGS and call.call_id == "call_shell_1"
    assert custom.type == "custom_tool_call" and custom.input == PATCH
    assert final.usage is not None and final.usage.output_tokens == 40


def test_responses_invalid_call_arguments_are_sent_verbatim(server: FakeModelServer) -> None:
    server.add_turns(Turn([Call("shell", '{"command": ["ls"', call_id="call_bad")]))
    with oai(server).responses.stream(model="m", input="hi") as stream:
        final = stream.get_final_response()
    (call,) = final.output
    assert call.type == "function_call" and call.arguments == '{"command": ["ls"'
    assert final.usage is not None and final.usage.input_tokens > 0  # computed usage


# ---------------------------------------------------------------- Chat Completions


def test_chat_create_stream_splits_tool_calls_and_reports_usage(server: FakeModelServer) -> None:
    server.add_turns(full_turn())
    chunks = list(
        oai(server).chat.completions.create(
            model="m",
            messages=[{"role": "user", "content": "hi"}],
            stream=True,
            stream_options={"include_usage": True},
        )
    )
    content = ""
    reasoning = ""
    calls: dict[int, dict[str, Any]] = {}
    fragments: dict[int, int] = {}
    for chunk in chunks:
        for choice in chunk.choices:
            delta = choice.delta
            content += delta.content or ""
            reasoning += getattr(delta, "reasoning_content", None) or ""
            for tc in delta.tool_calls or []:
                slot = calls.setdefault(tc.index, {"id": None, "name": None, "arguments": ""})
                slot["id"] = tc.id or slot["id"]
                if tc.function is not None:
                    slot["name"] = tc.function.name or slot["name"]
                    if tc.function.arguments:
                        slot["arguments"] += tc.function.arguments
                        fragments[tc.index] = fragments.get(tc.index, 0) + 1
    assert (content, reasoning) == (TEXT, SUMMARY)
    assert calls[0]["id"] == "call_shell_1" and calls[0]["name"] == "shell"
    assert json.loads(calls[0]["arguments"]) == ARGS
    assert calls[1]["id"] == "call_patch_1" and calls[1]["name"] == "apply_patch"
    assert json.loads(calls[1]["arguments"]) == {"input": PATCH}
    assert fragments[0] > 1 and fragments[1] > 1
    finish = [c.choices[0].finish_reason for c in chunks if c.choices]
    assert finish[-1] == "tool_calls"
    last = chunks[-1]
    assert last.choices == [] and last.usage is not None
    assert (last.usage.prompt_tokens, last.usage.completion_tokens) == (120, 40)
    assert last.usage.prompt_tokens_details is not None
    assert last.usage.prompt_tokens_details.cached_tokens == 20
    assert last.usage.completion_tokens_details is not None
    assert last.usage.completion_tokens_details.reasoning_tokens == 10


def test_chat_stream_helper_final_completion(server: FakeModelServer) -> None:
    server.add_turns(full_turn())
    with oai(server).chat.completions.stream(
        model="m",
        messages=[{"role": "user", "content": "hi"}],
        stream_options={"include_usage": True},
    ) as stream:
        final = stream.get_final_completion()
    msg = final.choices[0].message
    assert msg.content == TEXT
    assert getattr(msg, "reasoning_content", None) == SUMMARY
    assert msg.tool_calls is not None
    assert [(t.id, t.function.name) for t in msg.tool_calls] == [
        ("call_shell_1", "shell"),
        ("call_patch_1", "apply_patch"),
    ]
    assert json.loads(msg.tool_calls[0].function.arguments) == ARGS
    assert final.usage is not None and final.usage.total_tokens == 160


def test_chat_usage_chunk_only_when_requested_unless_always(server: FakeModelServer) -> None:
    server.add_turns(Turn([Text("ok")]))
    body = {"model": "m", "messages": [], "stream": True}
    datas, _ = sse_events(server, "/chat/completions", body)
    assert datas[-1] == "[DONE]"
    assert all("usage" not in json.loads(d) for d in datas[:-1])
    with FakeModelServer([Turn([Text("ok")])], chat_usage_always=True) as always:
        datas, _ = sse_events(always, "/chat/completions", body)
    assert json.loads(datas[-2])["usage"]["completion_tokens"] > 0


# ---------------------------------------------------------------- Anthropic


def test_anthropic_stream_final_message(server: FakeModelServer) -> None:
    server.add_turns(full_turn())
    with claude(server).messages.stream(
        model="claude-test", max_tokens=100, messages=[{"role": "user", "content": "hi"}]
    ) as stream:
        event_types = [e.type for e in stream]
        final = stream.get_final_message()
    assert event_types[0] == "message_start" and "message_stop" in event_types
    thinking, text, tool, custom = final.content
    assert thinking.type == "thinking" and thinking.thinking == SUMMARY
    assert thinking.signature == "gAAAAB-encrypted"
    assert text.type == "text" and text.text == TEXT
    assert tool.type == "tool_use" and (tool.id, tool.name, tool.input) == (
        "call_shell_1",
        "shell",
        ARGS,
    )
    assert custom.type == "tool_use" and custom.input == {"input": PATCH}
    assert final.stop_reason == "tool_use" and final.model == "claude-test"
    assert final.usage.input_tokens == 100  # Anthropic counts cached tokens apart
    assert final.usage.cache_read_input_tokens == 20
    assert final.usage.output_tokens == 40


def test_anthropic_raw_stream_has_event_lines_and_json_fragments(server: FakeModelServer) -> None:
    server.add_turns(Turn([Call("shell", ARGS, chunks=5)]))
    with (
        httpx.Client(timeout=5) as client,
        client.stream("POST", server.root_url + "/v1/messages", json={"stream": True}) as r,
    ):
        lines = list(r.iter_lines())
    names = [ln.removeprefix("event: ") for ln in lines if ln.startswith("event: ")]
    datas = [json.loads(ln[6:]) for ln in lines if ln.startswith("data: ")]
    assert names == [d["type"] for d in datas]
    parts = [d["delta"]["partial_json"] for d in datas if d["type"] == "content_block_delta"]
    assert len(parts) == 5 and json.loads("".join(parts)) == ARGS


# ---------------------------------------------------------------- non-streaming


def test_non_streaming_requests_get_full_bodies(server: FakeModelServer) -> None:
    server.add_turns(full_turn(), full_turn(), full_turn())
    resp = oai(server).responses.create(model="m", input="hi")
    assert resp.output_text == TEXT and resp.usage is not None and resp.usage.output_tokens == 40
    chat = oai(server).chat.completions.create(model="m", messages=[])
    assert chat.choices[0].message.content == TEXT and chat.choices[0].finish_reason == "tool_calls"
    msg = claude(server).messages.create(model="c", max_tokens=10, messages=[])
    assert [b.type for b in msg.content] == ["thinking", "text", "tool_use", "tool_use"]


# ---------------------------------------------------------------- faults


def test_http_429_with_retry_after_then_next_turn_succeeds(server: FakeModelServer) -> None:
    server.add_turns(
        Turn(fault=HttpError(429, retry_after=2, message="slow down")),
        Turn(fault=HttpError(429, retry_after=0.05)),
        Turn([Text("after retry")]),
    )
    with pytest.raises(openai.RateLimitError) as info:
        oai(server).responses.create(model="m", input="hi", stream=True)
    assert info.value.response.headers["retry-after"] == "2"
    assert info.value.body == {
        "message": "slow down",
        "type": "requests",
        "param": None,
        "code": "rate_limit_exceeded",
    }
    # The SDK honours Retry-After and retries; the fault served only one request.
    with oai(server, max_retries=1).responses.stream(model="m", input="hi") as stream:
        assert stream.get_final_response().output_text == "after retry"
    assert len(server.requests) == 3


def test_http_errors_use_anthropic_shape_on_messages(server: FakeModelServer) -> None:
    server.add_turns(Turn(fault=HttpError(401, message="bad key")), Turn(fault=HttpError(500)))
    with pytest.raises(anthropic.AuthenticationError) as info:
        claude(server).messages.create(model="c", max_tokens=10, messages=[])
    body = info.value.body
    assert isinstance(body, dict) and body["type"] == "error"
    assert body["error"] == {"type": "authentication_error", "message": "bad key"}
    with pytest.raises(openai.InternalServerError) as oinfo:
        oai(server).chat.completions.create(model="m", messages=[])
    assert isinstance(oinfo.value.body, dict) and oinfo.value.body["type"] == "server_error"


def test_reset_after_closes_without_completion(server: FakeModelServer) -> None:
    server.add_turns(Turn([Text("partial answer", chunks=5)], fault=ResetAfter(4)))
    datas, ending = sse_events(server, "/responses", {"model": "m", "stream": True})
    assert ending == "reset" and len(datas) == 4
    assert all(json.loads(d)["type"] != "response.completed" for d in datas)


def test_reset_after_surfaces_as_sdk_error(server: FakeModelServer) -> None:
    server.add_turns(Turn([Text("partial answer")], fault=ResetAfter(3)))
    seen: list[str] = []
    with pytest.raises((httpx.RemoteProtocolError, openai.APIConnectionError)):
        for event in oai(server).responses.create(model="m", input="hi", stream=True):
            seen.append(event.type)
    assert len(seen) == 3 and "response.completed" not in seen


def test_malformed_line_is_invalid_json_and_stream_completes(server: FakeModelServer) -> None:
    server.add_turns(Turn([Text("fine")], fault=MalformedLine(after=2)))
    datas, ending = sse_events(server, "/chat/completions", {"model": "m", "stream": True})
    assert ending == "complete" and datas[2] == "{not json" and datas[-1] == "[DONE]"
    with pytest.raises(json.JSONDecodeError):
        json.loads(datas[2])
    valid = [json.loads(d) for d in datas[:2] + datas[3:-1]]
    text = "".join(d["choices"][0]["delta"].get("content") or "" for d in valid)
    assert text == "fine"


def test_hang_goes_silent_then_closes(server: FakeModelServer) -> None:
    server.add_turns(
        Turn([Text("slow")], fault=Hang(after=2, seconds=30)),
        Turn([Text("slow")], fault=Hang(after=1, seconds=0.2)),
    )
    got: list[str] = []
    idle = httpx.Timeout(5, read=0.3)
    with (
        httpx.Client(timeout=idle) as client,
        pytest.raises(httpx.ReadTimeout),
        client.stream("POST", server.base_url + "/responses", json={"stream": True}) as r,
    ):
        got.extend(line for line in r.iter_lines() if line.startswith("data: "))
    assert len(got) == 2
    datas, ending = sse_events(server, "/responses", {"model": "m", "stream": True})
    assert ending == "reset" and len(datas) == 1


def test_exhausted_script_answers_500(server: FakeModelServer) -> None:
    resp = httpx.post(server.base_url + "/responses", json={"stream": True}, timeout=5)
    assert resp.status_code == 500 and resp.json()["error"]["message"] == EXHAUSTED
    resp = httpx.post(server.root_url + "/v1/messages", json={"stream": True}, timeout=5)
    assert resp.status_code == 500 and resp.json()["error"]["message"] == EXHAUSTED


def test_stop_is_prompt_while_a_stream_hangs() -> None:
    server = FakeModelServer([Turn([Text("x")], fault=Hang(after=1, seconds=60))])
    server.start()
    client = httpx.Client(timeout=5)
    with client.stream("POST", server.base_url + "/responses", json={"stream": True}) as r:
        lines = r.iter_lines()
        assert next(lines).startswith("event: response.created")
        server.stop()
        with pytest.raises(httpx.RemoteProtocolError):
            list(lines)
    client.close()
    with pytest.raises(httpx.ConnectError):
        httpx.post(server.base_url + "/responses", json={}, timeout=1)


# ---------------------------------------------------------------- recording & script


def test_requests_are_recorded_byte_exact(server: FakeModelServer) -> None:
    server.add_turns(Turn([Text("a")]), Turn([Text("b")]))
    sent: list[bytes] = []
    http = httpx.Client(event_hooks={"request": [lambda req: sent.append(req.read())]})
    oai(server, http_client=http).responses.create(model="m", input="h\u00e9llo", stream=True)
    raw = b'{"model":"m",  "stream":true, "messages":[]}\n'
    httpx.post(server.base_url + "/chat/completions?x=1", content=raw, timeout=5)
    first, second = server.wait_for_requests(2, timeout=2)
    assert first.path == "/v1/responses" and first.body == sent[0]
    assert first.json["input"] == "h\u00e9llo" and first.headers["authorization"] == "Bearer x"
    assert second.path == "/v1/chat/completions?x=1" and second.body == raw
    with pytest.raises(TimeoutError):
        server.wait_for_requests(3, timeout=0.05)


def test_script_json_round_trip() -> None:
    script = Script(
        [
            full_turn(),
            Turn(fault=HttpError(429, retry_after=0.5, code="x"), delay_s=0.1),
            Turn([Text("t")], fault=ResetAfter(2), event_gap_s=0.01),
            Turn(fault=MalformedLine(1)),
            Turn(fault=Hang(1, 2.5)),
        ]
    )
    assert Script.from_json(script.to_json()) == script
    with pytest.raises(ValueError, match="unknown element type"):
        Script.from_json('{"turns": [{"steps": [{"type": "nope"}]}]}')


def test_cli_serves_script_until_sigterm(tmp_path: Path) -> None:
    script_path = tmp_path / "script.json"
    Script([Turn([Text("from the cli")])]).save(script_path)
    ready = tmp_path / "ready"
    record = tmp_path / "requests.jsonl"
    cmd = [sys.executable, "-m", "tests.fakes.model_server", "--script", str(script_path)]
    cmd += ["--ready-file", str(ready), "--record", str(record)]
    proc = subprocess.Popen(cmd, cwd=ROOT, env={**os.environ, "PYTHONPATH": str(ROOT)})
    try:
        deadline = time.monotonic() + 10
        while not ready.exists():
            assert proc.poll() is None and time.monotonic() < deadline
            time.sleep(0.01)
        base_url = ready.read_text()
        assert base_url.startswith("http://127.0.0.1:") and base_url.endswith("/v1")
        server_stub = FakeModelServer([])
        server_stub.base_url = base_url
        with oai(server_stub).responses.stream(model="m", input="cli") as stream:
            assert stream.get_final_response().output_text == "from the cli"
    finally:
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=5) == 0
    (line,) = record.read_text().splitlines()
    assert json.loads(line)["json"]["input"] == "cli"


# ---------------------------------------------------------------- output limit, no usage


def test_length_stop_parses_with_each_sdk(server: FakeModelServer) -> None:
    cut = Turn([Text("half of it")], stop="length", usage_reported=False)
    server.add_turns(cut, cut, cut)
    events = list(
        oai(server).responses.create(model="m", input="hi", stream=True)  # type: ignore[call-overload]
    )
    last = events[-1]
    assert last.type == "response.incomplete"
    assert last.response.incomplete_details.reason == "max_output_tokens"
    assert last.response.usage is None
    deltas = [e.delta for e in events if e.type == "response.output_text.delta"]
    assert "".join(deltas) == "half of it"
    chunks = list(
        oai(server).chat.completions.create(
            model="m",
            messages=[{"role": "user", "content": "hi"}],
            stream=True,
            stream_options={"include_usage": True},
        )
    )
    assert chunks[-1].choices[0].finish_reason == "length"
    assert all(c.usage is None for c in chunks)
    with claude(server).messages.stream(
        model="c", max_tokens=5, messages=[{"role": "user", "content": "hi"}]
    ) as stream:
        final = stream.get_final_message()
    assert final.stop_reason == "max_tokens" and final.content[0].text == "half of it"  # type: ignore[union-attr]
    assert final.usage.output_tokens == 0
