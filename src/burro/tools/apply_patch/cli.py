"""``burro apply-patch [FILE|-]``: apply a patch in the current directory."""

from __future__ import annotations

import sys
from pathlib import Path


def _read(patch_file: str) -> str:
    data = sys.stdin.buffer.read() if patch_file == "-" else Path(patch_file).read_bytes()
    return data.decode("utf-8")


def main(patch_file: str) -> int:
    """Apply the patch in ``patch_file`` (``-`` for stdin). Returns the exit status."""
    from burro.tools.apply_patch._apply import apply_patch
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
    try:
        outcome = apply_patch(text, cwd=Path.cwd())
    except PatchError as exc:
        print(str(exc), file=sys.stderr)
        return 1
    print(outcome.summary)
    return 0
