"""Recognising "the prompt does not fit the context window" in each server's words.

Shapes (documented or recorded; see tests/data/servers/context_overflow/):

- OpenAI: ``code: "context_length_exceeded"``, "This model's maximum context length is
  N tokens. However, your messages resulted in M tokens"; Responses: "Your input
  exceeds the context window of this model".
- Anthropic: ``invalid_request_error`` "prompt is too long: M tokens > N maximum".
- llama.cpp ``llama-server``: ``type: "exceed_context_size_error"``, "request (M tokens)
  exceeds the available context size (N tokens)", with ``n_prompt_tokens`` / ``n_ctx``
  fields; older builds: "the request exceeds the available context size".
- vLLM: ``BadRequestError`` "This model's maximum context length is N tokens. However,
  your request has M input tokens" (or "you requested M tokens").
- Ollama: "input length exceeds maximum context length" / "prompt too long".
- LM Studio: "... the model is loaded with context length of only N tokens, which is
  not enough".
- LiteLLM: ``litellm.ContextWindowExceededError: ...`` wrapping any of the above.
"""

from __future__ import annotations

import re
from typing import Any

_CODES = frozenset(
    {"context_length_exceeded", "exceed_context_size_error", "context_window_exceeded"}
)

_HINTS = (
    "context_length_exceeded",
    "exceed_context_size",
    "contextwindowexceedederror",
    "context length",
    "context window",
    "context_window",
    "maximum context",
    "available context size",
    "exceeds the context",
    "prompt is too long",
    "prompt too long",
    "too many tokens",
    "input is too long",
    "input length exceeds",
)

# A max_tokens request larger than what is left (vLLM): compaction would not help.
# Patterns are strings: ``re`` compiles (and caches) them on first use, when a provider
# reports an error, not at every start.
_OUTPUT_TOO_LARGE = r"'?max_(?:completion_)?tokens'?(?: or '?max_completion_tokens'?)? is too large"

_WINDOW = (
    r"available context size \((\d+) tokens?\)",
    r"maximum context length is (\d+) tokens?",
    r"maximum context length of (\d+) tokens?",
    r"context length of only (\d+) tokens?",
    r"\d+ tokens? > (\d+) maximum",
    r"context window (?:of|is) (\d+) tokens?",
    r"context size \((\d+)\)",
)
_PROMPT = (
    r"request \((\d+) tokens?\)",
    r"prompt is too long: (\d+) tokens?",
    r"resulted in (\d+) tokens?",
    r"request has (\d+) input tokens?",
    r"you requested (\d+) tokens?",
    r"keep the first (\d+) tokens?",
)


def is_context_overflow(code: str, message: str) -> bool:
    low = message.lower()
    if code.lower() in _CODES:
        return True
    if re.search(_OUTPUT_TOO_LARGE, message, re.I):
        return False
    return any(h in low for h in _HINTS)


def output_limit_too_large(message: str) -> bool:
    return re.search(_OUTPUT_TOO_LARGE, message, re.I) is not None


def _first_int(patterns: tuple[str, ...], text: str) -> int | None:
    for pattern in patterns:
        m = re.search(pattern, text, re.I)
        if m is not None:
            return int(m.group(1))
    return None


def _field(err: Any, *names: str) -> int | None:
    if not isinstance(err, dict):
        return None
    for name in names:
        value = err.get(name)
        if isinstance(value, int) and not isinstance(value, bool) and value > 0:
            return value
    return None


def overflow_sizes(message: str, body: Any = None) -> tuple[int | None, int | None]:
    """(context window, prompt tokens) as the server stated them, when it did."""
    err = body.get("error", body) if isinstance(body, dict) else None
    window = _field(err, "n_ctx") or _first_int(_WINDOW, message)
    prompt = _field(err, "n_prompt_tokens") or _first_int(_PROMPT, message)
    return window, prompt
