"""The tool seam: what every tool implements and what it gets from the core."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Literal, Protocol

import msgspec

from burro.protocol.common import FileChange
from burro.protocol.errors import BurroError, ErrorCode
from burro.protocol.events import Event
from burro.protocol.items import ImagePart
from burro.protocol.tools import ToolSpec
from burro.sandbox import NoSandbox, Sandbox
from burro.tools.files import DiskFiles, FileAccess

if TYPE_CHECKING:
    from burro.tools.processes import ProcessManager

# How a call ended. "running": a command that outlived its yield and became a background
# session the model can poll (exec_command).
ToolStatus = Literal["completed", "failed", "declined", "timed_out", "aborted", "running"]


class ToolError(BurroError):
    """A tool failed in a way the model should read and can react to.

    The message goes back to the model as the tool output (success=false)."""

    code: ErrorCode = "tool"


class ToolResult(msgspec.Struct, kw_only=True):
    """How a call ended. ``output`` is what the model reads (already capped);
    ``full_output`` is the whole output (for events and the rollout) when it differs."""

    output: str
    success: bool = True
    images: list[ImagePart] = []
    status: ToolStatus = "completed"
    exit_code: int | None = None
    duration_s: float | None = None
    full_output: str | None = None


class CommandRequest(msgspec.Struct, frozen=True):
    """What a shell-like tool is about to run, for the command gate (policy, approval)."""

    command: str | list[str]  # as the model wrote it: a script, or an argv
    display: str  # one line for the user
    workdir: str | None = None  # the call's own workdir argument, if any
    # Set when the command only runs ``apply_patch <<EOF``: (patch text, its directory).
    patch: tuple[str, str | None] | None = None


class CallApproval(msgspec.Struct, frozen=True):
    """A non-command tool call (MCP) that may need the user's approval."""

    display: str  # one line for the user: what is called, with which arguments
    reason: str
    key: str  # what "approve for this session" remembers (the tool's name)
    mode: Literal["never", "on-request", "always"]  # the server's ``approval`` setting
    read_only: bool = False  # the tool says it only reads


async def _no_approver(request: CallApproval) -> str | None:
    return f"{request.display}: declined (nobody can approve calls here)"


async def _allow_patch(changes: list[FileChange], cwd: Path) -> str | None:
    return None


def _private_processes() -> ProcessManager:
    from burro.tools.processes import ProcessManager

    return ProcessManager()


class ToolContext(msgspec.Struct):
    """Everything a tool may use. Tools never print: they ``emit`` protocol events."""

    turn_id: str
    call_id: str
    cwd: Path
    emit: Callable[[Event], None]
    env: Mapping[str, str] = msgspec.field(default_factory=dict)
    sandbox: Sandbox = msgspec.field(default_factory=NoSandbox)
    supports_images: bool = False
    # Model-facing output budget in bytes (head + tail kept, middle cut with a marker).
    output_limit_bytes: int = 10_000
    # The burro session's background command sessions (exec_command / write_stdin) and
    # the [shell] limits. The default, a private manager with no ceiling, is for tests.
    processes: ProcessManager = msgspec.field(default_factory=_private_processes)
    # The patch gate: None to apply ``changes``, else the refusal the model reads.
    approve_patch: Callable[[list[FileChange], Path], Awaitable[str | None]] = _allow_patch
    # The call gate (MCP tools): None to go ahead, else the refusal the model reads.
    approve_call: Callable[[CallApproval], Awaitable[str | None]] = _no_approver
    # Where files are read and written: the disk, or the user's editor (unsaved edits
    # included) when the front end's client offers it (ACP's fs/* methods).
    files: FileAccess = msgspec.field(default_factory=DiskFiles)


class Tool(Protocol):
    """A tool offered to the model. The core knows tools by these capabilities only.

    ``run`` receives the raw payload: the JSON arguments string for function tools,
    the raw text for freeform tools. It returns a ToolResult, raises ToolError for
    failures the model should see, and must stop promptly (killing any process group
    it started) when cancelled.
    """

    name: str
    # Read-only tools may run in parallel with each other; others (mutating) run alone.
    parallel_safe: bool
    # Emits its own begin/end events (exec, patch, plan); otherwise the core wraps the
    # call in ToolCallBegin/ToolCallEnd.
    self_reporting: bool
    # Runs commands: ``command()`` says what, and the core's command gate (exec policy,
    # approvals, sandbox choice, retry outside the sandbox) decides before ``run``.
    shell_like: bool
    # Edits files from a patch: ``run`` asks ``ctx.approve_patch`` before writing.
    patch_like: bool

    def spec(self, *, freeform: bool) -> ToolSpec: ...

    def command(self, payload: str) -> CommandRequest | None:
        """Shell-like tools: the command in ``payload`` (None if malformed or not shell-like)."""
        ...

    async def run(self, payload: str, ctx: ToolContext) -> ToolResult: ...


class ToolBase:
    """Capability defaults (a plain tool that may mutate); concrete tools override what applies."""

    parallel_safe: bool = False
    self_reporting: bool = False
    shell_like: bool = False
    patch_like: bool = False

    def command(self, payload: str) -> CommandRequest | None:
        return None
