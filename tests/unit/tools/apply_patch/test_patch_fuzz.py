"""Random and mutated patches: only PatchError escapes, and nothing unreported changes."""

from __future__ import annotations

import tempfile
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from burro.protocol.common import FileChange
from burro.tools.apply_patch import (
    PatchApplyError,
    PatchError,
    apply_patch,
    parse_patch,
    preview_patch,
)

TREE = {
    "a.txt": b"alpha\nbeta\ngamma\ndelta\n",
    "b.txt": b"one\r\ntwo\r\nthree\r\n",
    "dir/c.txt": "ça \u201cquoted\u201d \u2013 dash\nlast".encode(),
    "empty.txt": b"",
    "nonl.txt": b"x\ny",
    "d/keep.txt": b"k\n",
}

OPS = [
    "*** Add File: new/n.txt\n+hello\n+world",
    "*** Add File: a.txt\n+replaced",
    "*** Delete File: a.txt",
    "*** Delete File: d",
    "*** Update File: a.txt\n@@\n alpha\n-beta\n+BETA",
    "*** Update File: a.txt\n@@ gamma\n-delta\n+DELTA\n*** End of File",
    "*** Update File: b.txt\n*** Move to: moved/b.txt\n@@\n-two\n+TWO",
    '*** Update File: dir/c.txt\n@@\n-ça "quoted" - dash\n+plain\n last\n*** End of File',
    "*** Update File: nonl.txt\n@@\n+z",
    "*** Update File: empty.txt\n@@\n+first",
    "*** Update File: missing.txt\n@@\n-a\n+b",
    "*** Update File: d\n@@\n-k\n+K",
]
MARKERS = [
    "*** Begin Patch",
    "*** End Patch",
    "*** Add File: x.txt",
    "*** Update File: a.txt",
    "*** Delete File: b.txt",
    "*** Move to: m.txt",
    "*** End of File",
    "@@",
    "@@ beta",
    "+",
    "-",
    " ",
    "",
    "<<'EOF'",
    "EOF",
    "  *** Update File: nonl.txt",
]


def _valid_lines(ops: list[str]) -> list[str]:
    return ["*** Begin Patch", *"\n".join(ops).split("\n"), "*** End Patch"]


mutation = st.one_of(
    st.tuples(st.just("drop"), st.integers(0, 40), st.just("")),
    st.tuples(st.just("dup"), st.integers(0, 40), st.just("")),
    st.tuples(st.just("alter"), st.integers(0, 40), st.text(max_size=6)),
    st.tuples(st.just("marker"), st.integers(0, 40), st.sampled_from(MARKERS)),
    st.tuples(st.just("insert"), st.integers(0, 40), st.text(max_size=20)),
)


@st.composite
def mutated_patch(draw: st.DrawFn) -> str:
    lines = _valid_lines(draw(st.lists(st.sampled_from(OPS), min_size=1, max_size=4)))
    for kind, index, payload in draw(st.lists(mutation, max_size=4)):
        if not lines:
            break
        i = index % len(lines)
        if kind == "drop":
            del lines[i]
        elif kind == "dup":
            lines.insert(i, lines[i])
        elif kind == "alter":
            cut = index % (len(lines[i]) + 1)
            lines[i] = lines[i][:cut] + payload + lines[i][cut:]
        elif kind == "marker":
            lines[i] = payload
        else:
            lines.insert(i, payload)
    sep = draw(st.sampled_from(["\n", "\r\n"]))
    return sep.join(lines) + draw(st.sampled_from(["", "\n"]))


patches = st.one_of(
    mutated_patch(),
    st.lists(st.sampled_from(OPS), min_size=1, max_size=4).map(
        lambda ops: "\n".join(_valid_lines(ops))
    ),
    st.text(max_size=200),
    st.lists(st.one_of(st.sampled_from(MARKERS), st.text(max_size=10)), max_size=10).map("\n".join),
)


def _snapshot(root: Path) -> dict[str, bytes | None]:
    return {
        p.relative_to(root).as_posix(): (None if p.is_dir() else p.read_bytes())
        for p in sorted(root.rglob("*"))
    }


def _confined(text: str, root: Path) -> bool:
    """Only apply patches whose paths stay inside the tmp tree."""
    try:
        ops = parse_patch(text).operations
    except PatchError:
        return True
    for op in ops:
        for path in (op.path, getattr(op, "move_to", None)):
            if path is None:
                continue
            try:
                (root / path).resolve().relative_to(root)
            except (ValueError, OSError):
                return False
    return True


def _touched(changes: list[FileChange], root: Path) -> set[str]:
    out: set[str] = set()
    for c in changes:
        for path in (c.path, c.move_path):
            if path is not None:
                out.add((root / path).resolve().relative_to(root).as_posix())
    return out


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(patches)
def test_only_patch_errors_and_no_unreported_changes(text: str) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp).resolve()
        for rel, data in TREE.items():
            (root / rel).parent.mkdir(parents=True, exist_ok=True)
            (root / rel).write_bytes(data)
        if not _confined(text, root):
            return
        before = _snapshot(root)

        preview_ok = True
        try:
            preview_patch(text, cwd=root)
        except PatchError:
            preview_ok = False
        assert _snapshot(root) == before, "preview wrote to disk"

        changes: list[FileChange] = []
        failed_path: str | None = None
        try:
            changes = apply_patch(text, cwd=root).changes
            applied_ok = True
        except PatchError as exc:
            applied_ok = False
            if isinstance(exc, PatchApplyError):
                changes = exc.applied
                failed_path = exc.path
        assert preview_ok == applied_ok

        after = _snapshot(root)
        touched = _touched(changes, root)
        for rel in set(before) | set(after):
            if rel in touched or before.get(rel, 0) is None or after.get(rel, 0) is None:
                continue  # reported, or a directory (created as a parent of a new file)
            assert after.get(rel) == before.get(rel), f"{rel} changed but was not reported"
        if failed_path is not None:
            rel = (root / failed_path).resolve()
            if rel.is_relative_to(root) and rel.relative_to(root).as_posix() not in touched:
                key = rel.relative_to(root).as_posix()
                assert after.get(key) == before.get(key)
