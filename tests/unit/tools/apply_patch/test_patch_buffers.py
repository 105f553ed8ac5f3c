"""Patches against an editor's buffers: reads see the buffer first, writes go through
the editor when it takes them; deletes and a move's source stay on the disk."""

from __future__ import annotations

from pathlib import Path

from burro.tools.apply_patch import apply_patch, preview_patch


def _patch(*body: str) -> str:
    return "*** Begin Patch\n" + "".join(line + "\n" for line in body) + "*** End Patch\n"


def test_update_reads_the_buffer_and_writes_through(tmp_path: Path) -> None:
    (tmp_path / "a.txt").write_text("one\n")
    buffers = {str(tmp_path / "a.txt"): b"one\ntwo\n"}
    written: dict[Path, bytes] = {}

    def write(path: Path, data: bytes) -> bool:
        written[path] = data
        return True

    patch = _patch(
        "*** Update File: a.txt", " one", "-two", "+TWO", "*** Update File: a.txt", "+three"
    )
    preview = preview_patch(patch, cwd=tmp_path, buffers=buffers)
    assert [c.kind for c in preview] == ["update", "update"]
    apply_patch(patch, cwd=tmp_path, buffers=buffers, write_through=write)
    # The second operation saw the first one's result (the editor's copy, not the disk).
    assert written == {tmp_path / "a.txt": b"one\nTWO\nthree\n"}
    assert (tmp_path / "a.txt").read_text() == "one\n"


def test_a_move_writes_the_destination_through_and_removes_the_source_on_disk(
    tmp_path: Path,
) -> None:
    (tmp_path / "a.txt").write_text("x\n")
    written: list[Path] = []

    def write(path: Path, data: bytes) -> bool:
        written.append(path)
        return True

    patch = _patch("*** Update File: a.txt", "*** Move to: b.txt", "-x", "+y")
    apply_patch(patch, cwd=tmp_path, write_through=write)
    assert written == [tmp_path / "b.txt"]
    assert not (tmp_path / "a.txt").exists() and not (tmp_path / "b.txt").exists()


def test_a_write_the_editor_does_not_take_goes_to_the_disk(tmp_path: Path) -> None:
    (tmp_path / "a.txt").write_text("x\n")
    apply_patch(
        _patch("*** Update File: a.txt", "-x", "+y"), cwd=tmp_path, write_through=lambda p, d: False
    )
    assert (tmp_path / "a.txt").read_text() == "y\n"
