"""The config package's exception tree."""

from __future__ import annotations

from burro.protocol.common import ErrorInfo


class ConfigError(Exception):
    """Bad configuration: a one-line message that names the key and says what to do."""

    def to_error_info(self) -> ErrorInfo:
        return ErrorInfo(code="config", message=str(self), retryable=False)
