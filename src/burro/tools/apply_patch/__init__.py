"""apply_patch: parse and apply ``*** Begin Patch`` patches; the model-facing tool.

PatchError (with PatchParseError / PatchApplyError) is the only exception that leaves
this package.
"""

from burro.tools.apply_patch._apply import PatchOutcome, apply_patch, preview_patch
from burro.tools.apply_patch._model import AddFile, Chunk, DeleteFile, Operation, Patch, UpdateFile
from burro.tools.apply_patch._parser import parse_patch
from burro.tools.apply_patch._shell import extract_shell_patch
from burro.tools.apply_patch.errors import PatchApplyError, PatchError, PatchParseError
from burro.tools.apply_patch.tool import ApplyPatchTool

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
