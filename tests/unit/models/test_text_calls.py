from __future__ import annotations

import json

from burro.models.text_calls import BadCall, ParsedCall, parse_text_calls

OFFERED = frozenset({"shell", "read_file"})


def test_a_fenced_json_call_is_parsed_and_the_prose_kept() -> None:
    text = 'Let me look.\n\n```json\n{"name": "shell", "arguments": {"command": "ls"}}\n```\n'
    split = parse_text_calls(text, OFFERED)
    assert split.text == "Let me look."
    assert split.calls == [ParsedCall("shell", '{"command":"ls"}')]


def test_tool_call_tags_with_and_without_the_closing_tag() -> None:
    closed = '<tool_call>\n{"name": "read_file", "arguments": {"path": "a"}}\n</tool_call>'
    unclosed = '<tool_call>{"name": "shell", "parameters": {"command": "pwd"}}'
    split = parse_text_calls(closed + "\nthen\n" + unclosed, OFFERED)
    assert split.calls == [
        ParsedCall("read_file", '{"path":"a"}'),
        ParsedCall("shell", '{"command":"pwd"}'),
    ]
    assert split.text == "then"


def test_twice_encoded_arguments_are_accepted() -> None:
    args = json.dumps(json.dumps({"command": "ls"}))
    split = parse_text_calls(f'```json\n{{"name": "shell", "arguments": {args}}}\n```', OFFERED)
    assert split.calls == [ParsedCall("shell", '{"command":"ls"}')]


def test_other_json_blocks_are_just_text() -> None:
    text = 'The config:\n```json\n{"port": 8080, "name": "web"}\n```'
    split = parse_text_calls(text, OFFERED)
    assert split.calls == [] and split.text == text


def test_unknown_tool_bad_json_and_non_object_arguments_are_errors() -> None:
    unknown = '```json\n{"name": "rm_rf", "arguments": {}}\n```'
    broken = '<tool_call>{"name": "shell", "arguments": {"command": "ls"</tool_call>'
    scalar = '```json\n{"name": "shell", "arguments": 3}\n```'
    missing = '```json\n{"name": "shell", "parameters": null}\n```'
    calls = parse_text_calls("\n".join([unknown, broken, scalar, missing]), OFFERED).calls
    assert all(isinstance(c, BadCall) for c in calls) and len(calls) == 4
    reasons = [c.reason for c in calls if isinstance(c, BadCall)]
    assert "tool `rm_rf` is not offered (available: read_file, shell)" in reasons[0]
    assert reasons[1].startswith("not valid JSON")
    assert "not a JSON object" in reasons[2]
    assert 'no "arguments"' in reasons[3]
    assert calls[0].text == unknown  # type: ignore[union-attr]


def test_invalid_json_in_a_fence_that_looks_like_a_call_is_an_error() -> None:
    text = '```json\n{"name": "shell", "arguments": {command: ls}}\n```'
    (call,) = parse_text_calls(text, OFFERED).calls
    assert isinstance(call, BadCall) and call.reason.startswith("not valid JSON")
