"""The core package's exception tree (all under the one ``BurroError`` base)."""

from __future__ import annotations

from burro.protocol.common import ErrorInfo
from burro.protocol.errors import BurroError, ErrorCode


class CoreError(BurroError):
    """A session could not start or continue; the message says what to do."""

    code: ErrorCode = "core"

    def __init__(self, message: str, *, code: ErrorCode | None = None) -> None:
        super().__init__(message)
        if code is not None:
            self.code = code


class SessionNotFound(CoreError):
    """No saved session matches the key."""

    code: ErrorCode = "session_not_found"


class SteerRefused(CoreError):
    """Input for the running turn was refused: no turn runs, another turn runs than the
    one expected, or the running one takes no input (a compaction)."""


class RolloutError(CoreError):
    """A session file cannot be used (missing, empty, or no session meta)."""

    code: ErrorCode = "rollout_unreadable"


class TurnFailedError(BurroError):
    """Ends the running turn with a ``TurnFailed`` event carrying ``info``."""

    def __init__(self, info: ErrorInfo) -> None:
        super().__init__(info.message)
        self.info = info
        self.code = info.code
        self.retryable = info.retryable

    def to_error_info(self) -> ErrorInfo:
        return self.info


class AbortTurn(BurroError):
    """The user answered an approval with "abort": the whole turn stops."""
