"""`burro acp` driven by the ACP Python SDK's client side, as an editor drives it."""

from __future__ import annotations

import asyncio
import base64
import json
from dataclasses import dataclass, field
from typing import Any

import pytest

from tests.acp.conftest import Recorder, Workspace, acp_agent
from tests.e2e.conftest import BURRO
from tests.fakes.script import Call, Reasoning, Text, Turn

pytestmark = [pytest.mark.asyncio, pytest.mark.timeout(120)]

ORIGINAL = "alpha\nbeta\ngamma\n"
PATCH = (
    "*** Begin Patch\n*** Update File: notes.txt\n@@\n alpha\n-beta\n+BETA\n gamma\n*** End Patch\n"
)


def _text(text: str) -> Any:
    from acp import text_block

    return text_block(text)


def _messages(body: Any) -> list[dict[str, Any]]:
    return list(body.get("messages") or [])


def _tool_outputs(body: Any) -> dict[str, str]:
    return {
        m["tool_call_id"]: str(m["content"]) for m in _messages(body) if m.get("role") == "tool"
    }


async def test_initialize_advertises_what_burro_does(workspace: Workspace) -> None:
    from acp import PROTOCOL_VERSION, spawn_agent_process

    async with spawn_agent_process(
        Recorder(), str(BURRO), *workspace.args(), env=workspace.env(), cwd=workspace.repo
    ) as (conn, _):
        init = await conn.initialize(protocol_version=PROTOCOL_VERSION)
        assert init.agent_info is not None and init.agent_info.name == "burro"
        caps = init.agent_capabilities
        assert caps is not None and caps.load_session
        assert caps.session_capabilities is not None and caps.session_capabilities.list is not None
        assert caps.prompt_capabilities is not None and caps.prompt_capabilities.image
        assert init.auth_methods
        # The provider key is in the environment: authenticating is a no-op.
        await conn.authenticate(method_id=init.auth_methods[0].id)


async def test_prompt_streams_thoughts_text_a_command_a_plan_and_a_diff(
    workspace: Workspace,
) -> None:
    (workspace.repo / "notes.txt").write_text(ORIGINAL, encoding="utf-8")
    workspace.server.add_turns(
        Turn(
            [
                Reasoning("I should look first", chunks=2),
                Text("Checking the notes, then fixing them.", chunks=4),
                Call(
                    "update_plan",
                    {"plan": [{"step": "fix notes", "status": "in_progress"}]},
                    call_id="plan1",
                ),
                Call("shell", {"command": ["cat", "notes.txt"]}, call_id="cat1"),
            ]
        ),
        Turn([Call("apply_patch", {"input": PATCH}, call_id="patch1")]),
        Turn([Text("Fixed: beta is now BETA.", chunks=3)]),
    )
    client = Recorder()
    async with acp_agent(workspace, client) as conn:
        session = await conn.new_session(cwd=str(workspace.repo), mcp_servers=[])
        assert session.modes is not None and session.modes.current_mode_id == "auto"
        resp = await conn.prompt(session_id=session.session_id, prompt=[_text("fix the notes")])
    assert resp.stop_reason == "end_turn"
    # Streamed, chunk by chunk, in order.
    assert len(client.of("agent_thought_chunk")) >= 2
    assert client.text("agent_thought_chunk") == "I should look first"
    assert len(client.of("agent_message_chunk")) >= 4
    assert client.text("agent_message_chunk") == (
        "Checking the notes, then fixing them.Fixed: beta is now BETA."
    )
    plan = client.of("plan")
    assert [(e.content, e.status) for e in plan[-1].entries] == [("fix notes", "in_progress")]
    # The command: started as an execute call, then completed with its output.
    starts = {u.tool_call_id: u for u in client.of("tool_call")}
    assert starts["cat1"].kind == "execute" and "cat notes.txt" in starts["cat1"].title
    done = [u for u in client.of("tool_call_update") if u.tool_call_id == "cat1"]
    assert done[-1].status == "completed"
    assert "beta" in done[-1].content[0].content.text
    # The edit: kind, location, and a diff (hunks first, the whole file once written).
    edit = starts["patch1"]
    notes = str(workspace.repo / "notes.txt")
    assert edit.kind == "edit"
    assert [loc.path for loc in edit.locations] == [notes]
    assert edit.content[0].type == "diff" and "BETA" in edit.content[0].new_text
    final = [u for u in client.of("tool_call_update") if u.tool_call_id == "patch1"][-1]
    assert final.status == "completed"
    diff = final.content[0]
    assert (diff.path, diff.old_text, diff.new_text) == (notes, ORIGINAL, "alpha\nBETA\ngamma\n")
    assert (workspace.repo / "notes.txt").read_text() == "alpha\nBETA\ngamma\n"


async def test_permission_requests_answered_both_ways(workspace: Workspace) -> None:
    workspace.server.add_turns(
        Turn([Call("shell", {"command": ["touch", "allowed.txt"]}, call_id="c1")]),
        Turn([Call("shell", {"command": ["touch", "denied.txt"]}, call_id="c2")]),
        Turn([Call("apply_patch", {"input": PATCH}, call_id="p1")]),
        Turn([Text("done")]),
    )
    (workspace.repo / "notes.txt").write_text(ORIGINAL, encoding="utf-8")
    client = Recorder(answers=["allow_once", "reject_once", "reject_once"])
    async with acp_agent(workspace, client) as conn:
        session = await conn.new_session(cwd=str(workspace.repo), mcp_servers=[])
        await conn.set_session_mode(session_id=session.session_id, mode_id="ask")
        resp = await conn.prompt(session_id=session.session_id, prompt=[_text("touch files")])
    assert resp.stop_reason == "end_turn"
    assert [u.current_mode_id for u in client.of("current_mode_update")] == ["ask"]
    assert [(c.tool_call_id, c.kind) for c in client.asked] == [
        ("c1", "execute"),
        ("c2", "execute"),
        ("p1", "edit"),
    ]
    assert (workspace.repo / "allowed.txt").exists()
    assert not (workspace.repo / "denied.txt").exists()
    assert (workspace.repo / "notes.txt").read_text() == ORIGINAL
    # The model is told about each refusal.
    outputs = _tool_outputs(workspace.server.requests[-1].json)
    assert "reject" in outputs["c2"].lower() or "declin" in outputs["c2"].lower()
    assert "rejected by user" in outputs["p1"]
    updates = {u.tool_call_id: u.status for u in client.of("tool_call_update")}
    assert updates["c1"] == "completed"
    assert updates["c2"] == "failed"


async def test_cancel_interrupts_a_running_command(workspace: Workspace) -> None:
    workspace.server.add_turns(
        Turn([Call("shell", {"command": ["sleep", "60"]}, call_id="slow")]),
        Turn([Text("still here")]),
    )
    client = Recorder()
    async with acp_agent(workspace, client) as conn:
        session = await conn.new_session(cwd=str(workspace.repo), mcp_servers=[])
        sid = session.session_id
        prompt = asyncio.create_task(conn.prompt(session_id=sid, prompt=[_text("wait")]))
        while not any(u.tool_call_id == "slow" for u in client.of("tool_call")):
            await asyncio.sleep(0.05)
        from acp import RequestError

        with pytest.raises(RequestError, match="Invalid request"):  # one prompt at a time
            await conn.prompt(session_id=sid, prompt=[_text("me too")])
        await conn.cancel(session_id=sid)
        resp = await prompt
        assert resp.stop_reason == "cancelled"
        # The session goes on.
        again = await conn.prompt(session_id=sid, prompt=[_text("are you there?")])
    assert again.stop_reason == "end_turn"
    assert client.text("agent_message_chunk").endswith("still here")


async def test_load_replays_an_earlier_session_and_continues_it(workspace: Workspace) -> None:
    workspace.server.add_turns(
        Turn([Text("The answer is 42.")]),
        Turn([Text("As I said: 42.")]),
    )
    first = Recorder()
    async with acp_agent(workspace, first) as conn:
        session = await conn.new_session(cwd=str(workspace.repo), mcp_servers=[])
        await conn.prompt(session_id=session.session_id, prompt=[_text("what is the answer?")])
    sid = session.session_id

    second = Recorder()
    async with acp_agent(workspace, second) as conn:
        listed = await conn.list_sessions(cwd=str(workspace.repo))
        assert [(s.session_id, s.title) for s in listed.sessions] == [(sid, "what is the answer?")]
        loaded = await conn.load_session(cwd=str(workspace.repo), session_id=sid, mcp_servers=[])
        assert loaded is not None and loaded.modes is not None
        replayed = [(u.session_update, u.content.text) for u in second.updates]
        assert replayed == [
            ("user_message_chunk", "what is the answer?"),
            ("agent_message_chunk", "The answer is 42."),
        ]
        resp = await conn.prompt(session_id=sid, prompt=[_text("say it again")])
    assert resp.stop_reason == "end_turn"
    # The model got the whole earlier conversation.
    body = json.dumps(workspace.server.requests[-1].json)
    assert "what is the answer?" in body and "The answer is 42." in body


async def test_prompt_with_an_image_and_a_resource_link(workspace: Workspace) -> None:
    from acp import image_block, resource_link_block

    workspace.server.add_turns(Turn([Text("I see a picture.")]))
    png = base64.b64encode(b"\x89PNG\r\n\x1a\nfake").decode()
    uri = (workspace.repo / "README.md").as_uri()
    async with acp_agent(workspace, Recorder()) as conn:
        session = await conn.new_session(cwd=str(workspace.repo), mcp_servers=[])
        await conn.prompt(
            session_id=session.session_id,
            prompt=[
                _text("what is in"),
                image_block(png, "image/png"),
                resource_link_block("README.md", uri),
            ],
        )
    body = json.dumps(workspace.server.requests[-1].json)
    assert f"data:image/png;base64,{png}" in body
    assert f"[@README.md]({uri})" in body


async def test_session_new_without_a_key_asks_to_authenticate(workspace: Workspace) -> None:
    from acp import PROTOCOL_VERSION, RequestError, spawn_agent_process

    env = {k: v for k, v in workspace.env().items() if k != "FAKE_KEY"}
    async with spawn_agent_process(
        Recorder(), str(BURRO), *workspace.args(), env=env, cwd=workspace.repo
    ) as (conn, _):
        await conn.initialize(protocol_version=PROTOCOL_VERSION)
        with pytest.raises(RequestError) as err:
            await conn.new_session(cwd=str(workspace.repo), mcp_servers=[])
    assert err.value.code == -32000  # auth_required
    assert "FAKE_KEY is not set" in str(err.value.data)


@dataclass
class EditorWithBuffers(Recorder):
    """An editor with unsaved changes in its buffers (served over fs/read_text_file)."""

    buffers: dict[str, str] = field(default_factory=dict)

    async def read_text_file(self, session_id: str, path: str, **_: Any) -> Any:
        from acp.schema import ReadTextFileResponse

        self.asked.append(path)
        return ReadTextFileResponse(content=self.buffers[path])


@pytest.mark.parametrize("offered", [True, False])
async def test_read_file_sees_unsaved_editor_buffers(workspace: Workspace, offered: bool) -> None:
    (workspace.repo / "notes.txt").write_text("saved on disk\n", encoding="utf-8")
    workspace.server.add_turns(
        Turn([Call("read_file", {"file_path": "notes.txt"}, call_id="r1")]),
        Turn([Text("read it")]),
    )
    editor = EditorWithBuffers()
    editor.buffers = {str(workspace.repo / "notes.txt"): "unsaved edit\nin the buffer\n"}
    async with acp_agent(workspace, editor, fs=(offered, False)) as conn:
        session = await conn.new_session(cwd=str(workspace.repo), mcp_servers=[])
        await conn.prompt(session_id=session.session_id, prompt=[_text("read the notes")])
    seen = _tool_outputs(workspace.server.requests[-1].json)["r1"]
    if offered:
        assert "L1: unsaved edit" in seen and "L2: in the buffer" in seen
        assert editor.asked == [str(workspace.repo / "notes.txt")]
    else:  # an editor without the capability is never asked
        assert "L1: saved on disk" in seen
        assert editor.asked == []
