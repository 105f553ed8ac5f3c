"""Thin model wire clients (OpenAI Responses, Chat Completions, Anthropic Messages).

Importing this package is cheap: httpx is imported on the first request.
"""

from burro.models._http import preload_http
from burro.models.base import ModelClient, open_client
from burro.models.discover import discover
from burro.models.errors import ModelError
from burro.models.usage import UsageEstimator, estimate_usage

__all__ = [
    "ModelClient",
    "ModelError",
    "UsageEstimator",
    "discover",
    "estimate_usage",
    "open_client",
    "preload_http",
]
