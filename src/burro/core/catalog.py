"""Which models a front end can offer, and what burro knows about each."""

from __future__ import annotations

from collections.abc import Mapping

import msgspec

from burro.config import ModelInfo, Settings
from burro.protocol.model import ServerModel


class ModelEntry(msgspec.Struct, kw_only=True, frozen=True):
    slug: str
    context_window: int
    supports_reasoning: bool
    supports_images: bool
    # Built-in providers that serve it natively (empty: any provider).
    providers: tuple[str, ...] = ()
    # Served by the session's current provider without switching.
    current_provider: bool = True


def model_metadata(slug: str) -> ModelInfo:
    """Metadata for any slug (the table's defaults, ``known=False``, when unlisted)."""
    from burro.config.catalog import model_info

    return model_info(slug)


def list_models(settings: Settings) -> list[ModelEntry]:
    """The model table, the current provider's models first (then by name)."""
    from burro.config.catalog import known_models

    entries = []
    for slug in known_models():
        info = model_metadata(slug)
        here = not info.providers or settings.provider_id in info.providers
        entries.append(
            ModelEntry(
                slug=slug,
                context_window=info.context_window,
                supports_reasoning=info.supports_reasoning,
                supports_images=info.supports_images,
                providers=info.providers,
                current_provider=here,
            )
        )
    entries.sort(key=lambda e: (not e.current_provider, e.slug))
    return entries


async def discover_models(
    settings: Settings, *, env: Mapping[str, str], timeout_s: float = 3.0
) -> list[ServerModel]:
    """What the configured provider's server says it serves (``/v1/models``, llama.cpp
    ``/props``), with context sizes where stated; [] when it does not answer in time."""
    import asyncio

    from burro.models import ModelError
    from burro.models.discover import discover

    try:
        return await asyncio.wait_for(
            discover(settings.provider, api_key=settings.api_key(env), env=env), timeout_s
        )
    except (ModelError, TimeoutError, OSError):
        return []


def served_window(models: list[ServerModel], slug: str) -> int | None:
    """The context size the server states for ``slug`` (or for its only model)."""
    for m in models:
        if m.id == slug and m.context_window:
            return m.context_window
    if len(models) == 1 and models[0].context_window:
        return models[0].context_window
    return None
