"""The core package's exception tree."""

from __future__ import annotations

from burro.protocol.common import ErrorInfo


class CoreError(Exception):
    """A session could not start or continue; the message says what to do."""

    def to_error_info(self) -> ErrorInfo:
        return ErrorInfo(code="core", message=str(self), retryable=False)
