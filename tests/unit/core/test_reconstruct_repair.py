"""Resume from a session file with a damaged line in the middle: the damage is reported,
and the history that goes back to the model still pairs every tool call with one output."""

from __future__ import annotations

from pathlib import Path

from burro.core.reconstruct import INTERRUPTED, restore
from burro.core.repair import LOST
from burro.core.rollout import RolloutWriter, SessionMeta
from burro.core.store import FileRolloutStore
from burro.protocol.items import (
    FunctionCall,
    FunctionCallOutput,
    Item,
    Message,
    ToolOutputItem,
    user_text,
)


def _call(n: int) -> FunctionCall:
    return FunctionCall(call_id=f"c{n}", name="shell", arguments=f'{{"command": "echo {n}"}}')


def _out(n: int) -> FunctionCallOutput:
    return FunctionCallOutput(call_id=f"c{n}", output=f"{n}\n", success=True)


def _session(tmp_path: Path, items: list[Item], *, tool_outputs: list[ToolOutputItem] = ()) -> Path:  # type: ignore[assignment]
    path = tmp_path / "rollout-2026-01-01T00-00-00-s.jsonl"
    w = RolloutWriter(FileRolloutStore(path))
    w.meta(SessionMeta(id="s", cwd="/", model="m", provider="p", burro_version="0", started_at="t"))
    for out in tool_outputs:
        w.tool_output(out)
    for item in items:
        w.item(item)
    w.close()
    return path


def _damage(path: Path, needle: str) -> int:
    """Overwrite the first line containing ``needle`` with garbage; its line number."""
    lines = path.read_bytes().split(b"\n")
    for i, line in enumerate(lines):
        if needle.encode() in line:
            lines[i] = (
                b'{"type":"item","ts":"x","payload":{"type":"func\x00tion_call"' + b"#" * 9 + b"}"
            )
            path.write_bytes(b"\n".join(lines))
            return i + 1
    raise AssertionError(needle)


def _pairs_ok(history: list[Item]) -> bool:
    seen: set[str] = set()
    answered: list[str] = []
    for item in history:
        if isinstance(item, FunctionCall):
            seen.add(item.call_id)
        elif isinstance(item, FunctionCallOutput):
            if item.call_id not in seen or item.call_id in answered:
                return False
            answered.append(item.call_id)
    return set(answered) == seen


def test_an_intact_file_restores_unchanged_without_warnings(tmp_path: Path) -> None:
    items: list[Item] = [user_text("go"), _call(1), _out(1), user_text("next")]
    restored = restore(_session(tmp_path, items))
    assert restored.history == items
    assert restored.warnings == [] and restored.recovered == []


def test_a_lost_call_line_drops_its_orphan_output_and_warns(tmp_path: Path) -> None:
    path = _session(tmp_path, [user_text("go"), _call(1), _out(1), _call(2), _out(2)])
    number = _damage(path, '"call_id":"c1","name"')
    restored = restore(path)
    assert restored.history == [user_text("go"), _call(2), _out(2)]
    assert _pairs_ok(restored.history)
    (warning,) = restored.warnings
    assert f"1 damaged line(s) skipped (line {number})" in warning
    assert "1 tool output(s) without their call dropped" in warning
    assert str(path) in warning and "\n" not in warning


def test_a_lost_output_line_is_answered_before_the_next_user_message(tmp_path: Path) -> None:
    path = _session(
        tmp_path,
        [
            user_text("go"),
            _call(1),
            _call(2),
            _out(1),
            _out(2),
            Message(role="assistant", content=[]),
            user_text("next"),
            _call(3),
            _out(3),
        ],
    )
    _damage(path, '"function_call_output","call_id":"c1"')
    restored = restore(path)
    history = restored.history
    assert _pairs_ok(history) and restored.recovered == []
    lost = history.index(user_text("next")) - 1
    assert history[lost] == FunctionCallOutput(call_id="c1", output=LOST, success=False)
    assert "1 tool call(s) without their output marked lost" in restored.warnings[0]


def test_a_finished_result_is_found_in_its_tool_output_line(tmp_path: Path) -> None:
    path = _session(
        tmp_path,
        [user_text("go"), _call(1), _out(1), user_text("next")],
        tool_outputs=[_out(1)],
    )
    _damage(path, '"type":"item","payload":{"type":"function_call_output"')
    restored = restore(path)
    assert restored.history == [user_text("go"), _call(1), _out(1), user_text("next")]
    assert "1 tool output(s) recovered" in restored.warnings[0]


def test_a_torn_last_line_is_crash_recovery_not_damage(tmp_path: Path) -> None:
    path = _session(tmp_path, [user_text("go"), _call(1)])
    with path.open("ab") as fh:
        fh.write(b'{"type":"item","ts":"x","payload":{"type":"function_call_out')
    restored = restore(path)
    assert restored.warnings == []
    assert restored.recovered == [
        FunctionCallOutput(call_id="c1", output=INTERRUPTED, success=False)
    ]
