"""One MCP server: started in its own task, its tools listed, calls sent to it.

The MCP SDK (anyio underneath) is imported here, when a server is started, never before.
Its client must be entered and left in one task, so each connection owns a runner task
that holds the client open until ``close``; calls from tool tasks go through it."""

from __future__ import annotations

import asyncio
import contextlib
import tempfile
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any, Literal

from burro.config.mcp import McpServerConfig
from burro.tools.mcp.names import qualified_name

Status = Literal["starting", "ready", "failed", "disabled"]
_STDERR_TAIL = 600


@dataclass(frozen=True)
class McpToolInfo:
    """A tool a server lists (only those enabled_tools / disabled_tools let through)."""

    server: str
    name: str  # as the server names it
    qualified: str  # as the model calls it
    description: str
    input_schema: dict[str, Any]
    read_only: bool


class McpCallError(Exception):
    """A call that never got a result (server gone, timeout, protocol error)."""


def _load_sdk() -> None:
    import mcp.client.client
    import mcp.client.stdio
    import mcp.client.streamable_http  # noqa: F401


def _leaf(exc: BaseException) -> BaseException:
    while isinstance(exc, BaseExceptionGroup) and exc.exceptions:
        exc = exc.exceptions[0]
    return exc


class McpConnection:
    def __init__(
        self,
        name: str,
        config: McpServerConfig,
        *,
        env: Mapping[str, str],
        cwd: Path,
        on_change: Callable[[McpConnection], None] = lambda _c: None,
    ) -> None:
        self.name = name
        self.config = config
        self.status: Status = "starting" if config.enabled else "disabled"
        self.error: str | None = None
        self.tools: list[McpToolInfo] = []
        self._env = env
        self._cwd = cwd
        self._on_change = on_change
        self._client: Any = None
        self._stop = asyncio.Event()
        self._settled = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._stderr: IO[str] | None = None
        if not config.enabled:
            self._settled.set()

    # -- lifecycle ----------------------------------------------------------------------
    def start(self) -> None:
        if self.config.enabled and self._task is None:
            self._task = asyncio.create_task(self._run(), name=f"mcp:{self.name}")

    async def wait_settled(self) -> None:
        """Until the server is ready or has failed (bounded by its startup timeout)."""
        await self._settled.wait()

    async def close(self) -> None:
        self._stop.set()
        if self._task is not None and self.status == "starting":
            self._task.cancel()  # nothing to wind down gracefully yet
        if self._task is not None:
            try:
                await asyncio.wait_for(asyncio.shield(self._task), 5)
            except (TimeoutError, asyncio.CancelledError, Exception):
                self._task.cancel()
                await asyncio.gather(self._task, return_exceptions=True)
        if self._stderr is not None:
            self._stderr.close()
            self._stderr = None

    async def _run(self) -> None:
        # The SDK takes ~0.5 s (much more on a busy machine) to import: off the event loop,
        # so a session's first model request never waits for it.
        try:
            await asyncio.to_thread(_load_sdk)
            async with contextlib.AsyncExitStack() as stack:
                try:
                    async with asyncio.timeout(self.config.startup_timeout_s):
                        client = await stack.enter_async_context(await self._client_for(stack))
                        self.tools = await self._list_tools(client)
                except BaseException as exc:
                    if isinstance(exc, asyncio.CancelledError) and self._stop.is_set():
                        raise
                    self._fail(self._startup_error(_leaf(exc)))
                    return
                self._client = client
                self.status = "ready"
                self._settled.set()
                self._on_change(self)
                await self._stop.wait()
        except BaseException as exc:  # leaving the client (process already gone, ...)
            if self.status == "starting" and not self._stop.is_set():
                self._fail(self._startup_error(_leaf(exc)))
            if isinstance(exc, asyncio.CancelledError):
                raise
        finally:
            self._client = None
            self._settled.set()

    def _fail(self, message: str) -> None:
        self.status = "failed"
        self.error = message
        self._client = None
        self._settled.set()
        self._on_change(self)

    async def _client_for(self, stack: contextlib.AsyncExitStack) -> Any:
        from mcp.client.stdio import stdio_client

        from mcp import Client, StdioServerParameters

        cfg = self.config
        if cfg.url:
            from mcp.client.streamable_http import streamable_http_client
            from mcp.shared._httpx_utils import create_mcp_http_client

            http = await stack.enter_async_context(create_mcp_http_client(headers=self._headers()))
            return Client(streamable_http_client(cfg.url, http_client=http), mode="legacy")
        env = {k: self._env[k] for k in cfg.env_vars if k in self._env} | dict(cfg.env)
        cwd = Path(cfg.cwd).expanduser() if cfg.cwd else self._cwd
        params = StdioServerParameters(
            command=cfg.command or "", args=list(cfg.args), env=env, cwd=self._cwd / cwd
        )
        self._stderr = tempfile.TemporaryFile("w+", encoding="utf-8", errors="replace")  # noqa: SIM115 (lives with the connection)
        return Client(stdio_client(params, errlog=self._stderr), mode="legacy")

    def _headers(self) -> dict[str, str]:
        cfg = self.config
        headers = dict(cfg.http_headers)
        for header, var in cfg.env_http_headers.items():
            if var in self._env:
                headers[header] = self._env[var]
        if cfg.bearer_token_env_var:
            token = self._env.get(cfg.bearer_token_env_var)
            if not token:
                raise McpCallError(
                    f"{cfg.bearer_token_env_var} is not set (bearer_token_env_var of this server)"
                )
            headers["Authorization"] = f"Bearer {token}"
        return headers

    async def _list_tools(self, client: Any) -> list[McpToolInfo]:
        tools: list[McpToolInfo] = []
        cursor: str | None = None
        while True:
            page = await client.list_tools(cursor=cursor)
            for tool in page.tools:
                if not self.config.offers(tool.name):
                    continue
                hints = tool.annotations
                tools.append(
                    McpToolInfo(
                        server=self.name,
                        name=tool.name,
                        qualified=qualified_name(self.name, tool.name),
                        description=tool.description or tool.title or tool.name,
                        input_schema=dict(tool.input_schema or {"type": "object"}),
                        read_only=bool(hints and hints.read_only_hint),
                    )
                )
            cursor = page.next_cursor
            if not cursor:
                return tools

    # -- errors -------------------------------------------------------------------------
    def stderr_tail(self) -> str:
        err = self._stderr
        if err is None:
            return ""
        try:
            err.flush()
            size = err.seek(0, 2)
            err.seek(max(0, size - _STDERR_TAIL))
            return err.read().strip()
        except (OSError, ValueError):
            return ""

    def _startup_error(self, exc: BaseException) -> str:
        cfg = self.config
        if isinstance(exc, TimeoutError | asyncio.CancelledError):
            why = f"did not start within {cfg.startup_timeout_s:g}s (raise startup_timeout_sec)"
        elif isinstance(exc, FileNotFoundError):
            why = f"command `{cfg.command}` not found; check `command` and PATH"
        elif isinstance(exc, McpCallError):
            why = str(exc)
        else:
            why = f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
        tail = self.stderr_tail()
        return why + (f"; its stderr ends with: {tail[-300:]}" if tail else "")

    # -- calls --------------------------------------------------------------------------
    async def call(
        self,
        tool: str,
        arguments: dict[str, Any],
        *,
        progress: Callable[[float, float | None, str | None], Any] | None = None,
    ) -> Any:
        """The server's CallToolResult; McpCallError when there is none to give."""
        client = self._client
        if client is None:
            state = "is still starting" if self.status == "starting" else "is not running"
            detail = f" ({self.error})" if self.error else ""
            raise McpCallError(f"MCP server `{self.name}` {state}{detail}")
        timeout = self.config.tool_timeout_sec
        try:
            async with asyncio.timeout(timeout):
                return await client.call_tool(tool, arguments, progress_callback=progress)
        except TimeoutError:
            raise McpCallError(
                f"MCP tool `{tool}` on server `{self.name}` timed out after {timeout:g}s "
                "(tool_timeout_sec)"
            ) from None
        except Exception as exc:
            if self._gone(exc):
                tail = self.stderr_tail()
                message = f"MCP server `{self.name}` stopped during the call ({exc})" + (
                    f"; its stderr ends with: {tail[-300:]}" if tail else ""
                )
                self._fail(message)
                self._stop.set()
                raise McpCallError(message + "; its tools are unavailable for now") from exc
            raise McpCallError(f"MCP tool `{tool}` on server `{self.name}` failed: {exc}") from exc

    @staticmethod
    def _gone(exc: BaseException) -> bool:
        text = str(exc).lower()
        return "connection closed" in text or isinstance(
            exc, BrokenPipeError | ConnectionError | EOFError
        )
