"""The config package's exception tree."""

from __future__ import annotations

from burro.protocol.errors import BurroError, ErrorCode


class ConfigError(BurroError):
    """Bad configuration: a one-line message that names the key and says what to do."""

    code: ErrorCode = "config"
