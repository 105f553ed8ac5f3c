"""apply_patch: parse and apply ``*** Begin Patch`` patches; the model-facing tool.

PatchError (with PatchParseError / PatchApplyError) is the only exception that leaves
this package.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from burro.tools.apply_patch._apply import PatchOutcome, apply_patch, preview_patch
    from burro.tools.apply_patch._model import (
        AddFile,
        Chunk,
        DeleteFile,
        Operation,
        Patch,
        UpdateFile,
    )
    from burro.tools.apply_patch._parser import parse_patch
    from burro.tools.apply_patch._shell import extract_shell_patch
    from burro.tools.apply_patch.errors import PatchApplyError, PatchError, PatchParseError
    from burro.tools.apply_patch.tool import ApplyPatchTool

# Where each public name lives: loaded on first use, so offering the tool at every start
# does not load the patch engine (PEP 562).
_WHERE = {
    "PatchOutcome": "_apply",
    "apply_patch": "_apply",
    "preview_patch": "_apply",
    "AddFile": "_model",
    "Chunk": "_model",
    "DeleteFile": "_model",
    "Operation": "_model",
    "Patch": "_model",
    "UpdateFile": "_model",
    "parse_patch": "_parser",
    "extract_shell_patch": "_shell",
    "PatchApplyError": "errors",
    "PatchError": "errors",
    "PatchParseError": "errors",
    "ApplyPatchTool": "tool",
}


def __getattr__(name: str) -> Any:
    module = _WHERE.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module(f"{__name__}.{module}"), name)


__all__ = [
    "AddFile",
    "ApplyPatchTool",
    "Chunk",
    "DeleteFile",
    "Operation",
    "Patch",
    "PatchApplyError",
    "PatchError",
    "PatchOutcome",
    "PatchParseError",
    "UpdateFile",
    "apply_patch",
    "extract_shell_patch",
    "parse_patch",
    "preview_patch",
]
