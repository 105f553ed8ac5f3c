"""``burro apply-patch [--allow-outside] [FILE|-]``: apply a patch in the current directory."""

from __future__ import annotations

import os
import sys
from pathlib import Path

from burro.tools.apply_patch._model import Patch


def _read(patch_file: str) -> str:
    data = sys.stdin.buffer.read() if patch_file == "-" else Path(patch_file).read_bytes()
    return data.decode("utf-8")


def outside_paths(patch: Patch, *, cwd: Path) -> list[str]:
    """The patch's paths (move targets included) that land outside ``cwd`` once ``..``
    and symlinks are resolved, in patch order."""
    base = os.path.realpath(cwd)
    out: list[str] = []
    for op in patch.operations:
        for path in (op.path, getattr(op, "move_to", None)):
            if path is None:
                continue
            real = os.path.realpath(os.path.join(base, path))
            if real != base and not real.startswith(base.rstrip("/") + "/") and path not in out:
                out.append(path)
    return out


def main(patch_file: str, *, allow_outside: bool = False) -> int:
    """Apply the patch in ``patch_file`` (``-`` for stdin). Returns the exit status.
    Paths outside the current directory are refused unless ``allow_outside``."""
    from burro.tools.apply_patch._apply import apply_patch
    from burro.tools.apply_patch._parser import parse_patch
    from burro.tools.apply_patch.errors import PatchError

    try:
        text = _read(patch_file)
    except OSError as exc:
        print(
            f"burro apply-patch: cannot read {patch_file}: {exc.strerror or exc}", file=sys.stderr
        )
        return 1
    except UnicodeDecodeError:
        print(f"burro apply-patch: {patch_file} is not valid UTF-8", file=sys.stderr)
        return 1
    cwd = Path.cwd()
    try:
        patch = parse_patch(text)
        outside = [] if allow_outside else outside_paths(patch, cwd=cwd)
        if outside:
            print(
                f"burro apply-patch: {outside[0]} is outside the current directory; "
                "nothing was changed (pass --allow-outside to write there)",
                file=sys.stderr,
            )
            return 1
        outcome = apply_patch(patch, cwd=cwd)
    except PatchError as exc:
        print(str(exc), file=sys.stderr)
        return 1
    print(outcome.summary)
    return 0
