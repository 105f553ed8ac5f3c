"""The sandbox package's exception tree."""

from __future__ import annotations

from burro.protocol.common import ErrorInfo


class SandboxError(Exception):
    """Something about sandboxing a command went wrong; the message says what to do."""

    code = "sandbox"
    retryable = False

    def to_error_info(self) -> ErrorInfo:
        return ErrorInfo(code=self.code, message=str(self), retryable=self.retryable)


class SandboxUnavailable(SandboxError):
    """The platform sandbox tool is missing; burro never falls back to running unsandboxed."""

    code = "sandbox_unavailable"


BWRAP_MISSING = (
    "bubblewrap (bwrap) is required for the workspace-write sandbox: install it with "
    "`sudo apt-get install bubblewrap`, or run with -s danger-full-access"
)
