"""The models package's exception tree and the classification of provider errors."""

from __future__ import annotations

import re
import time
from collections.abc import Mapping
from typing import Any, Literal

import msgspec

from burro.config.types import ProviderInfo
from burro.models.overflow import is_context_overflow, output_limit_too_large, overflow_sizes
from burro.protocol.common import ErrorInfo
from burro.protocol.errors import BurroError, ErrorCode

MAX_DETAIL_CHARS = 300

_RETRYABLE_CODES = frozenset(
    {"rate_limited", "server_error", "connection", "stream_cut", "idle_timeout", "empty_stream"}
)
# A stream that closed without a single byte of data is usually a crashed or
# misconfigured server (or a stale keep-alive connection): one more try, not five.
EMPTY_STREAM_RETRIES = 1

_TRY_AGAIN = re.compile(
    r"try again in\s*(\d+(?:\.\d+)?)\s*(ms|milliseconds?|s|secs?|seconds?)\b", re.IGNORECASE
)


class ModelError(BurroError):
    """A failed model request, classified.

    ``code`` is one of: rate_limited, server_error, connection, stream_cut, idle_timeout,
    empty_stream, malformed_response, bad_request, unauthorized, context_window_exceeded,
    quota_exceeded, not_found. ``retryable`` tells the core whether another attempt may
    succeed; ``retry_after`` is a server-suggested delay in seconds.

    ``phase`` is "request" when the request failed before a response stream began
    (connection refused, an HTTP error status) and "stream" once it had; the two have
    separate retry budgets (:meth:`retry_limit`). For context_window_exceeded,
    ``context_window`` and ``prompt_tokens`` carry the sizes the server stated, if any.
    """

    def __init__(
        self,
        code: ErrorCode,
        message: str,
        *,
        retryable: bool | None = None,
        retry_after: float | None = None,
        phase: Literal["request", "stream"] = "stream",
        context_window: int | None = None,
        prompt_tokens: int | None = None,
    ) -> None:
        self.code = code
        self.message = one_line(message)
        self.retryable = code in _RETRYABLE_CODES if retryable is None else retryable
        self.retry_after = retry_after
        self.phase = phase
        self.context_window = context_window
        self.prompt_tokens = prompt_tokens
        super().__init__(self.message)

    def retry_limit(self, provider: ProviderInfo) -> int:
        """How many times the core may retry this error: 0 when not retryable,
        ``request_max_retries`` for the request phase, ``stream_max_retries`` once
        streaming began, and at most one retry for a stream that carried no data."""
        if not self.retryable:
            return 0
        if self.code == "empty_stream":
            return min(EMPTY_STREAM_RETRIES, provider.stream_max_retries)
        if self.phase == "request":
            return provider.request_max_retries
        return provider.stream_max_retries

    def to_error_info(self) -> ErrorInfo:
        return ErrorInfo(code=self.code, message=self.message, retryable=self.retryable)

    def __repr__(self) -> str:
        return f"ModelError({self.code!r}, {self.message!r}, retryable={self.retryable})"


def one_line(text: str, *, limit: int = 1000) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"


def _truncate(text: str) -> str:
    return one_line(text, limit=MAX_DETAIL_CHARS)


def parse_retry_after(headers: Mapping[str, str], message: str = "") -> float | None:
    """Seconds to wait, from ``retry-after-ms``, ``retry-after`` (seconds or HTTP date)
    or a "try again in Ns/ms" phrase in the message."""
    lower = {k.lower(): v for k, v in headers.items()}
    ms = lower.get("retry-after-ms")
    if ms:
        try:
            return max(float(ms) / 1000.0, 0.0)
        except ValueError:
            pass
    ra = lower.get("retry-after")
    if ra:
        ra = ra.strip()
        try:
            return max(float(ra), 0.0)
        except ValueError:
            from email.utils import parsedate_to_datetime

            try:
                when = parsedate_to_datetime(ra)
            except (TypeError, ValueError, IndexError):
                when = None
            if when is not None:
                return max(when.timestamp() - time.time(), 0.0)
    return retry_after_from_message(message)


def retry_after_from_message(message: str) -> float | None:
    m = _TRY_AGAIN.search(message)
    if m is None:
        return None
    value = float(m.group(1))
    return value / 1000.0 if m.group(2).lower().startswith("m") else value


def error_detail(body: Any) -> tuple[str, str]:
    """(code-or-type, message) from a decoded JSON error body of any of the wires.

    A string ``code`` wins, then a string ``type`` (llama.cpp and vLLM put the HTTP
    status, a number, in ``code`` and the meaningful name in ``type``)."""
    err = body.get("error", body) if isinstance(body, dict) else body
    if isinstance(err, dict):
        raw_code, raw_type = err.get("code"), err.get("type")
        if isinstance(raw_code, str) and raw_code:
            code = raw_code
        elif isinstance(raw_type, str) and raw_type:
            code = raw_type
        else:
            code = str(raw_code) if isinstance(raw_code, int) else ""
        msg = err.get("message") or err.get("detail") or ""
        return (code, str(msg))
    if isinstance(err, str):
        return ("", err)
    return ("", "")


def auth_hint(provider: ProviderInfo) -> str:
    if provider.env_key:
        hint = f"Set the {provider.env_key} environment variable to a valid API key."
        if provider.env_key_instructions:
            hint += " " + provider.env_key_instructions
        return hint
    return f"Check the credentials configured for provider {provider.name!r}."


def classify_http(
    status: int, body: bytes, headers: Mapping[str, str], provider: ProviderInfo
) -> ModelError:
    """Turn a non-2xx response into a ModelError."""
    text = body.decode("utf-8", errors="replace")
    try:
        decoded: Any = msgspec.json.decode(body)
    except msgspec.DecodeError:
        decoded = None
    code, msg = error_detail(decoded) if decoded is not None else ("", "")
    if not msg:
        msg = text.strip()
    detail = _truncate(msg) if msg else "(empty response body)"
    where = f"{provider.name} returned HTTP {status}"
    err = _classify_status(status, code, msg, detail, where, headers, provider)
    if err.code == "context_window_exceeded":
        err.context_window, err.prompt_tokens = overflow_sizes(msg, decoded)
    err.phase = "request"
    return err


def _classify_status(
    status: int,
    code: str,
    msg: str,
    detail: str,
    where: str,
    headers: Mapping[str, str],
    provider: ProviderInfo,
) -> ModelError:
    if status in (401, 403):
        return ModelError("unauthorized", f"{where}: {detail}. {auth_hint(provider)}")
    if status == 429:
        if code in ("insufficient_quota", "quota_exceeded") or "quota" in code:
            return ModelError("quota_exceeded", f"{where}: quota exceeded: {detail}")
        return ModelError(
            "rate_limited",
            f"{where} (rate limited): {detail}",
            retry_after=parse_retry_after(headers, msg),
        )
    if status != 404 and is_context_overflow(code, msg):
        # Some servers (Ollama, LiteLLM in front of others) use 500 or 413 for this.
        return ModelError("context_window_exceeded", f"{where}: context window exceeded: {detail}")
    if status >= 500 or status in (408, 409):
        return ModelError(
            "server_error", f"{where}: {detail}", retry_after=parse_retry_after(headers, msg)
        )
    if status == 404:
        return ModelError("not_found", f"{where} (model or endpoint not found): {detail}")
    if code == "insufficient_quota":
        return ModelError("quota_exceeded", f"{where}: quota exceeded: {detail}")
    if output_limit_too_large(msg):
        return ModelError(
            "bad_request",
            f"{where}: {detail}. The output limit does not fit the server's context: "
            "set model_max_output_tokens lower (or model_context_window)",
        )
    return ModelError("bad_request", f"{where}: {detail}")


def classify_stream_error(code: str, message: str, provider: ProviderInfo) -> ModelError:
    """An error reported inside a 200 stream (OpenAI ``response.failed``, an Anthropic
    ``error`` event, or an ``error`` object in a chat chunk)."""
    detail = _truncate(message) if message else "(no message)"
    where = f"{provider.name} reported an error"
    c = code.lower()
    if is_context_overflow(c, message):
        window, prompt = overflow_sizes(message)
        return ModelError(
            "context_window_exceeded",
            f"{where}: context window exceeded: {detail}",
            context_window=window,
            prompt_tokens=prompt,
        )
    if c in ("insufficient_quota", "quota_exceeded", "usage_not_included"):
        return ModelError("quota_exceeded", f"{where}: quota exceeded: {detail}")
    if c in ("rate_limit_exceeded", "rate_limit_error", "rate_limited", "429"):
        return ModelError(
            "rate_limited",
            f"{where} (rate limited): {detail}",
            retry_after=retry_after_from_message(message),
        )
    if c in ("authentication_error", "permission_error", "invalid_api_key", "401", "403"):
        return ModelError("unauthorized", f"{where}: {detail}. {auth_hint(provider)}")
    if c in ("not_found_error", "model_not_found", "404"):
        return ModelError("not_found", f"{where}: {detail}")
    if c in ("invalid_request_error", "invalid_prompt", "request_too_large", "400", "cyber_policy"):
        return ModelError("bad_request", f"{where}: {detail}")
    # overloaded_error, server_is_overloaded, slow_down, api_error, server_error, unknown.
    return ModelError(
        "server_error",
        f"{where} ({code or 'unknown'}): {detail}",
        retry_after=retry_after_from_message(message),
    )
