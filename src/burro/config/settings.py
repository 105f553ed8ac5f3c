"""Layered settings -> one frozen Settings object.

Layers, low to high: built-in defaults < ``BURRO_HOME/config.toml`` < the selected
``[profiles.NAME]`` < ``-c key.path=VALUE`` overrides < explicit flags (-m, ...)."""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import msgspec

from burro.config.catalog import builtin_providers, model_info, provider_from_table
from burro.config.errors import ConfigError
from burro.config.layers import (
    CloudNotify,
    ConfigFile,
    Layer,
    RuleConfig,
    deep_merge,
    drop_codex_only,
    explain_validation,
    parse_override,
    read_toml,
    set_path,
)
from burro.config.mcp import McpServerConfig, check_servers
from burro.config.types import ModelInfo, ProviderInfo
from burro.protocol.common import (
    ApprovalPolicy,
    EnvInherit,
    ReasoningEffort,
    ReasoningSummary,
    SandboxMode,
)

DEFAULT_MODEL = "gpt-5.5"
DEFAULT_PROVIDER = "openai"
# Output cap for models burro does not know (a looping local model must not stream
# for ever); a quarter of the context window when that is smaller.
DEFAULT_MAX_OUTPUT_TOKENS = 32_000


class Settings(msgspec.Struct, frozen=True, kw_only=True):
    burro_home: Path
    cwd: Path
    model: str
    provider_id: str
    provider: ProviderInfo
    model_info: ModelInfo
    effort: ReasoningEffort | None
    summary: ReasoningSummary | None
    approval_policy: ApprovalPolicy = "on-request"
    sandbox_mode: SandboxMode = "read-only"
    writable_roots: tuple[str, ...] = ()
    network_access: bool = False
    project_doc_max_bytes: int = 32 * 1024
    project_doc_fallback_filenames: tuple[str, ...] = ()
    developer_instructions: str | None = None
    tool_output_bytes: int = 10_000
    hide_agent_reasoning: bool = False
    notify: tuple[str, ...] = ()
    auto_compact_token_limit: int | None = None
    completion_nudges: int | None = None
    rules: tuple[RuleConfig, ...] = ()
    env_keep: tuple[str, ...] = ()
    env_inherit: EnvInherit = "all"
    # [shell]: command runtime ceiling in seconds (None: none) and background sessions.
    shell_max_runtime_s: float | None = 3600.0
    shell_max_sessions: int = 16
    add_dirs: tuple[str, ...] = ()
    warnings: tuple[str, ...] = ()
    # Every provider table known (built-in merged with config.toml), for model switches.
    provider_tables: Mapping[str, Mapping[str, Any]] = msgspec.field(default_factory=dict)
    # [mcp_servers], enabled or not, by name.
    mcp_servers: Mapping[str, McpServerConfig] = msgspec.field(default_factory=dict)
    # [cloud.notify]: the task server's webhook.
    cloud_notify: CloudNotify | None = None

    @property
    def context_window(self) -> int:
        return self.model_info.context_window

    def api_key(self, env: Mapping[str, str]) -> str | None:
        """The provider's key: its environment variable, else one stored by `burro login`."""
        from burro.config.credentials import stored_key

        key = self.provider.env_key
        return (env.get(key) if key else None) or stored_key(self.burro_home, self.provider_id)


def _max_output(layer: Layer, info: ModelInfo) -> int | None:
    if layer.model_max_output_tokens:
        return layer.model_max_output_tokens
    if info.max_output_tokens is not None or info.known:
        return info.max_output_tokens
    return min(DEFAULT_MAX_OUTPUT_TOKENS, max(info.context_window // 4, 1))


def burro_home(env: Mapping[str, str]) -> Path:
    raw = env.get("BURRO_HOME")
    return Path(raw).expanduser() if raw else Path.home() / ".burro"


def _validate(data: dict[str, Any], *, source: str) -> ConfigFile:
    servers = data.get("mcp_servers")
    if isinstance(servers, dict):  # one table at a time: errors then name the server
        for name, table in servers.items():
            try:
                msgspec.convert(table, McpServerConfig)
            except msgspec.ValidationError as exc:
                raise explain_validation(exc, source=source, prefix=f"mcp_servers.{name}") from exc
    profiles = data.get("profiles")
    if isinstance(profiles, dict):
        for name, table in profiles.items():
            try:
                msgspec.convert(table, Layer)
            except msgspec.ValidationError as exc:
                raise explain_validation(exc, source=source, prefix=f"profiles.{name}") from exc
    try:
        return msgspec.convert(data, ConfigFile)
    except msgspec.ValidationError as exc:
        raise explain_validation(exc, source=source) from exc


def load_settings(
    *,
    cwd: Path,
    env: Mapping[str, str] | None = None,
    overrides: Sequence[str] = (),
    profile: str | None = None,
    model: str | None = None,
    provider: str | None = None,
    sandbox_mode: SandboxMode | None = None,
    approval_policy: ApprovalPolicy | None = None,
    add_dirs: Sequence[str] = (),
    default_sandbox_mode: SandboxMode = "read-only",
) -> Settings:
    env = os.environ if env is None else env
    home = burro_home(env)
    config_path = home / "config.toml"
    file_data = read_toml(config_path)
    ignored = drop_codex_only(file_data, source=str(config_path))
    _validate(file_data, source=str(config_path))

    cli_data: dict[str, Any] = {}
    for text in overrides:
        parts, value = parse_override(text)
        set_path(cli_data, parts, value)
    ignored += drop_codex_only(cli_data, source="-c")
    merged = deep_merge(file_data, cli_data)
    base = _validate(merged, source="config (-c overrides)")

    profile_name = profile or base.profile
    if profile_name:
        prof = base.profiles.get(profile_name)
        if prof is None:
            known = ", ".join(sorted(base.profiles)) or "none defined"
            raise ConfigError(
                f"profile `{profile_name}` not found in {config_path} (profiles: {known})"
            )
        merged = deep_merge(deep_merge(file_data, msgspec.to_builtins(prof)), cli_data)
    layer: Layer = _validate(merged, source="config")
    check_servers(layer.mcp_servers, source=str(config_path))

    provider_id = provider or layer.model_provider or DEFAULT_PROVIDER
    tables = builtin_providers()
    for pid, table in layer.model_providers.items():
        if not isinstance(table, dict):
            raise ConfigError(f"config: `model_providers.{pid}` must be a table")
        tables[pid] = deep_merge(tables.get(pid, {}), table)
    if provider_id not in tables:
        known = ", ".join(sorted(tables))
        raise ConfigError(
            f"unknown model_provider `{provider_id}`; use one of {known} or define "
            f"[model_providers.{provider_id}] with base_url and wire_api"
        )
    provider_info = provider_from_table(provider_id, tables[provider_id])

    slug = model or layer.model or DEFAULT_MODEL
    info = model_info(slug)
    if layer.model_context_window:
        info = msgspec.structs.replace(info, context_window=layer.model_context_window)
    info = msgspec.structs.replace(info, max_output_tokens=_max_output(layer, info))
    tool_calling = layer.tool_calling or provider_info.tool_calling or info.tool_calling
    provider_info = msgspec.structs.replace(provider_info, tool_calling=tool_calling)
    warnings: list[str] = list(ignored)
    if not info.known:
        warnings.append(
            f"model `{slug}` is not in burro's model table; using defaults "
            f"(context window {info.context_window} tokens)"
        )
    effort = layer.model_reasoning_effort or info.default_reasoning_effort
    if not info.supports_reasoning and layer.model_reasoning_effort is None:
        effort = None
    summary = layer.model_reasoning_summary or info.default_reasoning_summary
    ws = layer.sandbox_workspace_write
    token_limit = layer.tool_output_token_limit
    return Settings(
        burro_home=home,
        cwd=cwd,
        model=slug,
        provider_id=provider_id,
        provider=provider_info,
        model_info=info,
        effort=effort,
        summary=summary if info.supports_reasoning_summaries else None,
        approval_policy=approval_policy or layer.approval_policy or "on-request",
        sandbox_mode=sandbox_mode or layer.sandbox_mode or default_sandbox_mode,
        writable_roots=tuple(ws.writable_roots) if ws else (),
        network_access=ws.network_access if ws else False,
        project_doc_max_bytes=(
            layer.project_doc_max_bytes if layer.project_doc_max_bytes is not None else 32 * 1024
        ),
        project_doc_fallback_filenames=tuple(layer.project_doc_fallback_filenames or ()),
        developer_instructions=layer.developer_instructions,
        tool_output_bytes=token_limit * 4 if token_limit else info.tool_output_bytes,
        hide_agent_reasoning=bool(layer.hide_agent_reasoning),
        notify=tuple(layer.notify) if isinstance(layer.notify, list) else (),
        auto_compact_token_limit=layer.model_auto_compact_token_limit,
        completion_nudges=layer.completion_nudges,
        rules=tuple(layer.rules or ()),
        env_keep=tuple(
            layer.shell_environment_policy.keep if layer.shell_environment_policy else ()
        ),
        env_inherit=(
            layer.shell_environment_policy.inherit if layer.shell_environment_policy else "all"
        ),
        add_dirs=tuple(str((cwd / d).resolve()) for d in add_dirs),
        shell_max_runtime_s=_max_runtime(layer),
        shell_max_sessions=layer.shell.max_sessions if layer.shell else 16,
        warnings=tuple(warnings),
        provider_tables=tables,
        mcp_servers=dict(layer.mcp_servers),
        cloud_notify=_cloud_notify(layer),
    )


def _cloud_notify(layer: Layer) -> CloudNotify | None:
    """``[cloud.notify]``, else ``[notify]`` written as a table (both: an error)."""
    table = layer.notify if isinstance(layer.notify, CloudNotify) else None
    nested = layer.cloud.notify if layer.cloud else None
    if table is not None and nested is not None:
        raise ConfigError(
            "the webhook is set twice, in [notify] and in [cloud.notify]; keep one of them"
        )
    return nested or table


def switch_model(
    settings: Settings, model: str, *, provider: str | None, env: Mapping[str, str]
) -> Settings:
    """Settings for ``model`` mid-session: its metadata, tools and provider. A model
    another built-in provider serves natively moves to that provider when its key is set;
    otherwise the switch is refused with the reason (ConfigError)."""
    from burro.config.catalog import native_providers

    info = model_info(model)
    provider_id = provider or settings.provider_id
    natives = native_providers()
    if (
        provider is None
        and info.providers
        and provider_id in natives
        and provider_id not in info.providers
    ):
        provider_id = info.providers[0]
    table = settings.provider_tables.get(provider_id)
    if table is None:
        known = ", ".join(sorted(settings.provider_tables)) or "none"
        raise ConfigError(f"cannot switch to provider `{provider_id}`: unknown (known: {known})")
    provider_info = provider_from_table(provider_id, dict(table))
    if provider_id != settings.provider_id and provider_info.requires_api_key:
        key = provider_info.env_key
        if key and not env.get(key):
            raise ConfigError(
                f"cannot switch to {model}: it is served by provider `{provider_id}`, "
                f"and {key} is not set"
            )
    effort = settings.effort if info.supports_reasoning else None
    if info.supports_reasoning and effort is None:
        effort = info.default_reasoning_effort
    summary = settings.summary or info.default_reasoning_summary
    return msgspec.structs.replace(
        settings,
        model=model,
        model_info=info,
        provider_id=provider_id,
        provider=provider_info,
        effort=effort,
        summary=summary if info.supports_reasoning_summaries else None,
    )


def _max_runtime(layer: Layer) -> float | None:
    from burro.config.layers import ShellConfig

    shell = layer.shell or ShellConfig()
    if shell.max_runtime < 0 or shell.max_sessions < 1:
        raise ConfigError(
            "config: [shell] max_runtime must be 0 (no limit) or a number of seconds, and "
            "max_sessions at least 1"
        )
    return float(shell.max_runtime) if shell.max_runtime > 0 else None
