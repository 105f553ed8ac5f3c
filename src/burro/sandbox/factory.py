"""Pick the platform's sandbox for a policy."""

from __future__ import annotations

import sys

from burro.sandbox.base import NoSandbox, Sandbox
from burro.sandbox.errors import SandboxUnavailable
from burro.sandbox.policy import SandboxPolicy


def make_sandbox(policy: SandboxPolicy, *, platform: str | None = None) -> Sandbox:
    """bubblewrap on Linux, Seatbelt on macOS, nothing for danger-full-access.

    Raises SandboxUnavailable when the platform's sandbox tool is missing or the platform
    has none: burro never silently runs a command unsandboxed."""
    if policy.mode == "danger-full-access":
        return NoSandbox()
    plat = platform or sys.platform
    if plat.startswith("linux"):
        from burro.sandbox.bwrap import BwrapSandbox

        return BwrapSandbox(policy)
    if plat == "darwin":
        from burro.sandbox.seatbelt import SeatbeltSandbox

        return SeatbeltSandbox(policy)
    raise SandboxUnavailable(
        f"burro has no {policy.mode} sandbox for {plat}; run with -s danger-full-access"
    )
