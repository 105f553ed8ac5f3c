"""Whether a shell command runs without asking, needs the user's approval, or is refused.

Pipeline for one command (a script string, or an argv that is run directly):

1. Split it into commands (``&&``, ``||``, ``;``, ``|``, newlines). A script that is not
   plain (redirections to files, substitutions, subshells, heredocs, expansions, globs…)
   stays one opaque command: never judged safe, but scanned for dangerous or forbidden
   commands everywhere inside it, substitutions included.
2. Per command: a ``forbid`` rule refuses it; an approval remembered for this session
   allows it; other rules (``prompt``/``allow``) decide next; then the heuristics:
   dangerous (``rm -rf``-class) asks (refused under ``never`` unless full access),
   known-safe read-only commands run, ``untrusted`` asks for everything else, and
   ``on-request``/``on-failure``/``never`` let it run (the sandbox protects).
3. The strictest decision wins: forbid > prompt > allow.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from typing import Any, Literal

import msgspec

from burro.protocol.common import ApprovalPolicy, SandboxMode
from burro.sandbox.command_safety import is_dangerous, is_known_safe, unwrap
from burro.sandbox.errors import SandboxError
from burro.sandbox.shell_parse import all_word_runs, shell_script, split_command

Decision = Literal["allow", "prompt", "forbid"]

_RANK: dict[str, int] = {"allow": 0, "prompt": 1, "forbid": 2}
_INTERPRETERS = frozenset(
    [
        "python",
        "python3",
        "node",
        "deno",
        "bun",
        "perl",
        "ruby",
        "php",
        "bash",
        "sh",
        "zsh",
        "dash",
        "fish",
        "lua",
        "Rscript",
    ]
)
_SUBCOMMAND = re.compile(r"[a-z][a-z0-9_:-]*")
_DENIAL_MARKERS = (
    "operation not permitted",
    "permission denied",
    "read-only file system",
    "seccomp",
    "sandbox",
    "landlock",
    "failed to write file",
    "network is unreachable",
    "temporary failure in name resolution",
)


class Rule(msgspec.Struct, kw_only=True, frozen=True):
    """A user rule: commands starting with ``prefix`` are allowed, prompted or forbidden."""

    prefix: tuple[str, ...]
    decision: Decision


class Assessment(msgspec.Struct, kw_only=True, frozen=True):
    decision: Decision
    reason: str
    # What "approve for this session" remembers: the first command that needs approval
    # (``prefixes`` holds one per command that needs it; add them all to the session set).
    prefix: tuple[str, ...]
    prefixes: tuple[tuple[str, ...], ...] = ()
    # True when the command may run outside the sandbox: every part is allowed by a
    # user rule, or the sandbox mode is danger-full-access.
    run_unsandboxed: bool = False


def parse_rules(raw: Iterable[Mapping[str, Any]]) -> tuple[Rule, ...]:
    """Rules from config tables like ``{prefix = ["git", "push"], decision = "prompt"}``."""
    rules: list[Rule] = []
    for n, table in enumerate(raw):
        data = dict(table)
        if data.get("decision") == "forbidden":
            data["decision"] = "forbid"
        try:
            rule = msgspec.convert(data, Rule)
        except msgspec.ValidationError as exc:
            raise SandboxError(f"rules[{n}]: {exc}") from exc
        if not rule.prefix or any(not w for w in rule.prefix):
            raise SandboxError(f"rules[{n}]: `prefix` must be a non-empty list of words")
        rules.append(rule)
    return tuple(rules)


def _starts(argv: Sequence[str], prefix: Sequence[str]) -> bool:
    return len(argv) >= len(prefix) and tuple(argv[: len(prefix)]) == tuple(prefix)


def _inner_runs(argv: list[str]) -> list[list[str]]:
    script = shell_script(unwrap(argv)) or shell_script(argv)
    return all_word_runs(script) if script is not None else []


def _rule_decision(
    argv: list[str], *, opaque: bool, runs: list[list[str]], rules: Sequence[Rule]
) -> tuple[Decision | None, Rule | None]:
    """Strictest rule matching this command. ``allow`` rules match only the command as
    written; ``prompt``/``forbid`` rules also match behind wrappers and inside scripts."""
    strict_candidates = [argv, unwrap(argv), *runs, *(unwrap(r) for r in runs)]
    best: Decision | None = None
    best_rule: Rule | None = None
    for rule in rules:
        if rule.decision == "allow":
            hit = not opaque and _starts(argv, rule.prefix)
        else:
            hit = any(_starts(c, rule.prefix) for c in strict_candidates)
        if hit and (best is None or _RANK[rule.decision] > _RANK[best]):
            best, best_rule = rule.decision, rule
    return best, best_rule


def _proposed_prefix(argv: list[str], *, exact: bool) -> tuple[str, ...]:
    if exact or not argv or argv[0].rsplit("/", 1)[-1] in _INTERPRETERS:
        return tuple(argv)
    if len(argv) > 1 and _SUBCOMMAND.fullmatch(argv[1]):
        return (argv[0], argv[1])
    return (argv[0],)


def _show(argv: Sequence[str]) -> str:
    text = " ".join(argv)
    return text if len(text) <= 80 else text[:77] + "..."


class _Part(msgspec.Struct, kw_only=True):
    decision: Decision
    reason: str
    prefix: tuple[str, ...]
    by_rule: bool = False


def _assess_part(
    argv: list[str],
    *,
    opaque: bool,
    approval_policy: ApprovalPolicy,
    sandbox_mode: SandboxMode,
    rules: Sequence[Rule],
    session_approved: set[tuple[str, ...]],
) -> _Part:
    runs = all_word_runs(argv[-1]) if opaque else _inner_runs(argv)
    dangerous = is_dangerous(argv) or any(is_dangerous(r) for r in runs)
    prefix = _proposed_prefix(argv, exact=opaque or dangerous)
    shown = _show([argv[-1]] if opaque else argv)
    ruled, rule = _rule_decision(argv, opaque=opaque, runs=runs, rules=rules)
    if ruled == "forbid" and rule is not None:
        return _Part(
            decision="forbid",
            reason=f"`{shown}` is forbidden by the rule for `{' '.join(rule.prefix)}`",
            prefix=prefix,
        )
    if approval_policy != "never":
        if dangerous or opaque:
            remembered = tuple(argv) in session_approved
        else:
            remembered = any(_starts(argv, p) for p in session_approved)
        if remembered:
            return _Part(decision="allow", reason="approved for this session", prefix=prefix)
    if ruled == "prompt" and rule is not None:
        if approval_policy == "never":
            return _Part(
                decision="forbid",
                reason=f"a rule asks for approval of `{' '.join(rule.prefix)}` commands, "
                "and the approval policy is `never`",
                prefix=prefix,
            )
        return _Part(
            decision="prompt",
            reason=f"a rule asks for approval of `{' '.join(rule.prefix)}` commands",
            prefix=prefix,
        )
    if ruled == "allow":
        return _Part(decision="allow", reason="allowed by a rule", prefix=prefix, by_rule=True)
    if dangerous:
        if approval_policy == "never":
            if sandbox_mode == "danger-full-access":
                return _Part(decision="allow", reason="full access, never ask", prefix=prefix)
            return _Part(
                decision="forbid",
                reason=f"`{shown}` can destroy data and the approval policy is `never`",
                prefix=prefix,
            )
        return _Part(decision="prompt", reason=f"`{shown}` can destroy data", prefix=prefix)
    if not opaque and is_known_safe(argv):
        return _Part(decision="allow", reason="known safe, read-only command", prefix=prefix)
    if approval_policy == "untrusted":
        what = "is too complex to check" if opaque else "is not known to be safe"
        return _Part(decision="prompt", reason=f"`{shown}` {what}", prefix=prefix)
    if sandbox_mode == "danger-full-access":
        return _Part(decision="allow", reason="full access", prefix=prefix)
    return _Part(decision="allow", reason="runs inside the sandbox", prefix=prefix)


def _parts(command: str | list[str]) -> list[tuple[list[str], bool]]:
    """(argv, opaque) per command. An opaque script's argv is ``["bash", "-lc", script]``."""
    if isinstance(command, str):
        script = command
        whole = ["bash", "-lc", command]
    else:
        whole = list(command)
        inner = shell_script(whole)
        if inner is None:
            return [(whole, False)]
        script = inner
    segments = split_command(script)
    if segments is None:
        return [(whole, True)]
    return [(seg, False) for seg in segments]


def assess(
    command: str | list[str],
    *,
    approval_policy: ApprovalPolicy,
    sandbox_mode: SandboxMode,
    rules: Sequence[Rule] = (),
    session_approved: set[tuple[str, ...]] | None = None,
) -> Assessment:
    """Decide whether ``command`` runs, asks, or is refused.

    A string is a shell script (what ``bash -lc`` would run); a list is an argv run as is
    (``["bash", "-lc", script]`` is judged by its script)."""
    session = session_approved or set()
    parts = [
        _assess_part(
            argv,
            opaque=opaque,
            approval_policy=approval_policy,
            sandbox_mode=sandbox_mode,
            rules=rules,
            session_approved=session,
        )
        for argv, opaque in _parts(command)
    ]
    if not parts:
        return Assessment(decision="allow", reason="nothing to run", prefix=())
    worst = max(parts, key=lambda p: _RANK[p.decision])
    asking = tuple(p.prefix for p in parts if p.decision == "prompt")
    return Assessment(
        decision=worst.decision,
        reason=worst.reason,
        prefix=asking[0] if asking else worst.prefix,
        prefixes=asking,
        run_unsandboxed=worst.decision == "allow"
        and (sandbox_mode == "danger-full-access" or all(p.by_rule for p in parts)),
    )


def looks_like_sandbox_denial(exit_code: int, output: str) -> bool:
    """True when a failed sandboxed command's output suggests the sandbox stopped it.
    Exit codes 2 (usage), 126 (not executable) and 127 (not found) never count; death
    by SIGSYS (a seccomp kill) always does."""
    if exit_code in (-31, 128 + 31):
        return True
    if exit_code in (0, 2, 126, 127):
        return False
    low = output.lower()
    return any(marker in low for marker in _DENIAL_MARKERS)


def offer_unsandboxed_retry(
    approval_policy: ApprovalPolicy, *, exit_code: int, output: str
) -> bool:
    """Whether to ask the user "command failed; retry without sandbox?" after a sandboxed
    run: under ``on-failure`` and ``untrusted``, when the failure looks like a denial."""
    return approval_policy in ("on-failure", "untrusted") and looks_like_sandbox_denial(
        exit_code, output
    )
