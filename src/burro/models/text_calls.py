"""Tool calls written as text by models without native tool calling.

Two forms are recognised, strictly:

- a fenced block ```` ```json ```` (or ```` ```tool_call ```` or a bare fence) holding
  ``{"name": ..., "arguments": {...}}`` (``parameters`` is accepted for ``arguments``);
  a fenced block that is other JSON is just text;
- ``<tool_call>{...}</tool_call>`` tags (the closing tag may be missing at the end of
  the reply, where many chat templates put their stop token).

A recognised call becomes a :class:`ParsedCall`; one that names a tool that is not
offered, has arguments that are not a JSON object, or is not valid JSON becomes a
:class:`BadCall` with a reason for the model.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

import msgspec

_FENCE = re.compile(r"```(json|tool_call|tool)?[ \t]*\r?\n(.*?)\r?\n?```", re.DOTALL)
_TAG = re.compile(r"<tool_call>(.*?)(?:</tool_call>|\Z)", re.DOTALL)


@dataclass(frozen=True)
class ParsedCall:
    name: str
    arguments: str  # a JSON object, compact


@dataclass(frozen=True)
class BadCall:
    reason: str
    text: str  # the block as the model wrote it


@dataclass(frozen=True)
class Split:
    """A reply split into its prose and its calls, in the order they were written."""

    text: str
    calls: list[ParsedCall | BadCall]


def _decode(raw: str) -> tuple[Any, str | None]:
    try:
        return msgspec.json.decode(raw.strip()), None
    except msgspec.DecodeError as exc:
        return None, str(exc)


def _looks_like_call(raw: str) -> bool:
    return '"name"' in raw and ('"arguments"' in raw or '"parameters"' in raw)


def _check(value: Any, block: str, offered: frozenset[str]) -> ParsedCall | BadCall:
    if not isinstance(value, dict) or not isinstance(value.get("name"), str):
        return BadCall('the block is not a JSON object with a string "name"', block)
    name = value["name"]
    args = value.get("arguments", value.get("parameters"))
    if name not in offered:
        available = ", ".join(sorted(offered))
        return BadCall(f"tool `{name}` is not offered (available: {available})", block)
    if args is None:
        return BadCall(f'the call of `{name}` has no "arguments" object', block)
    if isinstance(args, str):  # some models encode the arguments twice
        args, _ = _decode(args)
    if not isinstance(args, dict):
        return BadCall(f'the "arguments" of `{name}` are not a JSON object', block)
    return ParsedCall(name, msgspec.json.encode(args).decode())


def parse_text_calls(text: str, offered: frozenset[str]) -> Split:
    """Find the tool calls in ``text`` (see the module docstring)."""
    spans: list[tuple[int, int, ParsedCall | BadCall]] = []
    for m in _FENCE.finditer(text):
        body = m.group(2)
        value, error = _decode(body)
        if error is not None:
            if _looks_like_call(body):
                spans.append((m.start(), m.end(), BadCall(f"not valid JSON ({error})", m.group(0))))
            continue
        if (
            isinstance(value, dict)
            and "name" in value
            and ("arguments" in value or "parameters" in value)
        ):
            spans.append((m.start(), m.end(), _check(value, m.group(0), offered)))
    for m in _TAG.finditer(text):
        if any(start <= m.start() < end for start, end, _ in spans):
            continue
        value, error = _decode(m.group(1))
        if error is not None:
            spans.append((m.start(), m.end(), BadCall(f"not valid JSON ({error})", m.group(0))))
        else:
            spans.append((m.start(), m.end(), _check(value, m.group(0), offered)))
    spans.sort(key=lambda s: s[0])
    prose: list[str] = []
    pos = 0
    for start, end, _ in spans:
        prose.append(text[pos:start])
        pos = end
    prose.append(text[pos:])
    joined = re.sub(r"\n{3,}", "\n\n", "".join(prose)).strip()
    return Split(joined, [call for _, _, call in spans])
