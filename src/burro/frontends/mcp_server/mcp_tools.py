"""The two tools as the MCP SDK declares them (imported when the server is built: this
module loads the SDK and pydantic)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Any, Literal

from mcp.server import MCPServer
from mcp.server.mcpserver import Context
from pydantic import Field

if TYPE_CHECKING:
    from burro.frontends.mcp_server.server import BurroMcpServer

Sandbox = Literal["read-only", "workspace-write", "danger-full-access"]
Approval = Literal["untrusted", "on-failure", "on-request", "never"]


def register(server: MCPServer, app: BurroMcpServer) -> None:
    @server.tool(name="burro", description="Start a burro session and run a prompt in it.")
    async def burro_tool(
        ctx: Context,
        prompt: Annotated[str, Field(description="The task for the agent.")],
        cwd: Annotated[str | None, Field(description="Working directory.")] = None,
        model: Annotated[str | None, Field(description="Model, e.g. gpt-5.5.")] = None,
        sandbox: Annotated[Sandbox | None, Field(description="Where commands may write.")] = None,
        approval_policy: Annotated[
            Approval | None,
            Field(validation_alias="approval-policy", description="When to ask before acting."),
        ] = None,
        profile: Annotated[str | None, Field(description="A config.toml profile.")] = None,
        config: Annotated[
            dict[str, Any] | None, Field(description="config.toml keys to override.")
        ] = None,
    ) -> Any:
        return await app.guarded(app.start(
            ctx, prompt, cwd=cwd, model=model, sandbox=sandbox,
            approval_policy=approval_policy, profile=profile, config=config or {},
        ))  # fmt: skip

    @server.tool(name="burro-reply", description="Continue a burro session by its threadId.")
    async def burro_reply(
        ctx: Context,
        prompt: Annotated[str, Field(description="The next message for the agent.")],
        thread_id: Annotated[
            str, Field(validation_alias="threadId", description="The session id `burro` returned.")
        ],
    ) -> Any:
        return await app.guarded(app.reply(ctx, thread_id, prompt))
