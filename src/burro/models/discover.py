"""What a server serves: ``GET {base_url}/models``, plus llama.cpp's ``/props``.

The context size comes from the first of these the server offers:

- llama.cpp ``GET /props``: ``default_generation_settings.n_ctx`` (the size it runs
  with, ``-c``), applied when the server lists one model;
- vLLM ``max_model_len``; LM Studio ``loaded_context_length``, ``context_length`` or
  ``max_context_length``;
- llama.cpp ``meta.n_ctx_train`` (the size the model was trained for: an upper bound).

Ollama and LiteLLM list ids only.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import msgspec

from burro.config.types import ProviderInfo
from burro.models.errors import ModelError, classify_http
from burro.protocol.model import ServerModel

DISCOVERY_TIMEOUT_S = 10.0

_RUNTIME_KEYS = ("max_model_len", "loaded_context_length", "context_length", "max_context_length")


def _positive(value: Any) -> int | None:
    if isinstance(value, int) and not isinstance(value, bool) and value > 0:
        return value
    return None


def _headers(provider: ProviderInfo, api_key: str | None, env: Mapping[str, str]) -> dict[str, str]:
    from burro.models._http import extra_headers

    h = {"accept": "application/json"}
    if api_key and provider.wire_api == "anthropic":
        h["x-api-key"] = api_key
        h["anthropic-version"] = "2023-06-01"
    elif api_key:
        h["authorization"] = f"Bearer {api_key}"
    h.update(extra_headers(provider, env))
    return h


def model_from(raw: Any) -> ServerModel | None:
    """One entry of a ``/v1/models`` list, or None when it has no id."""
    if not isinstance(raw, dict) or not isinstance(raw.get("id"), str) or not raw["id"]:
        return None
    window: int | None = None
    source: str | None = None
    for key in _RUNTIME_KEYS:
        window = _positive(raw.get(key))
        if window is not None:
            source = key
            break
    meta = raw.get("meta")
    if window is None and isinstance(meta, dict):
        window = _positive(meta.get("n_ctx_train"))
        source = "meta.n_ctx_train" if window is not None else None
    owned = raw.get("owned_by")
    return ServerModel(
        id=raw["id"],
        context_window=window,
        context_source=source,
        owned_by=owned if isinstance(owned, str) else None,
    )


def props_context(raw: Any) -> int | None:
    """llama.cpp ``/props``: the context size the server was started with."""
    if not isinstance(raw, dict):
        return None
    settings = raw.get("default_generation_settings")
    if isinstance(settings, dict) and _positive(settings.get("n_ctx")):
        return _positive(settings.get("n_ctx"))
    return _positive(raw.get("n_ctx"))


def _is_llamacpp(models: list[ServerModel], raw: list[Any]) -> bool:
    return any(m.owned_by == "llamacpp" for m in models) or any(
        isinstance(r, dict) and isinstance(r.get("meta"), dict) for r in raw
    )


async def discover(
    provider: ProviderInfo,
    *,
    api_key: str | None = None,
    env: Mapping[str, str] | None = None,
) -> list[ServerModel]:
    """The models ``provider`` serves, with their context size where the server says it.
    ``env`` is the session's environment (for ``env_http_headers``).

    Raises ModelError (connection, not_found, unauthorized, malformed_response)."""
    from burro.models._http import import_httpx

    httpx = import_httpx()
    base = provider.base_url.rstrip("/")
    headers = _headers(provider, api_key, env or {})
    plain = base.startswith("http://")
    async with httpx.AsyncClient(
        timeout=DISCOVERY_TIMEOUT_S, verify=not plain, follow_redirects=False
    ) as client:
        try:
            response = await client.get(base + "/models", headers=headers)
        except httpx.RequestError as exc:
            raise ModelError(
                "connection",
                f"could not reach {provider.name} at {base}/models: {type(exc).__name__}: {exc}",
                phase="request",
            ) from exc
        if response.status_code != 200:
            raise classify_http(response.status_code, response.content, response.headers, provider)
        try:
            body: Any = msgspec.json.decode(response.content)
        except msgspec.DecodeError as exc:
            raise ModelError(
                "malformed_response", f"{provider.name}: {base}/models did not answer JSON"
            ) from exc
        raw = body.get("data") if isinstance(body, dict) else body
        raw = raw if isinstance(raw, list) else []
        models = [m for m in map(model_from, raw) if m is not None]
        if len(models) == 1 and _is_llamacpp(models, raw):
            n_ctx = await _llamacpp_props(client, base.removesuffix("/v1"), headers)
            if n_ctx is not None:
                models = [
                    msgspec.structs.replace(
                        models[0], context_window=n_ctx, context_source="props.n_ctx"
                    )
                ]
    return models


async def _llamacpp_props(client: Any, root: str, headers: dict[str, str]) -> int | None:
    import httpx

    try:
        response = await client.get(root + "/props", headers=headers)
    except httpx.RequestError:
        return None
    if response.status_code != 200:
        return None
    try:
        return props_context(msgspec.json.decode(response.content))
    except msgspec.DecodeError:
        return None
