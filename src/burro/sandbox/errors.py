"""The sandbox package's exception tree."""

from __future__ import annotations

from burro.protocol.errors import BurroError, ErrorCode


class SandboxError(BurroError):
    """Something about sandboxing a command went wrong; the message says what to do."""

    code: ErrorCode = "sandbox"


class SandboxUnavailable(SandboxError):
    """The platform sandbox tool is missing; burro never falls back to running unsandboxed."""

    code: ErrorCode = "sandbox_unavailable"


BWRAP_MISSING = (
    "bubblewrap (bwrap) is required for the workspace-write sandbox: install it with "
    "`sudo apt-get install bubblewrap`, or run with -s danger-full-access"
)
