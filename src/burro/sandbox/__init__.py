"""How a command runs: the sandbox (none / bubblewrap / Seatbelt) and the exec policy
(what runs without asking, what needs approval, what is refused)."""

from typing import TYPE_CHECKING

from burro.sandbox.base import NoSandbox, Sandbox
from burro.sandbox.bwrap import BwrapSandbox
from burro.sandbox.command_safety import is_dangerous, is_known_safe
from burro.sandbox.errors import SandboxError, SandboxUnavailable
from burro.sandbox.exec_policy import (
    Assessment,
    Rule,
    assess,
    looks_like_sandbox_denial,
    offer_unsandboxed_retry,
    parse_rules,
)
from burro.sandbox.factory import make_sandbox
from burro.sandbox.policy import SandboxPolicy, filter_env, policy_for
from burro.sandbox.shell_parse import split_command
from burro.util.lazy import lazy_exports

if TYPE_CHECKING:
    from burro.sandbox.seatbelt import SeatbeltSandbox, seatbelt_profile

__all__ = [
    "Assessment",
    "BwrapSandbox",
    "NoSandbox",
    "Rule",
    "Sandbox",
    "SandboxError",
    "SandboxPolicy",
    "SandboxUnavailable",
    "SeatbeltSandbox",
    "assess",
    "filter_env",
    "is_dangerous",
    "is_known_safe",
    "looks_like_sandbox_denial",
    "make_sandbox",
    "offer_unsandboxed_retry",
    "parse_rules",
    "policy_for",
    "seatbelt_profile",
    "split_command",
]

# macOS's sandbox loads only where it is asked for.
__getattr__ = lazy_exports(
    __name__,
    {"SeatbeltSandbox": "burro.sandbox.seatbelt", "seatbelt_profile": "burro.sandbox.seatbelt"},
)
