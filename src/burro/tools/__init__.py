"""Tools offered to models: shell, apply_patch, read_file, list_dir, grep_files, update_plan,
view_image. The core builds a registry from the model's tool list and runs calls through it."""

from burro.tools.base import CallApproval, CommandRequest, Tool, ToolContext, ToolError, ToolResult
from burro.tools.files import DiskFiles, FileAccess
from burro.tools.processes import ProcessManager
from burro.tools.registry import ToolConfigError, ToolRegistry, build_registry

__all__ = [
    "CallApproval",
    "CommandRequest",
    "DiskFiles",
    "FileAccess",
    "ProcessManager",
    "Tool",
    "ToolConfigError",
    "ToolContext",
    "ToolError",
    "ToolRegistry",
    "ToolResult",
    "build_registry",
]
