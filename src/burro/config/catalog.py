"""Built-in providers and model metadata, read from the data files beside this module."""

from __future__ import annotations

import tomllib
from functools import cache
from pathlib import Path
from typing import Any

import msgspec

from burro.config.errors import ConfigError
from burro.config.types import ModelInfo, ProviderInfo


@cache
def _data(name: str) -> dict[str, Any]:
    # A plain file read: importlib.resources costs a few ms of every start.
    text = (Path(__file__).parent / "data" / name).read_text(encoding="utf-8")
    return tomllib.loads(text)


def builtin_providers() -> dict[str, dict[str, Any]]:
    return {k: dict(v) for k, v in _data("providers.toml").items()}


def provider_from_table(provider_id: str, table: dict[str, Any]) -> ProviderInfo:
    from burro.config.layers import explain_validation

    data = dict(table)
    data.setdefault("name", provider_id)
    if "base_url" not in data:
        raise ConfigError(
            f'model_providers.{provider_id}: missing `base_url`, e.g. base_url = "http://127.0.0.1:8080/v1"'
        )
    try:
        return msgspec.convert(data, ProviderInfo)
    except msgspec.ValidationError as exc:
        raise explain_validation(
            exc, source="config", prefix=f"model_providers.{provider_id}"
        ) from exc


def model_info(slug: str) -> ModelInfo:
    """Metadata for ``slug``: exact entry, else the longest listed prefix, else the default."""
    data = _data("models.toml")
    models: dict[str, dict[str, Any]] = data.get("models", {})
    entry = models.get(slug)
    known = entry is not None
    if entry is None:
        # Provider-qualified slugs (openrouter "anthropic/claude-sonnet-4-5", dated
        # snapshots "claude-sonnet-4-5-20250929") map to their family.
        base = slug.rsplit("/", 1)[-1]
        best = max((k for k in models if base.startswith(k)), key=len, default=None)
        entry = models.get(best) if best else None
        known = entry is not None
    merged = {**data.get("default", {}), **(entry or {}), "slug": slug, "known": known}
    return msgspec.convert(merged, ModelInfo)


def native_providers() -> frozenset[str]:
    """Built-in providers some model in the table is tied to (its native provider)."""
    models: dict[str, dict[str, Any]] = _data("models.toml").get("models", {})
    return frozenset(p for entry in models.values() for p in entry.get("providers", ()))


def known_models() -> list[str]:
    """Every slug listed in the model table."""
    models = _data("models.toml").get("models", {})
    return sorted(models) if isinstance(models, dict) else []
