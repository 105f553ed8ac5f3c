"""Thin model wire clients (OpenAI Responses, Chat Completions, Anthropic Messages).

Importing this package is cheap: httpx is imported on the first request.
"""

from burro.models.base import ModelClient, open_client
from burro.models.errors import ModelError

__all__ = ["ModelClient", "ModelError", "open_client"]
