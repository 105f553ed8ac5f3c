"""Which models a front end can offer, and what burro knows about each."""

from __future__ import annotations

import msgspec

from burro.config import ModelInfo, Settings


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
