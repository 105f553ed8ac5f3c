"""Plant the bugs that once escaped the suite, one at a time, and check that the fast
tests now catch each of them.

Each mutant is a textual change to the committed source, applied in a throwaway
checkout (a detached git worktree with its own environment), so the working tree is
never touched. Prints one line per mutant and exits 1 if any mutant survives.

Usage: python scripts/mutants.py [NAME ...]   (default: all)
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
FAST_TESTS = ["tests/unit", "tests/e2e/test_session_boundary.py"]


@dataclass(frozen=True)
class Mutant:
    name: str
    path: str
    old: str
    new: str


MUTANTS = [
    Mutant(
        "tool outputs written late",
        "src/burro/core/turn.py",
        "on_output=st.rollout.tool_output if st.rollout is not None else None,",
        "on_output=None,",
    ),
    Mutant(
        "finished outputs ignored on resume",
        "src/burro/core/reconstruct.py",
        "ready[line.payload.call_id] = line.payload",
        "pass",
    ),
    Mutant(
        "outputs recorded in completion order",
        "src/burro/core/turn.py",
        "        for call, task, _ in runtime.calls:\n            out = await task\n",
        "        finished: list[object] = []\n"
        "        waiting = {t for _, t, _ in runtime.calls}\n"
        "        while waiting:\n"
        "            done, waiting = await asyncio.wait(waiting, return_when='FIRST_COMPLETED')\n"
        "            finished.extend(done)\n"
        "        for call, task, _ in sorted(runtime.calls, key=lambda c: finished.index(c[1])):\n"
        "            out = await task\n",
    ),
    Mutant(
        "mutating calls run in parallel",
        "src/burro/core/tool_runtime.py",
        "parallel = self._registry.is_parallel_safe(call.name)",
        "parallel = True",
    ),
    Mutant(
        "interrupt note never reaches the model",
        "src/burro/core/turn.py",
        '        self.state.record(\n            Message(role="user", content=[TextPart(text='
        'data_text("turn_aborted.md").strip())])\n        )\n',
        "",
    ),
    Mutant(
        "typed input interrupts the turn instead of joining it",
        "src/burro/core/session.py",
        "                self._queue_input(op.items, client_id=op.client_id)\n"
        "                return\n",
        "                await self._stop_turn()\n",
    ),
    Mutant(
        "a running review takes steered input",
        "src/burro/core/session.py",
        "            raise SteerRefused(_REVIEWING, code=\"turn_not_steerable\")\n",
        "            pass\n",
    ),
    Mutant(
        "the session's branch read from the wrong ref",
        "src/burro/core/git.py",
        'return (commit, ref[len("refs/heads/") :])',
        'return (commit, ref)',
    ),
    Mutant(
        "AGENTS.md lost when a resumed session compacts",
        "src/burro/core/reconstruct.py",
        "context_items=_context_len(history),",
        "context_items=0,",
    ),
    Mutant(
        "apply_patch may write into .git",
        "src/burro/core/guard.py",
        "    if any(_inside(real, p) for p in policy.protected):\n        return False\n",
        "",
    ),
    Mutant(
        "commands no longer die with burro",
        "src/burro/tools/_exec.py",
        '_SETPRIV = [path, "--pdeathsig", "KILL", "--"] if path else []',
        "_SETPRIV = []",
    ),
]


def run(cmd: list[str], cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(cmd, cwd=cwd, capture_output=True, text=True, check=False)


def main(names: list[str]) -> int:
    chosen = [m for m in MUTANTS if not names or any(n in m.name for n in names)]
    survived = 0
    with tempfile.TemporaryDirectory(prefix="burro-mutants-") as tmp:
        work = Path(tmp) / "tree"
        run(["git", "worktree", "add", "--detach", "-q", str(work), "HEAD"], ROOT)
        try:
            sync = run(["uv", "sync", "--frozen", "--quiet"], work)
            if sync.returncode != 0:
                print(sync.stderr, file=sys.stderr)
                return 2
            for m in chosen:
                target = work / m.path
                original = target.read_text(encoding="utf-8")
                if m.old not in original:
                    print(f"STALE    {m.name}: the code it mutates has changed ({m.path})")
                    survived += 1
                    continue
                target.write_text(original.replace(m.old, m.new, 1), encoding="utf-8")
                try:
                    res = run(
                        [
                            "uv",
                            "run",
                            "pytest",
                            "-q",
                            "-x",
                            "-p",
                            "no:randomly",
                            "-n",
                            "2",
                            *FAST_TESTS,
                        ],
                        work,
                    )
                finally:
                    target.write_text(original, encoding="utf-8")
                failed = [ln for ln in res.stdout.splitlines() if ln.startswith("FAILED")]
                if res.returncode == 0:
                    survived += 1
                    print(f"SURVIVED {m.name}")
                else:
                    first = failed[0].split(" ")[1] if failed else f"exit {res.returncode}"
                    print(f"caught   {m.name}: {first}")
        finally:
            run(["git", "worktree", "remove", "--force", str(work)], ROOT)
    print(f"{len(chosen) - survived} of {len(chosen)} mutants caught")
    return 1 if survived else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
