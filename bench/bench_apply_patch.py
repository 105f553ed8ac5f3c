"""Benchmark: apply a small patch (3 chunks) to a 50,000-line file. Prints median ms.

Run: uv run python bench/bench_apply_patch.py [--fuzzy]
Target: <= 50 ms. ``--fuzzy`` makes the chunks match only on the whitespace-folding
passes, which exercises the lazily built normalised copies of the file.
"""

from __future__ import annotations

import statistics
import sys
import tempfile
import time
from pathlib import Path

from burro.tools.apply_patch import apply_patch

LINES = 50_000
RUNS = 21


def main() -> None:
    fuzzy = "--fuzzy" in sys.argv
    pad = "" if not fuzzy else "  "
    content = "".join(f"    value_{i} = compute({i}, 'x')\n" for i in range(LINES))
    patch = (
        "*** Begin Patch\n*** Update File: big.py\n"
        f"@@\n {pad}    value_100 = compute(100, 'x')\n-    value_101 = compute(101, 'x')\n"
        "+    value_101 = None\n"
        f"@@\n     value_25000 = compute(25000, 'x')\n-{pad}    value_25001 = compute(25001, 'x')\n"
        "+    value_25001 = None\n"
        f"@@\n {pad}    value_49998 = compute(49998, 'x')\n-    value_49999 = compute(49999, 'x')\n"
        "+    value_49999 = None\n*** End of File\n"
        "*** End Patch\n"
    )
    times: list[float] = []
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        for _ in range(RUNS):
            (root / "big.py").write_text(content)
            start = time.perf_counter()
            apply_patch(patch, cwd=root)
            times.append((time.perf_counter() - start) * 1000)
        assert "value_25001 = None" in (root / "big.py").read_text()
    label = "fuzzy" if fuzzy else "exact"
    print(f"apply_patch {label}, {LINES} lines, 3 chunks: median {statistics.median(times):.1f} ms")


if __name__ == "__main__":
    main()
