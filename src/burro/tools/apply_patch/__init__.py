"""apply_patch: parse and apply ``*** Begin Patch`` patches; the model-facing tool.

PatchError (with PatchParseError / PatchApplyError) is the only exception that leaves
this package.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from burro.util.lazy import lazy_exports

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
    "PatchOutcome": "burro.tools.apply_patch._apply",
    "apply_patch": "burro.tools.apply_patch._apply",
    "preview_patch": "burro.tools.apply_patch._apply",
    "AddFile": "burro.tools.apply_patch._model",
    "Chunk": "burro.tools.apply_patch._model",
    "DeleteFile": "burro.tools.apply_patch._model",
    "Operation": "burro.tools.apply_patch._model",
    "Patch": "burro.tools.apply_patch._model",
    "UpdateFile": "burro.tools.apply_patch._model",
    "parse_patch": "burro.tools.apply_patch._parser",
    "extract_shell_patch": "burro.tools.apply_patch._shell",
    "PatchApplyError": "burro.tools.apply_patch.errors",
    "PatchError": "burro.tools.apply_patch.errors",
    "PatchParseError": "burro.tools.apply_patch.errors",
    "ApplyPatchTool": "burro.tools.apply_patch.tool",
}

__getattr__ = lazy_exports(__name__, _WHERE)


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
