"""Which tools a model gets, in a stable order, and how a call finds its tool."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Protocol

from burro.protocol.errors import ErrorCode
from burro.protocol.tools import ToolSpec
from burro.tools.base import Tool, ToolError

# Names a model may call that run the same tool (history written with another shell shape).
_ALIASES = {
    "shell": ("shell_command", "container.exec"),
    "shell_command": ("shell", "container.exec"),
}
# A model offered exec_command may still call the classic shell names (history written
# under another model, habits): they dispatch to a shell tool that is not advertised.
_HIDDEN_SHELL_WITH = "exec_command"


class ToolSource(Protocol):
    """Tools that become available during a session (MCP servers that finish starting)."""

    def ready_tools(self) -> list[Tool]: ...


class ToolConfigError(ToolError):
    """The tool list of a model names a tool burro does not have."""

    code: ErrorCode = "tool_config"


def _factories() -> dict[str, Callable[[], Tool | None]]:
    from burro.tools.exec_command import ExecCommandTool, WriteStdinTool
    from burro.tools.grep_files import GrepFilesTool
    from burro.tools.list_dir import ListDirTool
    from burro.tools.read_file import ReadFileTool
    from burro.tools.shell import ShellTool
    from burro.tools.update_plan import UpdatePlanTool
    from burro.tools.view_image import ViewImageTool

    return {
        "shell": lambda: ShellTool(name="shell"),
        "shell_command": lambda: ShellTool(name="shell_command"),
        "exec_command": ExecCommandTool,
        "write_stdin": WriteStdinTool,
        "update_plan": UpdatePlanTool,
        "apply_patch": _apply_patch,
        "read_file": ReadFileTool,
        "list_dir": ListDirTool,
        "grep_files": GrepFilesTool,
        "view_image": ViewImageTool,
    }


def _apply_patch() -> Tool | None:
    try:
        from burro.tools.apply_patch import ApplyPatchTool  # type: ignore[attr-defined,import-not-found,unused-ignore]
    except ImportError:
        return None
    tool: Tool = ApplyPatchTool()
    return tool


def known_tool_names() -> list[str]:
    return list(_factories())


class ToolRegistry:
    """The tools offered to one model, in declaration order."""

    def __init__(
        self,
        tools: list[Tool],
        *,
        apply_patch_freeform: bool = False,
        hidden: list[Tool] | None = None,
        source: ToolSource | None = None,
    ) -> None:
        self._source = source
        self._tools = {t.name: t for t in tools}
        self._order = [t.name for t in tools]
        self._freeform = apply_patch_freeform
        self._aliases: dict[str, str] = {}
        for tool in hidden or []:  # callable, never offered
            self._tools.setdefault(tool.name, tool)
        for name in list(self._tools):
            for alias in _ALIASES.get(name, ()):
                if alias not in self._tools:
                    self._aliases.setdefault(alias, name)

    def names(self) -> list[str]:
        return list(self._order)

    def offered(self) -> list[str]:
        """The names ``specs()`` offers now (tools that joined included), without
        building the specs."""
        self._join()
        return list(self._order)

    def _join(self) -> None:
        """Tools the source made ready since the last request join at the end (a tool,
        once offered, stays: every later request starts with the same tool list)."""
        if self._source is None:
            return
        for tool in self._source.ready_tools():
            if tool.name not in self._tools:
                self._tools[tool.name] = tool
                self._order.append(tool.name)

    def specs(self) -> list[ToolSpec]:
        """Specs in the order the registry was built with, then tools that joined later."""
        self._join()
        return [
            self._tools[n].spec(freeform=self._freeform and self._tools[n].patch_like)
            for n in self._order
        ]

    def patch_tool(self) -> Tool | None:
        """The offered tool that applies patches, if any."""
        return next((self._tools[n] for n in self._order if self._tools[n].patch_like), None)

    def get(self, name: str) -> Tool | None:
        tool = self._tools.get(name)
        if tool is None and name in self._aliases:
            tool = self._tools[self._aliases[name]]
        return tool

    def is_parallel_safe(self, name: str) -> bool:
        tool = self.get(name)
        return bool(tool is not None and tool.parallel_safe)


def build_registry(
    names: Sequence[str | Tool],
    *,
    apply_patch_freeform: bool,
    source: ToolSource | None = None,
) -> ToolRegistry:
    """A registry with the tools in ``names`` (from the model's metadata), in that order.
    An entry may also be a Tool object: a session's own tool (review, tests).

    Raises ToolConfigError for a name burro does not know. ``apply_patch`` is skipped while
    its implementation is not installed."""
    factories = _factories()
    tools: list[Tool] = []
    seen: set[str] = set()
    for entry in names:
        if not isinstance(entry, str):
            if entry.name not in seen:
                seen.add(entry.name)
                tools.append(entry)
            continue
        name = entry
        if name in seen:
            continue
        seen.add(name)
        factory = factories.get(name)
        if factory is None:
            raise ToolConfigError(
                f"unknown tool {name!r} in the model's tool list; "
                f"known tools: {', '.join(factories)}"
            )
        tool = factory()
        if tool is not None:
            tools.append(tool)
    hidden: list[Tool] = []
    if _HIDDEN_SHELL_WITH in seen and not seen & set(_ALIASES):
        from burro.tools.shell import ShellTool

        hidden.append(ShellTool(name="shell"))
    return ToolRegistry(
        tools, apply_patch_freeform=apply_patch_freeform, hidden=hidden, source=source
    )
