"""The apply_patch tool: specs, payload forms, events and errors."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import msgspec
import pytest

from burro.protocol.events import Event, PatchApplyBegin, PatchApplyEnd
from burro.tools.apply_patch import ApplyPatchTool
from burro.tools.base import ToolContext, ToolError, ToolResult

PATCH = "*** Begin Patch\n*** Update File: f.txt\n@@\n-a\n+b\n*** Add File: g.txt\n+new\n*** End Patch\n"


def _run(payload: str, cwd: Path) -> tuple[ToolResult | ToolError, list[Event]]:
    events: list[Event] = []
    ctx = ToolContext(turn_id="t1", call_id="c1", cwd=cwd, emit=events.append)
    try:
        return asyncio.run(ApplyPatchTool().run(payload, ctx)), events
    except ToolError as exc:
        return exc, events


def test_specs() -> None:
    tool = ApplyPatchTool()
    assert tool.name == "apply_patch" and tool.parallel_safe is False
    free = tool.spec(freeform=True)
    assert free.kind == "freeform" and free.name == "apply_patch"
    assert free.grammar and "*** Begin Patch" in free.grammar and "*** Move to: " in free.grammar
    func = tool.spec(freeform=False)
    assert func.kind == "function" and func.parameters is not None
    assert func.parameters["required"] == ["input"]
    assert func.parameters["properties"]["input"]["type"] == "string"
    assert "*** Begin Patch" in func.description and "*** Update File:" in func.description
    msgspec.json.encode(func)  # serialisable as sent to a provider


def test_freeform_payload_applies_and_emits_events(tmp_path: Path) -> None:
    (tmp_path / "f.txt").write_text("a\n")
    result, events = _run(PATCH, tmp_path)
    assert isinstance(result, ToolResult) and result.success
    assert result.output == "Success. Updated the following files:\nA g.txt\nM f.txt"
    begin, end = events
    assert isinstance(begin, PatchApplyBegin) and (begin.turn_id, begin.call_id) == ("t1", "c1")
    assert [(c.path, c.kind) for c in begin.changes] == [("f.txt", "update"), ("g.txt", "add")]
    assert "-a\n+b\n" in begin.changes[0].unified_diff
    assert isinstance(end, PatchApplyEnd) and end.success and end.stdout == result.output
    assert (tmp_path / "f.txt").read_text() == "b\n"


def test_function_payload(tmp_path: Path) -> None:
    (tmp_path / "f.txt").write_text("a\n")
    result, _ = _run(json.dumps({"input": PATCH}), tmp_path)
    assert isinstance(result, ToolResult) and (tmp_path / "g.txt").read_text() == "new\n"


def test_json_string_payload(tmp_path: Path) -> None:
    (tmp_path / "f.txt").write_text("a\n")
    result, _ = _run(json.dumps(PATCH), tmp_path)
    assert isinstance(result, ToolResult) and (tmp_path / "f.txt").read_text() == "b\n"


def test_function_payload_without_input_field(tmp_path: Path) -> None:
    result, events = _run(json.dumps({"patch_text": 3}), tmp_path)
    assert isinstance(result, ToolError) and "'input'" in str(result)
    assert events == []


def test_verification_failure_writes_nothing(tmp_path: Path) -> None:
    (tmp_path / "f.txt").write_text("zzz\n")
    result, events = _run(PATCH, tmp_path)
    assert isinstance(result, ToolError)
    assert str(result).startswith(
        "apply_patch verification failed: Failed to find expected lines in f.txt"
    )
    assert not (tmp_path / "g.txt").exists() and (tmp_path / "f.txt").read_text() == "zzz\n"
    end = events[-1]
    assert isinstance(end, PatchApplyEnd) and not end.success and "f.txt" in end.stderr


def test_parse_error_reported(tmp_path: Path) -> None:
    result, _ = _run("*** Begin Patch\nnonsense\n*** End Patch", tmp_path)
    assert isinstance(result, ToolError)
    assert "verification failed" in str(result) and "line 2" in str(result)


@pytest.mark.parametrize("payload", ["", "   ", "{}", "[1,2]", "{not json"])
def test_junk_payloads_are_tool_errors(payload: str, tmp_path: Path) -> None:
    result, _ = _run(payload, tmp_path)
    assert isinstance(result, ToolError)
