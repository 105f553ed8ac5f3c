"""The editor is shown the whole file before and after an edit: the old text is
rebuilt from the written file and the patch's diff (the patch is on disk before any
reader sees its events)."""

from __future__ import annotations

import difflib

from hypothesis import given
from hypothesis import strategies as st

from burro.frontends.acp.mapping import unapply

_lines = st.lists(st.sampled_from(["a\n", "b\n", "c\n", "-- x\n", "+ y\n", "\n"]), max_size=30)


@given(_lines, _lines, st.integers(min_value=0, max_value=3))
def test_unapply_rebuilds_the_old_file(old: list[str], new: list[str], context: int) -> None:
    diff = "".join(difflib.unified_diff(old, new, "a", "b", n=context))
    assert unapply("".join(new), diff) == "".join(old)


def test_unapply_of_burro_patch_diff() -> None:
    diff = "@@ -1,3 +1,3 @@\n alpha\n-beta\n+BETA\n gamma\n"
    assert unapply("alpha\nBETA\ngamma\n", diff) == "alpha\nbeta\ngamma\n"


def test_unapply_refuses_a_diff_that_does_not_fit() -> None:
    assert unapply("x\n", "@@ -5,2 +5,2 @@\n a\n-b\n+c\n") is None
