"""Provider-neutral conversation items. Each model client maps them to its wire."""

from __future__ import annotations

import re
from typing import Literal

import msgspec

Role = Literal["user", "assistant", "developer"]

_SURROGATE = re.compile("[\ud800-\udfff]")


def scrub_surrogates(text: str) -> str:
    """``text`` with lone surrogates replaced by U+FFFD.

    Python decodes undecodable bytes in argv, stdin and file names to lone surrogates,
    which no JSON encoder accepts. Items clean their text when they are built, so what
    the model is sent and what the session file restores are the same characters."""
    if text.isascii():
        return text
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return _SURROGATE.sub("\ufffd", text)
    return text


class TextPart(msgspec.Struct, tag_field="type", tag="text", kw_only=True):
    text: str

    def __post_init__(self) -> None:
        self.text = scrub_surrogates(self.text)


class ImagePart(msgspec.Struct, tag_field="type", tag="image", kw_only=True):
    """An image as a data URL (``data:image/png;base64,...``)."""

    image_url: str


ContentPart = TextPart | ImagePart


class Message(msgspec.Struct, tag_field="type", tag="message", kw_only=True, omit_defaults=True):
    role: Role
    content: list[ContentPart]
    id: str | None = None
    client_id: str | None = None  # a user message's UserTurn.client_id; never sent to a model

    def text(self) -> str:
        return "".join(p.text for p in self.content if isinstance(p, TextPart))


class Reasoning(
    msgspec.Struct, tag_field="type", tag="reasoning", kw_only=True, omit_defaults=True
):
    """Model reasoning. ``encrypted_content`` carries opaque provider state (OpenAI
    encrypted reasoning, Anthropic thinking signature) that must be replayed verbatim."""

    summary: list[str] = []
    content: list[str] = []
    encrypted_content: str | None = None
    id: str | None = None

    def text(self) -> str:
        return "\n\n".join(self.summary or self.content)


class FunctionCall(
    msgspec.Struct, tag_field="type", tag="function_call", kw_only=True, omit_defaults=True
):
    call_id: str
    name: str
    arguments: str
    id: str | None = None

    def __post_init__(self) -> None:
        self.arguments = scrub_surrogates(self.arguments)


class CustomToolCall(
    msgspec.Struct, tag_field="type", tag="custom_tool_call", kw_only=True, omit_defaults=True
):
    """A freeform tool call: the model sends raw text (e.g. a patch) instead of JSON."""

    call_id: str
    name: str
    input: str
    id: str | None = None

    def __post_init__(self) -> None:
        self.input = scrub_surrogates(self.input)


class FunctionCallOutput(
    msgspec.Struct, tag_field="type", tag="function_call_output", kw_only=True, omit_defaults=True
):
    call_id: str
    output: str
    success: bool | None = None
    images: list[ImagePart] = []

    def __post_init__(self) -> None:
        self.output = scrub_surrogates(self.output)


class CustomToolCallOutput(
    msgspec.Struct,
    tag_field="type",
    tag="custom_tool_call_output",
    kw_only=True,
    omit_defaults=True,
):
    call_id: str
    output: str
    success: bool | None = None

    def __post_init__(self) -> None:
        self.output = scrub_surrogates(self.output)


Item = (
    Message | Reasoning | FunctionCall | CustomToolCall | FunctionCallOutput | CustomToolCallOutput
)
ToolCallItem = FunctionCall | CustomToolCall
ToolOutputItem = FunctionCallOutput | CustomToolCallOutput


def user_text(text: str) -> Message:
    return Message(role="user", content=[TextPart(text=text)])
