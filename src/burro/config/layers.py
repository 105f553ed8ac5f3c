"""Reading config.toml and ``-c key.path=VALUE`` overrides into validated layers."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path
from typing import Any, Literal

import msgspec

from burro.config.errors import ConfigError
from burro.config.mcp import McpServerConfig
from burro.config.types import Count, Positive, ToolCalling
from burro.protocol.common import (
    ApprovalPolicy,
    EnvInherit,
    ReasoningEffort,
    ReasoningSummary,
    SandboxMode,
)


class SandboxWorkspaceWrite(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    writable_roots: list[str] = []
    network_access: bool = False
    exclude_tmpdir_env_var: bool = False
    exclude_slash_tmp: bool = False


class RuleConfig(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    """``[[rules]]``: commands starting with ``prefix`` are allowed, prompted or forbidden."""

    prefix: list[str]
    decision: Literal["allow", "prompt", "forbid"]


class ShellEnvironmentPolicy(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    # Variables passed to commands even though they look like secrets (*_TOKEN, ...).
    keep: list[str] = []
    # Which of burro's variables commands start from: all, the core set (PATH, HOME, ...), none.
    inherit: EnvInherit = "all"


class ShellConfig(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    """``[shell]``: limits of the commands the model runs."""

    # Seconds after which any command (foreground or background session) is killed;
    # 0 means no ceiling.
    max_runtime: float = 3600
    # Background sessions (exec_command) alive at once; the least recently used goes.
    max_sessions: int = 16


class CloudNotify(msgspec.Struct, kw_only=True, forbid_unknown_fields=True, frozen=True):
    """The task server's webhook: ``[notify]`` as a table, or ``[cloud.notify]`` (for a
    config.toml whose top-level ``notify`` is Codex's program hook, a list)."""

    webhook: str
    format: Literal["json", "ntfy"] = "json"
    on: tuple[Literal["completed", "failed", "approval"], ...] = ("completed", "failed", "approval")

    def __post_init__(self) -> None:
        if not self.webhook.startswith(("http://", "https://")):
            raise ValueError("`webhook` must be an http:// or https:// URL")


class CloudConfig(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    """``[cloud]``: settings of `burro serve` and `burro worker`."""

    notify: CloudNotify | None = None


class Layer(msgspec.Struct, kw_only=True, forbid_unknown_fields=True, omit_defaults=True):
    """Keys allowed at the top level of config.toml and inside ``[profiles.NAME]``."""

    model: str | None = None
    model_provider: str | None = None
    model_reasoning_effort: ReasoningEffort | None = None
    model_reasoning_summary: ReasoningSummary | None = None
    model_context_window: Positive | None = None
    model_auto_compact_token_limit: Positive | None = None
    # Output cap sent with each request (max_tokens); unknown models get a default.
    model_max_output_tokens: Positive | None = None
    # "text": tools described in the instructions, calls parsed from the reply.
    tool_calling: ToolCalling | None = None
    model_providers: dict[str, dict[str, Any]] = {}
    approval_policy: ApprovalPolicy | None = None
    sandbox_mode: SandboxMode | None = None
    sandbox_workspace_write: SandboxWorkspaceWrite | None = None
    project_doc_max_bytes: Count | None = None
    project_doc_fallback_filenames: list[str] | None = None
    developer_instructions: str | None = None
    tool_output_token_limit: Positive | None = None
    hide_agent_reasoning: bool | None = None
    # A list: Codex's program hook. A table: the task server's webhook (CloudNotify).
    notify: list[str] | CloudNotify | None = None
    completion_nudges: Count | None = None
    rules: list[RuleConfig] | None = None
    shell_environment_policy: ShellEnvironmentPolicy | None = None
    shell: ShellConfig | None = None
    mcp_servers: dict[str, McpServerConfig] = {}
    cloud: CloudConfig | None = None


class ConfigFile(Layer, kw_only=True, forbid_unknown_fields=True, omit_defaults=True):
    profile: str | None = None
    profiles: dict[str, Layer] = {}


# Codex settings burro does not implement (yet). A Codex config.toml that uses them must
# still start burro: each is dropped with a warning, while any other unknown key (a typo)
# stays an error.
CODEX_ONLY_KEYS = frozenset(
    {
        "tui", "features", "tools", "history", "otel", "projects", "hooks",
        "permissions", "default_permissions", "file_opener", "log_dir", "sqlite_home",
        "check_for_update_on_startup", "cli_auth_credentials_store", "forced_login_method",
        "web_search", "model_verbosity", "review_model", "service_tier", "personality",
        "instructions", "model_instructions_file", "compact_prompt", "project_root_markers",
        "include_permissions_instructions", "include_environment_context",
        "include_apps_instructions", "approvals_reviewer", "allow_login_shell",
        "model_supports_reasoning_summaries", "plan_mode_reasoning_effort", "openai_base_url",
        "chatgpt_base_url", "oss_provider", "model_catalog_json", "background_terminal_max_timeout",
        "windows_wsl_setup_acknowledged",
        "show_raw_agent_reasoning", "notice", "disable_paste_burst",
    }
)  # fmt: skip


def drop_codex_only(data: dict[str, Any], *, source: str) -> list[str]:
    """Remove Codex-only keys (top level and in profiles); one warning for each."""
    warnings: list[str] = []
    tables = [("", data)]
    profiles = data.get("profiles")
    if isinstance(profiles, dict):
        tables += [(f"profiles.{n}.", t) for n, t in profiles.items() if isinstance(t, dict)]
    for prefix, table in tables:
        for key in sorted(CODEX_ONLY_KEYS & table.keys()):
            del table[key]
            warnings.append(
                f"{source}: `{prefix}{key}` is a Codex setting burro does not support yet; ignored"
            )
    return warnings


_AT = re.compile(r"^(?P<what>.*?)(?: - at `\$(?P<path>[^`]*)`)?$")
_UNKNOWN = re.compile(r"Object contains unknown field `(?P<field>[^`]+)`")


def _dotted(path: str) -> str:
    parts = re.findall(r"\.([A-Za-z0-9_\-]+)|\[(\d+)\]|\['([^']*)'\]", path)
    out: list[str] = []
    for name, index, quoted in parts:
        out.append(name or quoted or f"[{index}]")
    return ".".join(out).replace(".[", "[")


def explain_validation(
    err: msgspec.ValidationError, *, source: str, prefix: str = ""
) -> ConfigError:
    """Turn a msgspec error into one line that names the offending key."""
    m = _AT.match(str(err))
    what = m.group("what") if m else str(err)
    path = _dotted(m.group("path") or "") if m else ""
    path = ".".join(p for p in (prefix, path) if p)
    unknown = _UNKNOWN.match(what)
    if unknown:
        key = ".".join(p for p in (path, unknown.group("field")) if p)
        return ConfigError(f"{source}: unknown key `{key}`; remove it or fix its spelling")
    where = f"`{path}`" if path else "the top level"
    return ConfigError(f"{source}: invalid value for {where}: {what}")


def read_toml(path: Path) -> dict[str, Any]:
    if not path.is_file():
        return {}
    try:
        with path.open("rb") as fh:
            return tomllib.load(fh)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: not valid TOML ({exc}); fix the file or move it away") from exc
    except UnicodeDecodeError as exc:
        raise ConfigError(
            f"{path}: not valid UTF-8 (byte {exc.start}); save it as UTF-8 or move it away"
        ) from exc
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read ({exc.strerror})") from exc


def parse_override(text: str) -> tuple[list[str], Any]:
    """Parse ``key.path=TOML_VALUE``; a value that is not valid TOML is taken as a string."""
    key, sep, raw = text.partition("=")
    key = key.strip()
    if not sep or not key:
        raise ConfigError(f'-c {text!r}: expected key.path=VALUE, e.g. -c model="gpt-5.5"')
    parts = [p.strip().strip('"') for p in key.split(".")]
    if any(not p for p in parts):
        raise ConfigError(f"-c {text!r}: empty key segment in {key!r}")
    try:
        value = tomllib.loads(f"v = {raw}")["v"]
    except tomllib.TOMLDecodeError:
        value = raw.strip()
    return parts, value


def set_path(target: dict[str, Any], parts: list[str], value: Any) -> None:
    node = target
    for part in parts[:-1]:
        child = node.get(part)
        if not isinstance(child, dict):
            child = {}
            node[part] = child
        node = child
    node[parts[-1]] = value


def deep_merge(base: dict[str, Any], top: dict[str, Any]) -> dict[str, Any]:
    out = dict(base)
    for key, value in top.items():
        old = out.get(key)
        if isinstance(old, dict) and isinstance(value, dict):
            out[key] = deep_merge(old, value)
        else:
            out[key] = value
    return out
