"""The one error base every package's exceptions derive from, and the closed set of
error codes a front end may see (``ErrorInfo.code``)."""

from __future__ import annotations

from burro.protocol.common import ErrorCode, ErrorInfo

__all__ = ["BurroError", "ErrorCode"]


class BurroError(Exception):
    """Base of every burro exception. Subclasses set ``code`` (and ``retryable`` when
    another attempt may succeed); the message is one line that says what to do."""

    code: ErrorCode = "internal"
    retryable: bool = False

    def to_error_info(self) -> ErrorInfo:
        return ErrorInfo(code=self.code, message=str(self), retryable=self.retryable)
