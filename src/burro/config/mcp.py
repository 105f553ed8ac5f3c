"""``[mcp_servers.NAME]``: MCP servers whose tools the model is offered."""

from __future__ import annotations

import re
from typing import Annotated, Any, Literal

import msgspec

from burro.config.errors import ConfigError

McpApproval = Literal["never", "on-request", "always"]
Seconds = Annotated[float, msgspec.Meta(gt=0)]
_NAME = re.compile(r"^[A-Za-z0-9_-]+$")

DEFAULT_STARTUP_TIMEOUT_S = 30.0
DEFAULT_TOOL_TIMEOUT_S = 120.0


class McpServerConfig(msgspec.Struct, kw_only=True, frozen=True, forbid_unknown_fields=True):
    """One MCP server: stdio (``command``) or streamable HTTP (``url``).

    ``approval``: "never" runs calls without asking, "always" asks before each call (declined
    under approval_policy "never"), "on-request" follows the session's approval policy
    (asks under "untrusted" unless the tool says it only reads)."""

    # stdio
    command: str | None = None
    args: list[str] = []
    env: dict[str, str] = {}
    env_vars: list[str] = []  # variables of burro's environment passed to the server
    cwd: str | None = None
    # streamable HTTP
    url: str | None = None
    bearer_token_env_var: str | None = None
    http_headers: dict[str, str] = {}
    env_http_headers: dict[str, str] = {}  # header -> environment variable holding its value
    # behaviour
    enabled: bool = True
    required: bool = False
    startup_timeout_sec: Seconds | None = None
    startup_timeout_ms: Annotated[int, msgspec.Meta(gt=0)] | None = None  # Codex's older key
    tool_timeout_sec: Seconds = DEFAULT_TOOL_TIMEOUT_S
    enabled_tools: list[str] | None = None
    disabled_tools: list[str] = []
    approval: McpApproval = "on-request"
    supports_parallel_tool_calls: bool = False

    @property
    def transport(self) -> Literal["stdio", "http"]:
        return "http" if self.url else "stdio"

    @property
    def startup_timeout_s(self) -> float:
        if self.startup_timeout_sec is not None:
            return self.startup_timeout_sec
        if self.startup_timeout_ms is not None:
            return self.startup_timeout_ms / 1000
        return DEFAULT_STARTUP_TIMEOUT_S

    def offers(self, tool: str) -> bool:
        """Whether ``tool`` passes enabled_tools / disabled_tools."""
        if self.enabled_tools is not None and tool not in self.enabled_tools:
            return False
        return tool not in self.disabled_tools


def check_servers(servers: dict[str, McpServerConfig], *, source: str) -> None:
    """Names and transports: one clear error per mistake."""
    for name, server in servers.items():
        if not _NAME.match(name) or "__" in name:
            raise ConfigError(
                f"{source}: MCP server name `{name}` may only use letters, digits, '-' and "
                "single '_'; rename the [mcp_servers] table"
            )
        if bool(server.command) == bool(server.url):
            raise ConfigError(
                f"{source}: [mcp_servers.{name}] needs exactly one of `command` (stdio) "
                "or `url` (streamable HTTP)"
            )


def server_table(server: McpServerConfig) -> dict[str, Any]:
    """The config.toml table of a server (defaults left out), for `burro mcp add/get`."""
    data: dict[str, Any] = msgspec.to_builtins(server)
    defaults: dict[str, Any] = msgspec.to_builtins(McpServerConfig())
    return {k: v for k, v in data.items() if v != defaults.get(k) and v is not None}
