from __future__ import annotations

import json
import time
from email.utils import formatdate

import pytest

from burro.config.types import ProviderInfo
from burro.models import ModelError
from burro.models.errors import classify_http, parse_retry_after
from burro.protocol.common import ErrorInfo

PROVIDER = ProviderInfo(
    name="openai",
    base_url="http://x/v1",
    wire_api="responses",
    env_key="OPENAI_API_KEY",
    env_key_instructions="Create a key at the provider's dashboard.",
)


def err_body(message: str, code: str | None = None) -> bytes:
    return json.dumps({"error": {"message": message, "type": "x", "code": code}}).encode()


@pytest.mark.parametrize(
    ("status", "body", "code", "retryable"),
    [
        (429, err_body("Rate limit reached"), "rate_limited", True),
        (429, err_body("You exceeded your quota", "insufficient_quota"), "quota_exceeded", False),
        (500, err_body("boom"), "server_error", True),
        (503, b"<html>Service Unavailable</html>", "server_error", True),
        (529, err_body("Overloaded"), "server_error", True),
        (400, err_body("Invalid value for tools"), "bad_request", False),
        (
            400,
            err_body(
                "This model's maximum context length is 8192 tokens", "context_length_exceeded"
            ),
            "context_window_exceeded",
            False,
        ),
        (413, err_body("prompt is too long"), "context_window_exceeded", False),
        (401, err_body("Incorrect API key provided"), "unauthorized", False),
        (403, err_body("forbidden"), "unauthorized", False),
        (404, err_body("The model `x` does not exist"), "not_found", False),
    ],
)
def test_http_statuses_are_classified(status: int, body: bytes, code: str, retryable: bool) -> None:
    err = classify_http(status, body, {}, PROVIDER)
    assert (err.code, err.retryable) == (code, retryable)
    assert "\n" not in err.message
    assert str(status) in err.message


def test_unauthorized_names_the_env_var_to_set() -> None:
    err = classify_http(401, err_body("Incorrect API key provided"), {}, PROVIDER)
    assert "OPENAI_API_KEY" in err.message
    assert "Incorrect API key provided" in err.message
    assert "dashboard" in err.message


def test_long_error_bodies_are_truncated_to_one_line() -> None:
    err = classify_http(400, err_body("line\n" * 1000), {}, PROVIDER)
    assert len(err.message) < 500 and "\n" not in err.message


def test_retry_after_in_seconds_ms_http_date_and_message() -> None:
    assert parse_retry_after({"Retry-After": "7"}) == 7.0
    assert parse_retry_after({"retry-after-ms": "1500", "retry-after": "9"}) == 1.5
    later = formatdate(time.time() + 120, usegmt=True)
    from_date = parse_retry_after({"Retry-After": later})
    assert from_date is not None and 100 < from_date <= 120
    assert parse_retry_after({}, "Please try again in 20ms.") == 0.02
    assert parse_retry_after({}, "Please Try Again in 3 seconds") == 3.0
    assert parse_retry_after({"Retry-After": "garbage"}) is None


def test_429_takes_retry_after_from_the_header() -> None:
    err = classify_http(429, err_body("slow"), {"retry-after": "12"}, PROVIDER)
    assert err.retry_after == 12.0


def test_model_error_becomes_error_info() -> None:
    err = ModelError("rate_limited", "too\nmany\n requests")
    assert err.retryable
    assert err.to_error_info() == ErrorInfo(
        code="rate_limited", message="too many requests", retryable=True
    )
    assert not ModelError("bad_request", "x").retryable
