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
MAX_BODY = 8 * 1024 * 1024  # a model list; more is not one

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
    ``env`` is the session's environment (for ``env_http_headers``). Over the same
    connection layer as the model's requests (``_conn``: proxies, certificates).

    Raises ModelError (connection, not_found, unauthorized, malformed_response)."""
    from burro.models import _conn

    base = provider.base_url.rstrip("/")
    headers = _headers(provider, api_key, env or {})
    pool = _conn.open_pool(provider.name, base)
    try:
        status, head, content = await _get(pool, provider, base + "/models", headers)
        if status != 200:
            raise classify_http(status, content, head, provider)
        try:
            body: Any = msgspec.json.decode(content)
        except msgspec.DecodeError as exc:
            raise ModelError(
                "malformed_response", f"{provider.name}: {base}/models did not answer JSON"
            ) from exc
        raw = body.get("data") if isinstance(body, dict) else body
        raw = raw if isinstance(raw, list) else []
        models = [m for m in map(model_from, raw) if m is not None]
        if len(models) == 1 and _is_llamacpp(models, raw):
            n_ctx = await _llamacpp_props(pool, provider, base.removesuffix("/v1"), headers)
            if n_ctx is not None:
                models = [
                    msgspec.structs.replace(
                        models[0], context_window=n_ctx, context_source="props.n_ctx"
                    )
                ]
    finally:
        pool.close()
    return models


async def _get(
    pool: Any, provider: ProviderInfo, url: str, headers: dict[str, str]
) -> tuple[int, dict[str, str], bytes]:
    """GET ``url``: (status, headers, body). ModelError when there is no answer."""
    import asyncio

    from burro.models import _conn

    name = provider.name
    try:
        request = _conn.build_request("GET", url, headers, b"", read_timeout=DISCOVERY_TIMEOUT_S)
    except (ValueError, TypeError) as exc:
        raise ModelError(
            "bad_request", f"cannot build a request to {name} at {url}: {_conn.describe(exc)}"
        ) from exc
    silent = ModelError(
        "connection",
        f"could not reach {name} at {url}: no answer in {DISCOVERY_TIMEOUT_S:g} s",
        phase="request",
    )
    feed = _conn.start(pool, request)
    try:
        async with asyncio.timeout(DISCOVERY_TIMEOUT_S):
            kind, value = await feed.get()
            if kind == "error":
                raise _conn.request_failure(name, url, value, read_timeout=silent) from value
            content = await _conn.read_all(feed, limit=MAX_BODY)
        return value.status, _conn.text_headers(value.headers), content
    except TimeoutError as exc:
        raise silent from exc
    except _conn.network_errors() as exc:
        raise ModelError(
            "connection", f"could not reach {name} at {url}: {_conn.describe(exc)}"
        ) from exc
    finally:
        feed.cancel()


async def _llamacpp_props(
    pool: Any, provider: ProviderInfo, root: str, headers: dict[str, str]
) -> int | None:
    try:
        status, _, content = await _get(pool, provider, root + "/props", headers)
    except ModelError:
        return None
    if status != 200:
        return None
    try:
        return props_context(msgspec.json.decode(content))
    except msgspec.DecodeError:
        return None
