"""burro's own file edits go through the editor's fs capability when it offers it: the
patch reads the unsaved buffer and the result is written back to the editor, while the
sandbox and approval policy still decide first whether anything may be written."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pytest

from tests.acp.conftest import Recorder, Workspace, acp_agent
from tests.fakes.script import Call, Text, Turn

pytestmark = [pytest.mark.asyncio, pytest.mark.timeout(120)]

ON_DISK = "alpha\ngamma\n"
UNSAVED = "alpha\nbeta\ngamma\n"  # the user typed "beta" and has not saved yet
PATCH = (
    "*** Begin Patch\n"
    "*** Update File: notes.txt\n@@\n alpha\n-beta\n+BETA\n gamma\n"
    "*** Add File: fresh.txt\n+new\n"
    "*** Delete File: old.txt\n"
    "*** End Patch\n"
)


@dataclass
class Editor(Recorder):
    """An editor holding files in memory: reads see its buffers, writes land in them
    (and reach the disk only when the user saves)."""

    buffers: dict[str, str] = field(default_factory=dict)
    reads: list[str] = field(default_factory=list)
    writes: list[tuple[str, str]] = field(default_factory=list)

    async def read_text_file(self, session_id: str, path: str, **_: Any) -> Any:
        from acp.schema import ReadTextFileResponse

        self.reads.append(path)
        if path in self.buffers:
            return ReadTextFileResponse(content=self.buffers[path])
        with open(path, encoding="utf-8") as fh:
            return ReadTextFileResponse(content=fh.read())

    async def write_text_file(self, session_id: str, path: str, content: str, **_: Any) -> Any:
        from acp.schema import WriteTextFileResponse

        self.writes.append((path, content))
        self.buffers[path] = content
        return WriteTextFileResponse()


async def _run(ws: Workspace, editor: Editor, *, fs: bool, extra: tuple[str, ...] = ()) -> Any:
    from acp.schema import TextContentBlock

    async with acp_agent(ws, editor, fs=(fs, fs), extra=extra) as conn:
        session = await conn.new_session(cwd=str(ws.repo), mcp_servers=[])
        return await conn.prompt(
            session_id=session.session_id,
            prompt=[TextContentBlock(type="text", text="fix the notes")],
        )


def _outputs(ws: Workspace) -> dict[str, str]:
    messages = ws.server.requests[-1].json.get("messages") or []
    return {m["tool_call_id"]: str(m["content"]) for m in messages if m.get("role") == "tool"}


async def test_a_patch_edits_the_unsaved_buffer_and_the_editor_gets_the_write(
    workspace: Workspace,
) -> None:
    repo = workspace.repo
    (repo / "notes.txt").write_text(ON_DISK, encoding="utf-8")
    (repo / "old.txt").write_text("bye\n", encoding="utf-8")
    workspace.server.add_turns(
        Turn([Call("apply_patch", {"input": PATCH}, call_id="p1")]), Turn([Text("done")])
    )
    notes, fresh = str(repo / "notes.txt"), str(repo / "fresh.txt")
    editor = Editor(buffers={notes: UNSAVED})
    resp = await _run(workspace, editor, fs=True)
    assert resp.stop_reason == "end_turn"
    assert "Success" in _outputs(workspace)["p1"]
    # The patch matched the buffer (the disk has no "beta") and the result went to the
    # editor; the disk keeps the saved text until the user saves.
    assert editor.writes == [(notes, "alpha\nBETA\ngamma\n"), (fresh, "new\n")]
    assert (repo / "notes.txt").read_text() == ON_DISK
    assert not (repo / "fresh.txt").exists()
    assert notes in editor.reads
    # ACP has no delete: that one happens on the disk.
    assert not (repo / "old.txt").exists()
    # The finished edit shows the buffer's old and new text.
    final = [u for u in editor.of("tool_call_update") if u.tool_call_id == "p1"][-1]
    assert final.status == "completed"
    diff = next(c for c in final.content if c.path == notes)
    assert (diff.old_text, diff.new_text) == (UNSAVED, "alpha\nBETA\ngamma\n")


async def test_without_the_capability_patches_use_the_disk(workspace: Workspace) -> None:
    repo = workspace.repo
    (repo / "notes.txt").write_text(UNSAVED, encoding="utf-8")
    (repo / "old.txt").write_text("bye\n", encoding="utf-8")
    workspace.server.add_turns(
        Turn([Call("apply_patch", {"input": PATCH}, call_id="p1")]), Turn([Text("done")])
    )
    editor = Editor(buffers={str(repo / "notes.txt"): "something else entirely\n"})
    resp = await _run(workspace, editor, fs=False)
    assert resp.stop_reason == "end_turn"
    assert (editor.reads, editor.writes) == ([], [])
    assert (repo / "notes.txt").read_text() == "alpha\nBETA\ngamma\n"
    assert (repo / "fresh.txt").read_text() == "new\n"
    assert not (repo / "old.txt").exists()


@pytest.mark.parametrize(
    ("sandbox", "target"),
    [("read-only", "notes.txt"), ("workspace-write", "../outside.txt")],
)
async def test_the_sandbox_refuses_before_the_editor_is_asked_to_write(
    workspace: Workspace, sandbox: str, target: str
) -> None:
    repo = workspace.repo
    path = (repo / target).resolve()
    path.write_text(UNSAVED, encoding="utf-8")
    patch = f"*** Begin Patch\n*** Update File: {target}\n@@\n alpha\n-beta\n+BETA\n*** End Patch\n"
    workspace.server.add_turns(
        Turn([Call("apply_patch", {"input": patch}, call_id="p1")]), Turn([Text("ok")])
    )
    editor = Editor()
    extra = ("-c", f'sandbox_mode="{sandbox}"', "-c", 'approval_policy="never"')
    resp = await _run(workspace, editor, fs=True, extra=extra)
    assert resp.stop_reason == "end_turn"
    assert "patch rejected" in _outputs(workspace)["p1"]
    assert editor.writes == []
    assert path.read_text() == UNSAVED


@dataclass
class RefusingEditor(Editor):
    """An editor that will not take the write (say the buffer is read-only)."""

    async def write_text_file(self, session_id: str, path: str, content: str, **_: Any) -> Any:
        from acp import RequestError

        self.writes.append((path, content))
        raise RequestError.invalid_request({"message": "the buffer is read-only"})


async def test_a_write_the_editor_refuses_fails_and_the_disk_is_left_alone(
    workspace: Workspace,
) -> None:
    repo = workspace.repo
    (repo / "notes.txt").write_text(UNSAVED, encoding="utf-8")
    patch = "*** Begin Patch\n*** Update File: notes.txt\n@@\n alpha\n-beta\n+BETA\n*** End Patch\n"
    workspace.server.add_turns(
        Turn([Call("apply_patch", {"input": patch}, call_id="p1")]), Turn([Text("ok")])
    )
    editor = RefusingEditor()
    resp = await _run(workspace, editor, fs=True)
    assert resp.stop_reason == "end_turn"
    assert editor.writes == [(str(repo / "notes.txt"), "alpha\nBETA\ngamma\n")]
    out = _outputs(workspace)["p1"]
    assert "the editor refused the write (the buffer is read-only)" in out, out
    # Nothing went to the disk behind the editor's back.
    assert (repo / "notes.txt").read_text() == UNSAVED
