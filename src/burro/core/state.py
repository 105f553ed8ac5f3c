"""The mutable state of one session, shared by the actor and its turns."""

from __future__ import annotations

import contextlib
import os
import time
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import msgspec

from burro.config import Settings
from burro.core.approvals import Approvals
from burro.core.errors import CoreError
from burro.core.rollout import RolloutWriter
from burro.models import ModelClient
from burro.protocol.common import (
    ApprovalPolicy,
    PlanStep,
    ReasoningEffort,
    ReasoningSummary,
    SandboxMode,
    TokenUsage,
)
from burro.protocol.events import Event, TurnContext
from burro.protocol.items import Item, Message
from burro.sandbox import (
    NoSandbox,
    Rule,
    Sandbox,
    SandboxError,
    SandboxPolicy,
    filter_env,
    make_sandbox,
    parse_rules,
    policy_for,
)
from burro.tools import DiskFiles, FileAccess, ProcessManager, Tool, ToolContext, ToolRegistry

if TYPE_CHECKING:
    from burro.models.usage import UsageEstimator
    from burro.tools.mcp import McpManager


def _policy(s: Settings, mode: SandboxMode) -> SandboxPolicy:
    return policy_for(
        mode,
        cwd=s.cwd,
        writable_roots=s.writable_roots,
        add_dirs=s.add_dirs,
        network_access=s.network_access,
        burro_home=s.burro_home,
    )


def prepare_sandbox(settings: Settings) -> None:
    """Start what the session's sandbox prepares in the background (root's id-mapped
    view) as early as possible; ``configure_sandbox`` picks it up. Errors are left for
    ``configure_sandbox`` to report."""
    with contextlib.suppress(SandboxError):
        make_sandbox(_policy(settings, settings.sandbox_mode))


class SessionOptions(msgspec.Struct, kw_only=True):
    """Front-end choices for one session (not part of config.toml)."""

    ephemeral: bool = False
    max_turns: int | None = None  # model requests per session
    max_tokens: int | None = None  # input + output tokens per session
    max_minutes: float | None = None  # wall-clock minutes per session
    completion_nudges: int = 0  # "continue" nudges when a turn ends with open plan steps
    undo_snapshots: bool = False  # snapshot the workspace before each turn (for Undo)
    defer_rollout: bool = False  # create the session file when the first turn starts


class SessionState(msgspec.Struct):
    settings: Settings
    session_id: str
    instructions: str
    client: ModelClient
    registry: ToolRegistry
    emit: Callable[[Event], None]
    rollout: RolloutWriter | None = None
    env: Mapping[str, str] = msgspec.field(default_factory=lambda: dict(os.environ))
    history: list[Item] = msgspec.field(default_factory=list)
    pending_input: list[Message] = msgspec.field(default_factory=list)
    usage: TokenUsage = msgspec.field(default_factory=TokenUsage)
    model: str = ""
    effort: ReasoningEffort | None = None
    summary: ReasoningSummary | None = None
    options: SessionOptions = msgspec.field(default_factory=SessionOptions)
    # Where tools read and write files: the disk, or the front end's client (an editor).
    files: FileAccess = msgspec.field(default_factory=DiskFiles)
    # Leading history items that are injected context (kept through compaction).
    context_items: int = 0
    plan: list[PlanStep] = msgspec.field(default_factory=list)
    # Token accounting for compaction: the provider's last reported total, and how many
    # history items existed then (later items are estimated).
    reported_tokens: int = 0
    items_at_report: int = 0
    requests: int = 0
    started_at: float = msgspec.field(default_factory=time.monotonic)
    compact_requested: bool = False
    snapshot: tuple[Path, str] | None = None  # (repo root, tree) before the last turn
    approval_policy: ApprovalPolicy = "on-request"
    sandbox_mode: SandboxMode = "read-only"
    policy: SandboxPolicy = msgspec.field(
        default_factory=lambda: SandboxPolicy(mode="danger-full-access")
    )
    sandbox: Sandbox = msgspec.field(default_factory=NoSandbox)
    rules: tuple[Rule, ...] = ()
    command_env: dict[str, str] = msgspec.field(default_factory=dict)
    approvals: Approvals = msgspec.field(default_factory=lambda: Approvals(lambda _e: None))
    # Background commands (exec_command sessions); killed when the session ends.
    processes: ProcessManager = msgspec.field(default_factory=ProcessManager)

    def __post_init__(self) -> None:
        self.processes = ProcessManager(
            max_runtime_s=self.settings.shell_max_runtime_s,
            max_sessions=self.settings.shell_max_sessions,
        )

    # Opens a client for another provider on a model switch; None when the client was
    # injected (tests, embedders), which then serves every model.
    client_factory: Callable[[Settings], ModelClient] | None = None
    # Tokenizer estimates for servers that report no usage (created on first need).
    usage_estimator: UsageEstimator | None = None
    # The session's own tool list (a review session); None follows the model's metadata.
    tool_names: tuple[str | Tool, ...] | None = None
    # The session's MCP servers ([mcp_servers]); their tools join the registry when ready.
    mcp: McpManager | None = None

    def learn_context_window(self, window: int | None) -> None:
        """The server stated its real context size (an overflow error): use it."""
        if not window or window == self.settings.context_window:
            return

        import msgspec

        info = msgspec.structs.replace(self.settings.model_info, context_window=window)
        self.settings = msgspec.structs.replace(self.settings, model_info=info)
        self.emit(self.turn_context())

    def turn_context(self) -> TurnContext:
        s = self.settings
        return TurnContext(
            model=self.model,
            provider=s.provider_id,
            wire_api=s.provider.wire_api,
            model_context_window=s.context_window,
            sandbox_mode=self.sandbox_mode,
            approval_policy=self.approval_policy,
            network_access=self.policy.network_access,
            reasoning_effort=self.effort,
            reasoning_summary=self.summary,
            tools=self.registry.offered(),
        )

    def switch_model(self, model: str, *, provider: str | None) -> ModelClient | None:
        """Re-resolve the model's metadata, tools and provider (a new client when the
        provider changes). Returns the client it replaced, for the caller to close, or
        None. Raises ConfigError, with the reason, when it cannot."""
        from burro.config import switch_model

        new = switch_model(self.settings, model, provider=provider, env=self.env)
        client = self.client
        if self.client_factory is not None and (
            new.provider_id != self.settings.provider_id or new.provider != self.settings.provider
        ):
            client = self.client_factory(new)
        registry = self.registry
        if self.tool_names is None:
            registry = build_tools(new, None, mcp=self.mcp)
        old_client = self.client
        self.settings, self.client, self.registry = new, client, registry
        self.model = new.model
        self.effort = new.effort if new.model_info.supports_reasoning else None
        self.summary = new.summary
        return old_client if old_client is not client else None

    def configure_sandbox(self, *, wait: bool = True) -> None:
        """(Re)build the sandbox, rules and command environment from the current modes.
        Raises CoreError when the sandbox tool is missing: never a silent unsandboxed run.
        ``wait=False`` lets what the sandbox prepares in the background (root's id-mapped
        view) run on; ``sandbox_ready()`` collects it."""
        s = self.settings
        self.policy = _policy(s, self.sandbox_mode)
        try:
            self.sandbox = make_sandbox(self.policy)
            if wait:
                self.sandbox.ready()
            self.rules = parse_rules(
                {"prefix": list(r.prefix), "decision": r.decision} for r in s.rules
            )
        except SandboxError as exc:
            raise CoreError(str(exc)) from exc
        secrets = [s.provider.env_key] if s.provider.env_key else []
        self.command_env = filter_env(
            self.env,
            secret_vars=secrets,
            keep=s.env_keep,
            inherit=s.env_inherit,
            sandbox_name=self.sandbox.name,
            network_disabled=self.policy.network_disabled,
        )

    def sandbox_ready(self) -> None:
        """Wait for the sandbox's background preparation; CoreError when it failed."""
        try:
            self.sandbox.ready()
        except SandboxError as exc:
            raise CoreError(str(exc)) from exc

    def record(self, item: Item) -> None:
        """Append to history and to the rollout (written before anything else runs)."""
        self.history.append(item)
        if self.rollout is not None:
            self.rollout.item(item)

    def note_usage(self, total_tokens: int) -> None:
        self.reported_tokens = total_tokens
        self.items_at_report = len(self.history)

    def reset_token_baseline(self) -> None:
        self.reported_tokens = 0
        self.items_at_report = 0

    def compact_limit(self) -> int:
        window = self.settings.context_window
        limit = int(window * 0.9)
        configured = self.settings.auto_compact_token_limit
        return min(configured, limit) if configured else limit

    def context_tokens(self) -> int:
        from burro.core.tokens import estimate_context

        return estimate_context(
            reported=self.reported_tokens,
            new_items=self.history[self.items_at_report :],
            limit=self.compact_limit(),
        )

    def tool_context(self, *, turn_id: str, call_id: str, workdir: Path | None) -> ToolContext:
        cwd = self.settings.cwd
        if workdir is not None:
            cwd = workdir if workdir.is_absolute() else cwd / workdir
        return ToolContext(
            turn_id=turn_id,
            call_id=call_id,
            cwd=cwd,
            emit=self.emit,
            env=self.command_env,
            sandbox=self.sandbox,
            supports_images=self.settings.model_info.supports_images,
            output_limit_bytes=self.settings.tool_output_bytes,
            files=self.files,
        )


def build_tools(
    settings: Settings, names: Sequence[str | Tool] | None, *, mcp: McpManager | None = None
) -> ToolRegistry:
    """The tools of a session: ``names`` when given, else the model's own list; then the
    tools of ``mcp``'s servers, each joining at the end once its server is ready."""
    from burro.tools import build_registry

    return build_registry(
        names if names is not None else settings.model_info.tools,
        apply_patch_freeform=settings.model_info.apply_patch_tool == "freeform"
        and settings.provider.wire_api == "responses",
        source=mcp,
    )
