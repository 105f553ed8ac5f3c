"""Shared sample prompts for the wire tests: a history that grows turn by turn."""

from __future__ import annotations

from burro.protocol.items import (
    CustomToolCall,
    CustomToolCallOutput,
    FunctionCall,
    FunctionCallOutput,
    ImagePart,
    Item,
    Message,
    Reasoning,
    TextPart,
    user_text,
)
from burro.protocol.model import Prompt
from burro.protocol.tools import ToolSpec

PNG = "data:image/png;base64,iVBORw0KGgo="

SHELL = ToolSpec(
    name="shell",
    description="Run a command.",
    parameters={
        "type": "object",
        "properties": {"command": {"type": "array", "items": {"type": "string"}}},
        "required": ["command"],
    },
)
PATCH = ToolSpec(
    name="apply_patch",
    description="Edit files.",
    kind="freeform",
    grammar='start: "*** Begin Patch" ',
)

# Each chunk is what one model response (plus the tool outputs / user input after it)
# appends to the history.
CHUNKS: list[list[Item]] = [
    [
        Message(role="developer", content=[TextPart(text="<permissions>sandboxed</permissions>")]),
        Message(
            role="user",
            content=[TextPart(text='Fix the bug ü \u2028 "quoted"'), ImagePart(image_url=PNG)],
        ),
    ],
    [
        Reasoning(
            summary=["Looking at files"],
            content=["I should list the files."],
            encrypted_content="sig-1",
            id="rs_1",
        ),
        Message(role="assistant", content=[TextPart(text="Let me look.")], id="msg_1"),
        FunctionCall(call_id="call_1", name="shell", arguments='{"command":["ls"]}', id="fc_1"),
        FunctionCall(call_id="call_2", name="shell", arguments="{not json", id="fc_2"),
        FunctionCallOutput(call_id="call_1", output="a.py\nb.py", success=True),
        FunctionCallOutput(
            call_id="call_2",
            output="bad arguments",
            success=False,
            images=[ImagePart(image_url=PNG)],
        ),
    ],
    [
        CustomToolCall(
            call_id="call_3", name="apply_patch", input="*** Begin Patch\n*** End Patch"
        ),
        CustomToolCallOutput(call_id="call_3", output="Done!", success=True),
        Message(role="user", content=[TextPart(text="also run the tests")]),
    ],
    [
        Message(role="assistant", content=[TextPart(text="All fixed.")]),
        user_text("thanks"),
    ],
]


def history(upto: int) -> list[Item]:
    """The history after ``upto`` chunks."""
    return [item for chunk in CHUNKS[:upto] for item in chunk]


def prompt(items: list[Item] | None = None, **kw: object) -> Prompt:
    base: dict[str, object] = {
        "model": "test-model",
        "instructions": "You are burro.",
        "items": history(len(CHUNKS)) if items is None else items,
        "tools": [SHELL, PATCH],
        "cache_key": "sess-1",
    }
    base.update(kw)
    return Prompt(**base)  # type: ignore[arg-type]
