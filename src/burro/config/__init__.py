"""Layered settings: config.toml, profiles, ``-c`` overrides -> one frozen Settings."""

from burro.config.errors import ConfigError
from burro.config.layers import CloudNotify
from burro.config.settings import Settings, burro_home, load_settings, switch_model
from burro.config.types import ModelInfo, ProviderInfo

__all__ = [
    "CloudNotify",
    "ConfigError",
    "ModelInfo",
    "ProviderInfo",
    "Settings",
    "burro_home",
    "load_settings",
    "switch_model",
]
